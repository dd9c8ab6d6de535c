"""``persondata breaches list|show|add|update|print``: the breach register (GDPR Art. 33–34; RULES R16).

For whoever holds ``manage_breaches`` (the data controller by default), named with ``--user LOGIN`` (or
``$PERSONDATA_USER``). Times are ISO 8601; without an offset they are Danish time. See docs/governance.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.core.calendar import COPENHAGEN
from persondata.governance import breaches, notification
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Breach

EXIT_INVALID = 2
_LISTS = ("kinds", "categories")
_COUNTS = ("customers_affected", "records_affected")


def register(sub: Any) -> None:
    s = sub.add_parser(
        "breaches",
        help=gettext_lazy(
            "the breach register: 72-hour clock, notification to Datatilsynet (GDPR Art. 33-34)"
        ),
        description=str(
            gettext_lazy("Breaches of personal data security, notified or not. For the data controller.")
        ),
    )
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
        )
        return p

    p = add("list", gettext_lazy("the breaches with their deadlines and states"))
    p.add_argument("--json", action="store_true", help=gettext_lazy("print them as JSON"))
    p.set_defaults(func=cmd_list)
    p = add("show", gettext_lazy("one breach, as JSON"))
    p.add_argument("breach", type=uuid.UUID)
    p.set_defaults(func=cmd_show)
    p = add("add", gettext_lazy("register a breach (e-mails the controller the deadline)"))
    _field_options(p)
    p.set_defaults(func=cmd_add)
    p = add("update", gettext_lazy("change a breach: only the options given"))
    p.add_argument("breach", type=uuid.UUID)
    _field_options(p)
    p.set_defaults(func=cmd_update)
    p = add(
        "print",
        gettext_lazy(
            "the notification to Datatilsynet (Art. 33(3)), or the letter to the customers, as HTML or PDF"
        ),
    )
    p.add_argument("breach", type=uuid.UUID)
    p.add_argument("--lang", choices=notification.LANGUAGES, default="da")
    p.add_argument("--format", choices=notification.FORMATS, default="pdf")
    p.add_argument(
        "--letter",
        action="store_true",
        help=gettext_lazy("the letter to the customers (Art. 34) instead of the notification"),
    )
    p.add_argument("--output", "-o", required=True, help=gettext_lazy("the file to write"))
    p.set_defaults(func=cmd_print)


def _field_options(p: argparse.ArgumentParser) -> None:
    for name in breaches.FIELDS:
        hint = (
            gettext_lazy("comma-separated")
            if name in _LISTS
            else "ISO 8601"
            if name in breaches.TIMES
            else None
        )
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, help=hint)


def _manager(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.MANAGE_BREACHES, customer_data=False)


def _values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in breaches.FIELDS:
        raw = getattr(args, name)
        if raw is None:
            continue
        try:
            if name in breaches.TIMES:
                at = datetime.fromisoformat(raw) if raw else None
                values[name] = at.replace(tzinfo=COPENHAGEN) if at and at.tzinfo is None else at
            elif name in _LISTS:
                values[name] = [v.strip() for v in raw.split(",") if v.strip()]
            elif name in _COUNTS:
                values[name] = int(raw)
            else:
                values[name] = raw
        except ValueError as exc:
            raise CommandError(
                _("%(option)s: %(value)s is not valid (%(error)s)")
                % {"option": f"--{name.replace('_', '-')}", "value": repr(raw), "error": exc},
                EXIT_INVALID,
            ) from exc
    return values


def _json(breach: Breach) -> dict[str, Any]:
    c = breaches.clock(breach, timezone.now())
    out: dict[str, Any] = {"id": str(breach.id), "reference": breach.reference}
    for name in breaches.FIELDS:
        value = getattr(breach, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return {**out, "deadline": c.deadline.isoformat(), "state": c.state}


def cmd_list(args: argparse.Namespace) -> int:
    rows = breaches.list_breaches(_manager(args))
    if args.json:
        print(json.dumps([_json(b) for b in rows], ensure_ascii=False, indent=2))
        return 0
    for b in rows:
        c = breaches.clock(b, timezone.now())
        discovered = _("discovered %(at)s") % {
            "at": f"{b.discovered_at.astimezone(COPENHAGEN):%Y-%m-%d %H:%M}"
        }
        deadline = _("deadline %(at)s") % {"at": f"{c.deadline:%Y-%m-%d %H:%M}"}
        print(f"{b.reference}  {discovered}  {deadline}  {c.state}  {b.id}")
    return 0


def _change(args: argparse.Namespace, breach_id: uuid.UUID | None) -> Breach:
    actor = _manager(args)
    try:
        with transaction.atomic():
            if breach_id is None:
                return breaches.record_breach(actor, _values(args), now=timezone.now())
            return breaches.update_breach(actor, breach_id, _values(args), now=timezone.now())
    except GovernanceError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    except NotFound as exc:
        raise CommandError(_("no such breach"), EXIT_INVALID) from exc


def cmd_show(args: argparse.Namespace) -> int:
    try:
        breach = breaches.get_breach(_manager(args), args.breach)
    except NotFound as exc:
        raise CommandError(_("no such breach"), EXIT_INVALID) from exc
    print(json.dumps(_json(breach), ensure_ascii=False, indent=2))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    breach = _change(args, None)
    c = breaches.clock(breach, timezone.now())
    print(
        _("%(reference)s registered; notify Datatilsynet by %(deadline)s")
        % {"reference": breach.reference, "deadline": breaches.deadline_words(c.deadline, runtime.language())}
    )
    print(breach.id)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    breach = _change(args, args.breach)
    print(
        _("%(reference)s updated (%(state)s)")
        % {"reference": breach.reference, "state": breaches.clock(breach, timezone.now()).state}
    )
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    try:
        breach = breaches.get_breach(_manager(args), args.breach)
    except NotFound as exc:
        raise CommandError(_("no such breach"), EXIT_INVALID) from exc
    document = "letter" if args.letter else "notification"
    Path(args.output).write_bytes(
        notification.render(breach, args.lang, args.format, timezone.now(), document)
    )
    print(_("wrote %(file)s") % {"file": args.output}, file=sys.stderr)
    return 0
