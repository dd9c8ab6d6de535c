"""``persondata partners disclosures|disclose``: the records of transfers of customer data to the partners.

For whoever manages the partners (``manage_partners``), with ``--user LOGIN``. Customers are named by their
pseudonymous id (the id in the staff app's address of the customer page), never by name or e-mail.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.partners import disclosures
from persondata.partners.errors import PartnerError

EXIT_INVALID = 2


def _when(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "write the time as YYYY-MM-DDTHH:MM (Danish time) or ISO 8601"
        ) from None
    return when if when.tzinfo else timezone.make_aware(when)


def add_commands(add: Any) -> None:
    p = add("disclosures", gettext_lazy("the recorded transfers of customer data to the partners"))
    p.add_argument("--partner", help=gettext_lazy("only this partner's"))
    p.add_argument("--json", action="store_true", help=gettext_lazy("print them as JSON"))
    p.set_defaults(func=cmd_list)
    p = add(
        "disclose",
        gettext_lazy("record a transfer of customer data to a partner (made by hand, or an export)"),
    )
    p.add_argument("partner", help=gettext_lazy("the partner's key in the policy file"))
    p.add_argument(
        "--categories", required=True, help=gettext_lazy("the categories passed on, comma-separated")
    )
    p.add_argument("--purpose", required=True, help=gettext_lazy("the purpose of the policy file it served"))
    p.add_argument(
        "--customer",
        type=uuid.UUID,
        action="append",
        default=[],
        help=gettext_lazy("a customer's id (repeat)"),
    )
    p.add_argument(
        "--standing",
        action="store_true",
        help=gettext_lazy("every customer's data, continuously (from --when)"),
    )
    p.add_argument("--export", action="store_true", help=gettext_lazy("a file exported for the partner"))
    p.add_argument("--when", type=_when, help=gettext_lazy("when it happened (default: now)"))
    p.set_defaults(func=cmd_disclose)


def _manager(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.MANAGE_PARTNERS)


def cmd_list(args: argparse.Namespace) -> int:
    actor = _manager(args)
    rows = [
        {
            "id": str(d.id),
            "partner": d.partner_key,
            "occurred_at": d.occurred_at.isoformat(),
            "channel": d.channel,
            "purpose": d.purpose,
            "categories": d.categories,
            "customers": "all" if d.standing else d.customer_count,
        }
        for d in disclosures.listing(actor, args.partner)[:1000]
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(
            f"{r['occurred_at'][:16]}  {r['partner']:<18} {r['channel']:<8} {r['purpose']:<16} "
            f"{','.join(r['categories'])}  " + _("customers: %(count)s") % {"count": r["customers"]}
        )
    print(_("%(count)s disclosures") % {"count": len(rows)}, file=sys.stderr)
    return 0


def cmd_disclose(args: argparse.Namespace) -> int:
    actor = _manager(args)
    now = timezone.now()
    try:
        with transaction.atomic():
            disclosure = disclosures.record_by_hand(
                actor,
                args.partner,
                categories=[c.strip() for c in args.categories.split(",") if c.strip()],
                purpose=args.purpose,
                customer_ids=args.customer,
                standing=args.standing,
                export=args.export,
                occurred_at=args.when or now,
                now=now,
            )
    except PartnerError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    print(
        _("disclosure %(id)s to %(partner)s recorded")
        % {"id": disclosure.id, "partner": disclosure.partner_key}
    )
    return 0
