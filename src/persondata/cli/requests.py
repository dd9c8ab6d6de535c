"""``persondata requests …``: customers' requests from the command line — the same services as the web pages."""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor, staff_actor
from persondata.core.calendar import legal_date
from persondata.core.requests import Kind
from persondata.documents import labels
from persondata.jobs import outbox
from persondata.register.rectify import RectifyError
from persondata.requests import intake, services
from persondata.requests.answers import answering as answers
from persondata.requests.answers import documents, printing
from persondata.requests.models import IDENTITY_METHODS, OFFERED_GROUNDS, Request

#: the help of ``requests new``'s options that name the requester (:data:`intake.REQUESTER_FIELDS`)
_REQUESTER_HELP = {
    "name": gettext_lazy("the requester's name"),
    "email": gettext_lazy("the requester's email"),
    "phone": gettext_lazy("the requester's phone"),
    "address": gettext_lazy("the requester's address"),
    "customer_number": gettext_lazy("the requester's customer number"),
    "message": gettext_lazy("the requester's message"),
}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "requests", help=gettext_lazy("customers' requests: intake, identity, deadlines, answers")
    )
    actions = p.add_subparsers(dest="action", required=True)

    ls = actions.add_parser("list", help=gettext_lazy("open requests, most urgent first, with days left"))
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.set_defaults(func=cmd_list)

    new = actions.add_parser(
        "new", help=gettext_lazy("register a request that reached you (e-mail, letter, phone)")
    )
    new.add_argument("--kind", required=True, choices=[k.value for k in Kind])
    new.add_argument(
        "--received-on",
        type=_day,
        help=gettext_lazy("YYYY-MM-DD; the deadline counts from it (default: today)"),
    )
    new.add_argument(
        "--language", choices=("da", "en"), default="da", help=gettext_lazy("language of the answer")
    )
    for name in intake.REQUESTER_FIELDS:
        new.add_argument(f"--{name.replace('_', '-')}", dest=name, help=_REQUESTER_HELP[name])
    new.set_defaults(func=cmd_new)

    show = actions.add_parser("show", help=gettext_lazy("one request: state, deadline, requester, history"))
    show.add_argument("reference", help=gettext_lazy("the request's reference (PD-XXXX-XXXX)"))
    show.set_defaults(func=cmd_show)

    steps: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None] | None]] = {
        "confirm-email": (gettext_lazy("e-mail a confirmation link to the address on file"), None),
        "verify": (gettext_lazy("record how identity was checked"), _verify_args),
        "assign": (
            gettext_lazy("settle an ambiguous match: the customer the request concerns"),
            _assign_args,
        ),
        "start": (gettext_lazy("start work on a request that needs no identity check"), None),
        "extend": (
            gettext_lazy("extend the deadline by 1-2 months, with reasons (within the first month)"),
            _extend_args,
        ),
        "refuse": (gettext_lazy("refuse as manifestly unfounded or excessive, with reasons"), _refuse_args),
        "withdraw": (gettext_lazy("the customer withdrew the request"), None),
        "no-data": (
            gettext_lazy(
                "the requester is not a customer: confirm that no data is held (Art. 15(1)), a letter; "
                "an answer, not a refusal"
            ),
            None,
        ),
    }
    for name, (help_text, add) in steps.items():
        q = actions.add_parser(name, help=help_text)
        q.add_argument("reference", help=gettext_lazy("the request's reference (PD-XXXX-XXXX)"))
        if add is not None:
            add(q)
        q.set_defaults(func=cmd_step)

    ans = actions.add_parser(
        "answer", help=gettext_lazy("do what the request asks and produce the letter and files")
    )
    ans.add_argument("reference", help=gettext_lazy("the request's reference (PD-XXXX-XXXX)"))
    ans.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=gettext_lazy(
            "rectification: a corrected value (name, street, postcode, city, country, phone, email)"
        ),
    )
    ans.add_argument(
        "--reason", help=gettext_lazy("restriction: accuracy_disputed, unlawful, legal_claims or objection")
    )
    ans.add_argument("--text", help=gettext_lazy("objection/other: your answer to the customer"))
    ans.add_argument("--note", default="", help=gettext_lazy("a note to the customer in the letter"))
    ans.add_argument(
        "--confirm-erasure", action="store_true", help=gettext_lazy("erasure: confirm that it erases now")
    )
    ans.set_defaults(func=cmd_answer)

    docs = actions.add_parser(
        "documents", help=gettext_lazy("write the request's letters and files to a folder")
    )
    docs.add_argument("reference", help=gettext_lazy("the request's reference (PD-XXXX-XXXX)"))
    docs.add_argument(
        "--out", type=Path, required=True, help=gettext_lazy("folder (created owner-only if missing)")
    )
    docs.set_defaults(func=cmd_documents)

    notice = actions.add_parser(
        "lift-notice", help=gettext_lazy("tell the customer a restriction will be lifted (Art. 18(3))")
    )
    notice.add_argument("reference", help=gettext_lazy("the request's reference (PD-XXXX-XXXX)"))
    notice.add_argument(
        "--on", type=_day, required=True, help=gettext_lazy("YYYY-MM-DD: the day it is lifted")
    )
    notice.add_argument("--reasons", required=True)
    notice.set_defaults(func=cmd_step)
    lift = actions.add_parser("lift", help=gettext_lazy("lift the restriction the customer was told about"))
    lift.add_argument("reference", help=gettext_lazy("the request's reference (PD-XXXX-XXXX)"))
    lift.set_defaults(func=cmd_step)

    purge = actions.add_parser(
        "purge", help=gettext_lazy("remove requesters' details after the retention period")
    )
    purge.add_argument("--dry-run", action="store_true", help=gettext_lazy("count, change nothing"))
    purge.set_defaults(func=cmd_purge)

    for q in actions.choices.values():
        q.add_argument("--user", default=settings.PERSONDATA_USER, help=gettext_lazy("your staff login"))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("write the date as YYYY-MM-DD") from None


def _verify_args(q: argparse.ArgumentParser) -> None:
    q.add_argument("--method", required=True, choices=[m for m, _ in IDENTITY_METHODS if m != "email_link"])
    q.add_argument("--note", default="")


def _assign_args(q: argparse.ArgumentParser) -> None:
    q.add_argument("--customer", required=True, help=gettext_lazy("the customer's id (see 'customers find')"))


def _extend_args(q: argparse.ArgumentParser) -> None:
    q.add_argument("--months", type=int, required=True, choices=(1, 2))
    q.add_argument(
        "--reasons", required=True, help=gettext_lazy("why the extension is necessary (the customer is told)")
    )


def _refuse_args(q: argparse.ArgumentParser) -> None:
    q.add_argument(
        "--ground",
        required=True,
        choices=[g for g, _ in OFFERED_GROUNDS],
        help=gettext_lazy("holding no data is not a refusal: use 'requests no-data REF'"),
    )
    q.add_argument("--reasons", required=True, help=gettext_lazy("the reasons (the customer is told)"))


def _handler(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.HANDLE_REQUESTS)


def _request(reference: str) -> Request:
    try:
        return services.get(reference)
    except NotFound as exc:
        raise CommandError(str(exc)) from None


def cmd_list(args: argparse.Namespace) -> int:
    _handler(args)
    today = legal_date(timezone.now())
    items = services.open_requests(today)
    rows = [
        {
            "reference": o.request.reference,
            "kind": o.request.kind,
            "state": o.request.state,
            "received_on": o.request.received_on.isoformat(),
            "due_on": o.request.due_on.isoformat(),
            "days_left": o.days_left,
            "level": o.level,
        }
        for o in items
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(_("no open requests"))
        return 0
    head = (_("reference"), _("kind"), _("state"), _("received"), _("due"), _("days left"))
    print(f"{head[0]:<13} {head[1]:<26} {head[2]:<26} {head[3]:<10} {head[4]:<10} {head[5]}")
    flags = {"overdue": "  " + _("OVERDUE"), "due_soon": "  " + _("due soon")}
    for r, o in zip(rows, items, strict=True):
        print(
            f"{r['reference']:<13} {_kind(o.request.kind):<26} {_state(o.request.state):<26} "
            f"{r['received_on']:<10} {r['due_on']:<10} {r['days_left']:>4}{flags.get(str(r['level']), '')}"
        )
    return 0


def _kind(code: str) -> str:
    return labels.of(labels.KINDS, code)


def _state(code: str) -> str:
    return labels.of(labels.STATES, code)


def cmd_new(args: argparse.Namespace) -> int:
    actor = staff_actor(args.user, None)
    details = {k: getattr(args, k) for k in intake.REQUESTER_FIELDS if getattr(args, k)}
    try:
        with transaction.atomic():
            req = intake.submit(
                args.kind,
                details,
                channel="staff",
                language=args.language,
                now=timezone.now(),
                by=actor,
                received_on=args.received_on,
            )
    except services.RequestError as exc:  # the option as typed, then the sentence
        raise CommandError(f"--{exc.field.replace('_', '-')}: {exc.message}") from None
    print(
        _("registered %(reference)s: %(kind)s, answer due %(due)s, match: %(match)s")
        % {
            "reference": req.reference,
            "kind": _kind(req.kind),
            "due": req.due_on.isoformat(),
            "match": labels.of(labels.MATCHES, req.match),
        }
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    actor = _handler(args)
    req = _request(args.reference)
    out = {
        "reference": req.reference,
        "id": str(req.id),
        "kind": req.kind,
        "state": req.state,
        "channel": req.channel,
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "extension_months": req.extension_months,
        "customer": str(req.customer_id) if req.customer_id else None,
        "match": req.match,
        "identity": req.identity_method or None,
        "requester": services.show_requester(actor, req, now=timezone.now()),
        "documents": [
            {"id": str(d.id), "kind": d.kind, "format": d.fmt, "created_at": d.created_at.isoformat()}
            for d in req.documents.order_by("created_at").defer("blob")
        ],
        "history": [
            {"at": e.at.isoformat(), "event": e.event, "to": e.to_state, "actor": e.actor}
            for e in req.events.all()
        ],
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def cmd_step(args: argparse.Namespace) -> int:
    actor = _handler(args)
    now = timezone.now()
    documents_made = 0
    try:
        with transaction.atomic():
            req = Request.objects.select_for_update().get(pk=_request(args.reference).pk)
            if args.action == "confirm-email":
                if not services.send_confirmation(req, now=now, actor=actor):
                    raise CommandError(
                        _(
                            "no single customer with an e-mail address on file: check identity another way "
                            "('requests verify --method …')"
                        )
                    )
            elif args.action == "verify":
                services.verify_manually(actor, req, args.method, now=now, note=args.note)
            elif args.action == "assign":
                try:
                    customer = uuid.UUID(args.customer)
                except ValueError:
                    raise CommandError(
                        _("--customer: give the customer's id (see 'customers find')")
                    ) from None
                services.assign_customer(actor, req, customer, now=now)
            elif args.action == "start":
                services.start(actor, req, now=now)
            elif args.action == "extend":
                services.extend(actor, req, args.months, args.reasons, now=now)
                answers.extension_notice(actor, req, now=now)
            elif args.action == "refuse":
                services.refuse(actor, req, args.ground, args.reasons, now=now)
                answers.refusal_letter(actor, req, now=now)
            elif args.action == "lift-notice":
                answers.answer_lift_notice(actor, req, lift_on=args.on, reasons=args.reasons, now=now)
            elif args.action == "lift":
                answers.lift_after_notice(actor, req, now=now)
            elif args.action == "withdraw":
                services.withdraw(actor, req, now=now)
            elif args.action == "no-data":
                documents_made = answers.answer_no_data(actor, req, now=now).outcome["documents"]
    except services.RequestError as exc:
        raise CommandError(exc.message) from None
    except NotFound as exc:
        raise CommandError(str(exc)) from None
    req.refresh_from_db()
    _printed(req)
    if args.action == "no-data":
        print(
            _("%(reference)s: answered: no data held; %(count)s documents (%(command)s)")
            % {
                "reference": req.reference,
                "count": documents_made,
                "command": f"persondata requests documents {req.reference} --out FOLDER",
            }
        )
        return 0
    print(
        _("%(reference)s: %(state)s, answer due %(due)s")
        % {"reference": req.reference, "state": _state(req.state), "due": req.due_on.isoformat()}
    )
    return 0


def _answer_kwargs(args: argparse.Namespace, kind: Kind) -> dict[str, Any]:
    if kind is Kind.ERASURE and not args.confirm_erasure:
        raise CommandError(_("--confirm-erasure: an erasure cannot be undone; confirm it"))
    if kind is Kind.RECTIFICATION:
        changes = {}
        for item in args.set:
            field, sep, value = item.partition("=")
            if not sep:
                raise CommandError(_("--set: write FIELD=VALUE, e.g. email=new@example.dk"))
            changes[field.strip()] = value
        if not changes:
            raise CommandError(_("--set: give at least one corrected value, e.g. --set email=new@example.dk"))
        return {"changes": changes, "note": args.note}
    if kind is Kind.RESTRICTION:
        if not args.reason:
            raise CommandError(_("--reason: say why processing is restricted"))
        return {"reason": args.reason, "note": args.note}
    if kind in (Kind.OBJECTION, Kind.OTHER):
        if not args.text:
            raise CommandError(_("--text: write your answer to the customer"))
        return {"text": args.text}
    return {}


def _printed(req: Request) -> None:
    """A letter is drawn after the commit (``requests.answers.printing``): the command waits for it."""
    outbox.wait_for_outbox()
    if printing.pending(req):
        print(_("the letter is not drawn yet; 'persondata outbox deliver' draws it"))


def cmd_answer(args: argparse.Namespace) -> int:
    actor = _handler(args)
    req = _request(args.reference)
    kind = Kind(req.kind)
    kwargs = _answer_kwargs(args, kind)
    run = {
        Kind.INFORMATION: answers.answer_information,
        Kind.ACCESS: answers.answer_access,
        Kind.PORTABILITY: answers.answer_portability,
        Kind.ERASURE: answers.answer_erasure,
        Kind.RESTRICTION: answers.answer_restriction,
        Kind.OBJECTION: answers.answer_objection,
        Kind.OTHER: answers.answer_other,
    }
    try:
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=req.pk)
            if kind is Kind.RECTIFICATION:
                changes = kwargs.pop("changes")
                result = answers.answer_rectification(actor, locked, changes, now=timezone.now(), **kwargs)
            else:
                result = run[kind](actor, locked, now=timezone.now(), **kwargs)  # type: ignore[operator]
    except services.RequestError as exc:
        raise CommandError(exc.message) from None
    except RectifyError as exc:
        raise CommandError(str(exc)) from None
    _printed(req)
    print(f"{req.reference}: answered; {result.outcome['documents']} documents "
          f"(persondata requests documents {req.reference} --out FOLDER)")  # fmt: skip
    if result.partners:
        print("partners told: " + ", ".join(name for _key, name in result.partners))
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    actor = _handler(args)
    req = _request(args.reference)
    args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = 0
    with transaction.atomic():
        for doc in req.documents.order_by("created_at"):
            try:
                data, _type, name = documents.read_document(actor, doc, now=timezone.now())
            except services.RequestError as exc:
                print(f"{labels.document(doc.kind, doc.fmt, doc.language)}: {exc.message}")
                continue
            target = args.out / name
            if target.exists():
                target = args.out / f"{target.stem}-{doc.id.hex[:8]}{target.suffix}"
            target.write_bytes(data)
            target.chmod(0o600)
            written += 1
            print(target)
    if not written:
        raise CommandError(_("the request has no documents to write"))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    _handler(args)
    if args.dry_run:
        print(
            _("%(count)s closed requests are past the retention period")
            % {"count": services.purge_count(timezone.now())}
        )
        return 0
    n = services.purge_due(timezone.now())
    print(_("removed the requester's details from %(count)s closed requests") % {"count": n})
    return 0
