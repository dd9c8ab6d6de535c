"""``persondata systems list|assess|record|heat-map``: the IT systems and their risk assessments (policy [12]).

For whoever keeps them (``manage_systems``: the data controller), with ``--user LOGIN``. ``list`` refreshes
persondata's own record first. See docs/systems.md.
"""

from __future__ import annotations

import argparse
import json
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
from persondata.core.risk import EVENTS, heat_map_svg
from persondata.systems import record, services

EXIT_INVALID = 2


def register(sub: Any) -> None:
    s = sub.add_parser("systems", help=gettext_lazy("the IT systems inventory and the risk assessments"))
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
        )
        return p

    p = add("list", gettext_lazy("the systems, their measures and what is due for assessment (JSON)"))
    p.set_defaults(func=cmd_list)
    p = add("assess", gettext_lazy("rate one feared event of a system (1–4 each: severity, likelihood)"))
    p.add_argument("system", help=gettext_lazy("the system's short name (persondata for this one)"))
    p.add_argument("event", choices=list(EVENTS))
    for name in ("severity", "likelihood", "residual-severity", "residual-likelihood"):
        p.add_argument(f"--{name}", type=int, required=True, choices=range(1, 5))
    p.add_argument("--measures", default="", help=gettext_lazy("the measures that reduce it"))
    p.set_defaults(func=cmd_assess)
    p = add("record", gettext_lazy("the record of processing activities (GDPR Art. 30(1))"))
    p.add_argument("--format", choices=record.FORMATS, default="pdf")
    p.add_argument("--lang", choices=("da", "en"), default="da")
    p.add_argument("--out", type=Path, required=True, help=gettext_lazy("write it to this file"))
    p.set_defaults(func=cmd_record)
    p = add("heat-map", gettext_lazy("print the heat map of the residual risks as SVG"))
    p.set_defaults(func=cmd_heat_map)


def _keeper(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.MANAGE_SYSTEMS, customer_data=False)


def _rows(actor: Actor) -> list[services.SystemRow]:
    now = timezone.now()
    with transaction.atomic():
        services.refresh_own(now)
    return services.overview(actor, now)


def cmd_list(args: argparse.Namespace) -> int:
    actor = _keeper(args)
    out = [
        {
            "key": r.system.key,
            "name": r.system.name,
            "kind": r.system.kind,
            "version": r.system.version,
            "location": r.system.location,
            "categories": r.system.categories,
            "measures": r.system.measures,
            "assessments": {
                a.event: {
                    "before": [a.severity, a.likelihood],
                    "residual": [a.residual_severity, a.residual_likelihood],
                    "assessed_at": a.assessed_at.isoformat(),
                }
                for a in r.assessments
            },
            "due": r.due,
        }
        for r in _rows(actor)
    ]
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    actor = _keeper(args)
    now = timezone.now()
    try:
        with transaction.atomic():
            services.refresh_own(now)
            services.assess(
                actor,
                args.system,
                args.event,
                severity=args.severity,
                likelihood=args.likelihood,
                residual_severity=args.residual_severity,
                residual_likelihood=args.residual_likelihood,
                measures=args.measures,
                now=now,
            )
    except NotFound as exc:
        raise CommandError(_("no system %(key)s") % {"key": repr(args.system)}, 1) from exc
    except services.SystemInputError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    print(_("%(system)s: %(event)s assessed") % {"system": args.system, "event": args.event})
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    _keeper(args)
    now = timezone.now()
    with transaction.atomic():
        services.refresh_own(now)
    args.out.write_bytes(record.render_record(args.format, args.lang, now))
    print(_("record of processing written to %(file)s") % {"file": args.out})
    return 0


def cmd_heat_map(args: argparse.Namespace) -> int:
    actor = _keeper(args)
    print(
        heat_map_svg(
            services.heat_map(_rows(actor)), runtime.language(), _("Residual risks of the IT systems")
        )
    )
    return 0
