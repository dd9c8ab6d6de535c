"""``persondata partners agreements|agreement-set|agreement-remove``: the partners' processor agreements (Art. 28).

For whoever manages the partners (``manage_partners``: the data controller), naming the staff login with
``--user LOGIN`` (or ``$PERSONDATA_USER``). See docs/partners.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.core.agreements import CLAUSES, SubProcessor
from persondata.core.calendar import legal_date
from persondata.partners import agreements
from persondata.partners.errors import PartnerError

EXIT_INVALID = 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("write the date as YYYY-MM-DD") from None


def add_commands(add: Any) -> None:
    """Add the agreement commands to ``persondata partners`` (``add(name, help)`` makes a sub-command)."""
    p = add("agreements", gettext_lazy("each partner's processor agreement and what it still lacks"))
    p.add_argument("--json", action="store_true", help=gettext_lazy("print them as JSON"))
    p.set_defaults(func=cmd_list)
    p = add("agreement-set", gettext_lazy("record (or replace) a partner's processor agreement"))
    p.add_argument("partner", help=gettext_lazy("the partner's key in the policy file"))
    p.add_argument(
        "--signed", type=_date, required=True, help=gettext_lazy("the date it was signed (YYYY-MM-DD)")
    )
    p.add_argument(
        "--version", dest="agreement_version", required=True, help=gettext_lazy("the agreement's version")
    )
    p.add_argument("--review", type=_date, required=True, help=gettext_lazy("the next review (YYYY-MM-DD)"))
    p.add_argument(
        "--country", required=True, help=gettext_lazy("where the partner processes the data (e.g. DK)")
    )
    p.add_argument(
        "--clauses",
        default="",
        help=gettext_lazy("the Art. 28(3) letters it contains, e.g. %(letters)s")
        % {"letters": "".join(CLAUSES)},
    )
    p.add_argument(
        "--safeguard", choices=("adequacy", "scc", "bcr"), help=gettext_lazy("outside the EU/EEA: the basis")
    )
    p.add_argument(
        "--safeguard-date", type=_date, help=gettext_lazy("the date of the clauses or rules (YYYY-MM-DD)")
    )
    p.add_argument(
        "--sub-processor",
        action="append",
        default=[],
        metavar="NAME;CC",
        help=gettext_lazy("a sub-processor (repeat)"),
    )
    p.add_argument(
        "--document",
        type=Path,
        help=gettext_lazy("the signed agreement (PDF); default: keep the attached one"),
    )
    p.set_defaults(func=cmd_set)
    p = add(
        "agreement-remove",
        gettext_lazy("remove a partner's agreement record (the partner then receives nothing)"),
    )
    p.add_argument("partner", help=gettext_lazy("the partner's key in the policy file"))
    p.set_defaults(func=cmd_remove)


def _manager(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.MANAGE_PARTNERS)


def cmd_list(args: argparse.Namespace) -> int:
    _manager(args)
    rows: list[dict[str, Any]] = []
    for row in agreements.overview(legal_date(timezone.now())):
        a = row.agreement
        rows.append(
            {
                "partner": row.partner.key,
                "signed_on": a.signed_on.isoformat() if a else None,
                "version": a.version if a else None,
                "next_review": a.next_review.isoformat() if a else None,
                "country": a.country if a else None,
                "safeguard": (a.safeguard or None) if a else None,
                "clauses": list(a.clauses) if a else [],
                "sub_processors": list(a.sub_processors) if a else [],
                "document": bool(a and a.document_size),
                "complete": row.complete,
                "problems": [p.code for p in row.problems],
                "why": [p.message.en for p in row.problems],
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        state = (
            _("complete") if r["complete"] else _("NO DATA IS SENT: %(why)s") % {"why": "; ".join(r["why"])}
        )
        signed = _("signed %(day)s") % {"day": r["signed_on"] or "-"}
        print(f"{r['partner']:<20} {signed} v{r['version'] or '-'} {state}")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    actor = _manager(args)
    try:
        subs = tuple(s for line in args.sub_processor for s in agreements.parse_sub_processors(line))
        document = args.document.read_bytes() if args.document else None
    except PartnerError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    except OSError as exc:
        raise CommandError(
            _("document: cannot read the file (%(error)s)") % {"error": exc.strerror}, EXIT_INVALID
        ) from exc
    data = agreements.AgreementInput(
        signed_on=args.signed,
        version=args.agreement_version,
        next_review=args.review,
        country=args.country,
        clauses=frozenset(args.clauses.replace(",", "").replace(" ", "")),
        sub_processors=tuple(SubProcessor(s.name, s.country) for s in subs),
        safeguard=args.safeguard or "",
        safeguard_date=args.safeguard_date,
        document=document,
    )
    try:
        with transaction.atomic():
            agreements.save_agreement(actor, args.partner, data, now=timezone.now())
    except PartnerError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    reason = agreements.hold_reason(args.partner, legal_date(timezone.now()))
    print(
        _("agreement for %(partner)s recorded; %(state)s")
        % {
            "partner": args.partner,
            "state": _("incomplete (%(reason)s)") % {"reason": reason} if reason else _("complete"),
        }
    )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    actor = _manager(args)
    with transaction.atomic():
        removed = agreements.delete_agreement(actor, args.partner, now=timezone.now())
    if not removed:
        raise CommandError(_("partner %(key)s has no agreement on record") % {"key": repr(args.partner)}, 1)
    print(
        _("agreement for %(partner)s removed; the partner receives no data") % {"partner": args.partner},
        file=sys.stderr,
    )
    return 0
