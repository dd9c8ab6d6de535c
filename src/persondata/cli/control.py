"""``persondata control list|start|show|answer|attach|attachment|sign|report|assign|done``: the half-yearly control
(policy [13], R17).

For whoever holds ``run_control`` (the data controller by default), named with ``--user LOGIN``. See
docs/governance.md."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.core.calendar import legal_date
from persondata.governance import attachments, control_report
from persondata.governance import control as controls
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Control

EXIT_INVALID = 2


def register(sub: Any) -> None:
    s = sub.add_parser(
        "control",
        help=gettext_lazy("the half-yearly control: evidence, answers, sign-off, report (policy section 13)"),
        description=str(
            gettext_lazy("The half-yearly control of the privacy policy. For the data controller.")
        ),
    )
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help_text: str, with_id: bool = True) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
        )
        if with_id:
            p.add_argument(
                "control", type=uuid.UUID, help=gettext_lazy("the control's id (from 'control list')")
            )
        return p

    add(
        "list", gettext_lazy("when the next control is due, the controls and the open follow-up tasks"), False
    ).set_defaults(func=cmd_list)
    add(
        "start", gettext_lazy("start a control: the evidence of the period is collected"), False
    ).set_defaults(func=cmd_start)
    add("show", gettext_lazy("a control's evidence and answers, as JSON")).set_defaults(func=cmd_show)
    p = add("answer", gettext_lazy("answer a manual item (a security measure of the policy file)"))
    p.add_argument("item", help=gettext_lazy("the measure's key, e.g. antivirus"))
    p.add_argument("answer", choices=("yes", "no"))
    p.add_argument(
        "--note", default="", help=gettext_lazy("required for 'no': what is missing and what will be done")
    )
    p.set_defaults(func=cmd_answer)
    p = add(
        "attach", gettext_lazy("attach a file (PDF, PNG or JPEG) to a manual item; replaces the one before")
    )
    p.add_argument("item", help=gettext_lazy("the measure's key, e.g. antivirus"))
    p.add_argument("file", type=Path, help=gettext_lazy("the file to attach"))
    p.set_defaults(func=cmd_attach)
    p = add("attachment", gettext_lazy("save the file attached to a manual item"))
    p.add_argument("item", help=gettext_lazy("the measure's key, e.g. antivirus"))
    p.add_argument("--output", "-o", required=True)
    p.set_defaults(func=cmd_attachment)
    p = add(
        "sign", gettext_lazy("sign the control off: schedules the next, turns findings into follow-up tasks")
    )
    p.add_argument("--name", required=True, help=gettext_lazy("the name of the person signing"))
    p.add_argument(
        "--task",
        action="append",
        default=[],
        metavar="ITEM=LOGIN:YYYY-MM-DD",
        help=gettext_lazy(
            "the owner and due date of a finding's follow-up task (repeat; default: you, in a month)"
        ),
    )
    p.set_defaults(func=cmd_sign)
    p = add("report", gettext_lazy("the report as HTML or PDF"))
    p.add_argument("--lang", choices=control_report.LANGUAGES, default="da")
    p.add_argument("--format", choices=control_report.FORMATS, default="pdf")
    p.add_argument("--output", "-o", required=True)
    p.set_defaults(func=cmd_report)
    p = add("assign", gettext_lazy("give a follow-up task its owner and due date"), False)
    p.add_argument("follow_up", type=uuid.UUID)
    p.add_argument("--owner", required=True, help=gettext_lazy("a staff login"))
    p.add_argument("--due", required=True, help=gettext_lazy("the due date, YYYY-MM-DD"))
    p.set_defaults(func=cmd_assign)
    p = add("done", gettext_lazy("mark a follow-up task done"), False)
    p.add_argument("follow_up", type=uuid.UUID)
    p.set_defaults(func=cmd_done)


def _controller(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.RUN_CONTROL, customer_data=False)


def _run(args: argparse.Namespace, step: Any) -> Any:
    actor = _controller(args)
    try:
        with transaction.atomic():
            return step(actor)
    except GovernanceError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    except NotFound as exc:
        raise CommandError(str(exc), EXIT_INVALID) from exc


def cmd_list(args: argparse.Namespace) -> int:
    _controller(args)
    plan = controls.schedule(legal_date(timezone.now()))
    due = plan.due_on.isoformat() if plan.due_on else _("never carried out")
    print(_("next control due: %(day)s") % {"day": due} + ("  " + _("OVERDUE") if plan.overdue else ""))
    for c in Control.objects.all()[:20]:
        signed = (
            _("signed %(day)s by %(name)s") % {"day": f"{c.signed_at:%Y-%m-%d}", "name": c.signer_name}
            if c.signed_at
            else _("open")
        )
        print(f"{c.period_start.isoformat()} – {c.period_end.isoformat()}  {signed}  {c.id}")
    for f in controls.open_follow_ups():
        owner = _("owner %(login)s") % {"login": f.owner.get_username()}
        due = _("due %(day)s") % {"day": f.due_on.isoformat()}
        label = control_report.item_label(f.item, get_language())
        print(_("follow-up") + f" {label:<30} {owner}  {due}  {f.id}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    control = _run(args, lambda a: controls.start_control(a, now=timezone.now()))
    findings = controls.findings(control)
    print(
        _("control %(id)s started; %(count)s findings so far: %(findings)s")
        % {
            "id": control.id,
            "count": len(findings),
            "findings": "; ".join(control_report.item_label(f, get_language()) for f in findings) or "-",
        }
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    control = _run(args, lambda a: controls.get_control(a, args.control))
    out = {
        "id": str(control.id),
        "period": [control.period_start.isoformat(), control.period_end.isoformat()],
        "evidence": control.evidence,
        "answers": control.answers,
        "signed_at": control.signed_at.isoformat() if control.signed_at else None,
        "next_due": control.next_due.isoformat() if control.next_due else None,
        "attachments": {
            a.item: {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in attachments.listing(control).values()
        },
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    ok = args.answer == "yes"
    _run(args, lambda a: controls.answer(a, args.control, args.item, ok, args.note, now=timezone.now()))
    print(f"{args.item}: {args.answer}", file=sys.stderr)
    return 0


def _read_file(path: Path) -> bytes:
    try:
        attachments.check_size(path.stat().st_size)  # the limit, before the file is read
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(
            _("file: cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}, EXIT_INVALID
        ) from exc
    except GovernanceError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc


def cmd_attach(args: argparse.Namespace) -> int:
    found = _run(  # the file is read once the duty is checked
        args,
        lambda a: attachments.attach(
            a, args.control, args.item, args.file.name, _read_file(args.file), now=timezone.now()
        ),
    )
    print(
        _("%(item)s: attached %(file)s (%(size)s bytes, %(type)s)")
        % {"item": args.item, "file": found.filename, "size": found.size, "type": found.content_type},
        file=sys.stderr,
    )
    return 0


def cmd_attachment(args: argparse.Namespace) -> int:
    found, content = _run(args, lambda a: attachments.read(a, args.control, args.item))
    Path(args.output).write_bytes(content)
    print(_("wrote %(file)s (%(name)s)") % {"file": args.output, "name": found.filename}, file=sys.stderr)
    return 0


def _due(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("%(option)s: write the date as YYYY-MM-DD, not %(text)s")
            % {"option": option, "text": repr(text)},
            EXIT_INVALID,
        ) from None


def _tasks(values: list[str]) -> dict[str, controls.Assignment]:
    chosen = {}
    for value in values:
        item, _sep, rest = value.partition("=")
        owner, _sep, due = rest.partition(":")
        if not item or not owner or not due:
            raise CommandError(
                _("--task: write ITEM=LOGIN:YYYY-MM-DD, not %(text)s") % {"text": repr(value)}, EXIT_INVALID
            )
        chosen[item.strip()] = controls.Assignment(owner.strip(), _due(due, "--task"))
    return chosen


def cmd_sign(args: argparse.Namespace) -> int:
    control = _run(
        args,
        lambda a: controls.sign_off(
            a, args.control, args.name, now=timezone.now(), assignments=_tasks(args.task)
        ),
    )
    assert control.next_due is not None
    print(
        _("signed off; next control due %(day)s; %(count)s follow-ups")
        % {"day": control.next_due.isoformat(), "count": control.follow_ups.count()}
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    control = _run(args, lambda a: controls.get_control(a, args.control))
    Path(args.output).write_bytes(control_report.render(control, args.lang, args.format, timezone.now()))
    print(_("wrote %(file)s") % {"file": args.output}, file=sys.stderr)
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    task = _run(  # the date is read once the duty is checked
        args,
        lambda a: controls.assign_follow_up(
            a, args.follow_up, controls.Assignment(args.owner, _due(args.due, "--due")), now=timezone.now()
        ),
    )
    print(
        _("follow-up %(item)s: owner %(login)s, due %(day)s")
        % {"item": task.item, "login": args.owner.strip(), "day": task.due_on.isoformat()},
        file=sys.stderr,
    )
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    _run(args, lambda a: controls.complete_follow_up(a, args.follow_up, now=timezone.now()))
    return 0
