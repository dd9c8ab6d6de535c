"""``persondata outbox list|show|deliver``: the mail and webhooks on their way out (``persondata.jobs.outbox``).

Without SMTP (``PERSONDATA_SMTP_URL`` unset) mail is held here, sealed: the controller lists it and reads one
message — the demo's confirmation links — with ``show``. Every ``show`` is audited (``outbox.read``: the message's
id and kind, never its content). For the data controller (whoever handles customers' requests), ``--user LOGIN``.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.jobs import outbox
from persondata.jobs.models import Outbox


def register(sub: Any) -> None:
    s = sub.add_parser(
        "outbox",
        help=gettext_lazy(
            "the e-mails and webhooks on their way out (held here, sealed, when no SMTP server is set)"
        ),
        description=str(
            gettext_lazy("The outbox: what persondata is about to send. For the data controller.")
        ),
    )
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER): the data controller"),
        )
        return p

    p = add("list", gettext_lazy("the messages waiting: id, kind, state, tries — never their content"))
    p.add_argument("--json", action="store_true", help=gettext_lazy("as JSON"))
    p.set_defaults(func=cmd_list)
    p = add(
        "show", gettext_lazy("read one message (an e-mail's address, subject and text); the read is audited")
    )
    p.add_argument("id", type=uuid.UUID, help=gettext_lazy("the message's id (see 'outbox list')"))
    p.set_defaults(func=cmd_show)
    p = add("deliver", gettext_lazy("send what is due now (the job runner does this every minute)"))
    p.set_defaults(func=cmd_deliver)


def _controller(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.HANDLE_REQUESTS)


def cmd_list(args: argparse.Namespace) -> int:
    _controller(args)
    rows: list[dict[str, Any]] = [
        {
            "id": str(r.id),
            "kind": r.kind,
            "state": r.state,
            "attempts": r.attempts,
            "created_at": r.created_at.isoformat(),
            "next_attempt_at": r.next_attempt_at.isoformat(),
            "last_error": r.last_error,
        }
        for r in Outbox.objects.order_by("created_at")
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        error = " " + _("last %(error)s") % {"error": r["last_error"]} if r["last_error"] else ""
        tries = _("tries %(count)s") % {"count": r["attempts"]}
        print(f"{r['id']}  {r['kind']:<8} {r['state']:<8} {r['created_at'][:19]}  {tries}{error}")
    held = sum(1 for r in rows if r["state"] == outbox.HELD)
    note = (
        " " + _("(%(count)s held: no SMTP server is set, PERSONDATA_SMTP_URL)") % {"count": held}
        if held
        else ""
    )
    print(_("%(count)s messages waiting") % {"count": len(rows)} + note, file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    actor = _controller(args)
    with transaction.atomic():
        if not Outbox.objects.filter(pk=args.id).exists():
            raise CommandError(_("no such message (delivered, or its customer erased)"), 1)
        message = outbox.read(args.id)
        audit.record(
            "outbox.read",
            actor=f"cli:{actor.user_id}",
            target=str(message.id),
            details={"kind": message.kind},
            now=timezone.now(),
        )
    data = message.payload
    if message.kind == "mail":
        print(f"To: {data['to']}\nSubject: {data['subject']}\n\n{data['body']}")
    else:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    _controller(args)
    print(json.dumps(outbox.deliver_due(timezone.now()), sort_keys=True))
    return 0
