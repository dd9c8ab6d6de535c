"""``persondata policy versions|show-version|in-force|adopt``: the policy's versions and their adoption (policy
[14]). Reading is open to every staff login (the texts are public); adopting needs ``adopt_policy``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import refusals, staff_user
from persondata.governance import policy_versions as versions
from persondata.governance.errors import GovernanceError

EXIT_INVALID = 2


def register(actions: Any) -> None:
    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
        )
        return p

    p = add("versions", gettext_lazy("the policy's versions, the days each was in force and its adoption"))
    p.set_defaults(func=cmd_versions)
    p = add("show-version", gettext_lazy("the text of one version, or its changes from the version before"))
    p.add_argument("number", type=int)
    p.add_argument(
        "--diff", action="store_true", help=gettext_lazy("print what changed instead of the whole text")
    )
    p.set_defaults(func=cmd_show)
    p = add("in-force", gettext_lazy("which version was in force on a day"))
    p.add_argument(
        "--on", type=date.fromisoformat, required=True, help=gettext_lazy("the day, e.g. 2025-03-01")
    )
    p.set_defaults(func=cmd_in_force)
    p = add("adopt", gettext_lazy("record that a version was adopted (signed): date, by whom, role"))
    p.add_argument("number", type=int)
    p.add_argument(
        "--on",
        dest="adopted_on",
        type=date.fromisoformat,
        required=True,
        help=gettext_lazy("e.g. 2025-03-01"),
    )
    p.add_argument(
        "--by", dest="adopted_by", required=True, help=gettext_lazy("who signed, e.g. the director's name")
    )
    p.add_argument("--role", required=True, help=gettext_lazy("e.g. Direktør"))
    p.set_defaults(func=cmd_adopt)


def _staff(args: argparse.Namespace) -> Actor:
    user = staff_user(args.user)
    with refusals(user.pk):
        return Actor.staff(user, "cli")


def cmd_versions(args: argparse.Namespace) -> int:
    _staff(args)
    for p in versions.periods():
        until = p.until.isoformat() if p.until else "now"
        adopted = (
            f"adopted {p.adoption.adopted_on.isoformat()} ({p.adoption.role})"
            if p.adoption
            else "NOT ADOPTED"
        )
        print(f"{p.version.number:>3}  {p.since.isoformat()} – {until:<10}  {p.version.label:<12}  {adopted}")
    return 0


def _version(number: int) -> Any:
    try:
        return versions.get_version(number)
    except NotFound as exc:
        raise CommandError(_("no policy version %(number)s") % {"number": number}, EXIT_INVALID) from exc


def cmd_show(args: argparse.Namespace) -> int:
    _staff(args)
    version = _version(args.number)
    print(version.diff if args.diff else version.content)
    return 0


def cmd_in_force(args: argparse.Namespace) -> int:
    _staff(args)
    version = versions.in_force_on(args.on)
    if version is None:
        raise CommandError(
            _("no version was recorded by %(day)s") % {"day": args.on.isoformat()}, EXIT_INVALID
        )
    print(f"{version.number}  {version.label}")
    return 0


def cmd_adopt(args: argparse.Namespace) -> int:
    actor = _staff(args)
    try:
        with refusals(actor.user_id), transaction.atomic():
            adoption = versions.adopt(
                actor,
                args.number,
                adopted_on=args.adopted_on,
                adopted_by=args.adopted_by,
                role=args.role,
                now=timezone.now(),
            )
    except GovernanceError as exc:
        raise CommandError(exc.message, EXIT_INVALID) from exc
    except NotFound as exc:
        raise CommandError(_("no policy version %(number)s") % {"number": args.number}, EXIT_INVALID) from exc
    print(
        _("version %(number)s adopted on %(day)s")
        % {"number": args.number, "day": adoption.adopted_on.isoformat()},
        file=sys.stderr,
    )
    return 0
