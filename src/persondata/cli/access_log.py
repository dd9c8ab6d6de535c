"""``persondata access-log history|search``: the access log for customers' access requests (RULES R9)."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import access_log
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.cli import gettext_lazy
from persondata.cli.login import refusals, staff_user


def register(sub: Any) -> None:
    p = sub.add_parser("access-log", help=gettext_lazy("who read a customer's data, when and why"))
    actions = p.add_subparsers(dest="action", required=True)
    h = actions.add_parser(
        "history", help=gettext_lazy("one customer's access history (for an access answer)")
    )
    h.add_argument("customer", type=uuid.UUID, help=gettext_lazy("the customer's id (see 'customers find')"))
    h.add_argument(
        "--with-staff",
        action="store_true",
        help=gettext_lazy("include staff login names (controller's choice)"),
    )
    h.add_argument("--format", choices=("csv", "json"), default="csv")
    h.add_argument("--out", type=Path, help=gettext_lazy("write to this file (default: standard output)"))
    s = actions.add_parser("search", help=gettext_lazy("search the access log"))
    s.add_argument("--staff", help=gettext_lazy("a staff login"))
    s.add_argument("--purpose")
    s.add_argument("--since", type=_day, help=gettext_lazy("YYYY-MM-DD"))
    s.add_argument("--until", type=_day, help=gettext_lazy("YYYY-MM-DD (exclusive)"))
    s.add_argument("--customer", type=uuid.UUID)
    s.add_argument("--format", choices=("csv", "json"), default="csv")
    for q in (h, s):
        q.add_argument("--user", default=settings.PERSONDATA_USER, help=gettext_lazy("your staff login"))
        q.set_defaults(func=cmd_access_log)


def _day(text: str) -> datetime:
    try:
        return timezone.make_aware(datetime.combine(date.fromisoformat(text), time.min))
    except ValueError:
        raise argparse.ArgumentTypeError("write the date as YYYY-MM-DD") from None


def cmd_access_log(args: argparse.Namespace) -> int:
    user = staff_user(args.user)
    now = timezone.now()
    with refusals(user.pk):
        actor = Actor.for_user(user, access_log.READ_PURPOSE, "cli")
        with transaction.atomic():
            if args.action == "history":
                events = access_log.customer_access_history(
                    actor, args.customer, include_staff=args.with_staff
                )
                audit.record(
                    "access_log.export",
                    actor=f"cli:{user.pk}",
                    target=str(args.customer),
                    details={
                        "format": args.format,
                        "staff_identities": args.with_staff,
                        "entries": len(events),
                    },
                    now=now,
                )
            else:
                staff_id = staff_user(args.staff).pk if args.staff else None
                events = access_log.search_access_log(
                    actor, customer_id=args.customer, staff_id=staff_id, purpose=args.purpose,
                    since=args.since, until=args.until,
                )  # fmt: skip
    data = access_log.export(events, args.format)
    if getattr(args, "out", None):
        args.out.write_bytes(data)
        print(
            _("%(count)s entries written to %(file)s") % {"count": len(events), "file": args.out},
            file=sys.stderr,
        )
    else:
        sys.stdout.buffer.write(data)
    return 0
