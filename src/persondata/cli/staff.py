"""``persondata staff list|add|roles|deactivate|password|declarations``: staff logins, roles and declarations.

Every command acts as a staff login (``--as LOGIN``, default ``$PERSONDATA_USER``) that holds the controller
role, and every change is written to the audit log under that login's user id. See
docs/staff-and-declarations.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access import gate
from persondata.access import staff as services
from persondata.access.staff import Invalid, NotAllowed
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import no_login, refusals

EXIT_REFUSED = 1
EXIT_INVALID = 2


def register(sub: Any) -> None:
    s = sub.add_parser(
        "staff",
        help=gettext_lazy("staff logins, their roles and declarations"),
        description=str(
            gettext_lazy(
                "Manage staff logins and their roles (from the policy file), and see who has accepted the "
                "current confidentiality declaration and guidance. Acts as a login with the controller role."
            )
        ),
    )
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    as_help = gettext_lazy(
        "act as this staff login, which must hold the controller role (default: $PERSONDATA_USER)"
    )
    role_help = gettext_lazy("a role of the policy file (repeat for several)")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--as", dest="as_user", metavar="LOGIN", default=settings.PERSONDATA_USER, help=as_help
        )
        return p

    p = add(
        "list",
        gettext_lazy("list the active logins with their roles and whether their declarations are complete"),
    )
    p.add_argument("--all", action="store_true", help=gettext_lazy("list deactivated logins too"))
    p.set_defaults(func=cmd_list)

    p = add("add", gettext_lazy("create a login and print its first password once"))
    p.add_argument("login")
    p.add_argument("--role", action="append", required=True, metavar="ROLE", help=role_help)
    p.set_defaults(func=cmd_add)

    p = add("roles", gettext_lazy("replace a login's roles"))
    p.add_argument("login")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--role", action="append", metavar="ROLE", help=role_help)
    group.add_argument(
        "--no-roles",
        action="store_true",
        help=gettext_lazy("withdraw every role: the login sees no customer data"),
    )
    p.set_defaults(func=cmd_roles)

    p = add(
        "deactivate", gettext_lazy("end a login: it can no longer log in and its API tokens stop working")
    )
    p.add_argument("login")
    p.set_defaults(func=cmd_deactivate)

    p = add("password", gettext_lazy("give a login a new random password and print it once"))
    p.add_argument("login")
    p.set_defaults(func=cmd_password)

    p = add("unlock", gettext_lazy("lift a login's lockout after failed logins"))
    p.add_argument("login")
    p.set_defaults(func=cmd_unlock)

    p = add(
        "otp-reset",
        gettext_lazy("remove a login's second factor (lost phone); they enrol again under Security"),
    )
    p.add_argument("login")
    p.set_defaults(func=cmd_otp_reset)

    p = add(
        "declarations",
        gettext_lazy("who has accepted the current confidentiality declaration and guidance, and when"),
    )
    p.set_defaults(func=cmd_declarations)

    p = add(
        "accept",
        gettext_lazy(
            "read the current confidentiality declaration and guidance you have not yet accepted, and accept them "
            "(for yourself: --as is your own login)"
        ),
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help=gettext_lazy(
            "accept without the question (you confirm that you have read the texts the command prints)"
        ),
    )
    p.add_argument(
        "--language",
        choices=("da", "en"),
        help=gettext_lazy(
            "the language to print the texts in (default: the language of the command's messages)"
        ),
    )
    p.set_defaults(func=cmd_accept)


def _say(text: str = "", *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def _acting(args: argparse.Namespace) -> Any:
    if not args.as_user:
        raise CommandError(_("say who you are with --as LOGIN (or set PERSONDATA_USER)"))
    user = services.active_staff(args.as_user)
    if user is None:
        raise CommandError(no_login(args.as_user), EXIT_REFUSED)
    with refusals(user.pk):
        services.require_manager(user, "cli")
    return user


def _member(login: str) -> Any:
    user = services.active_staff(login)
    if user is None:
        raise CommandError(no_login(login), EXIT_REFUSED)
    return user


def _run(change: Any) -> Any:
    try:
        with transaction.atomic():
            return change()
    except NotAllowed as exc:
        raise CommandError(exc.reason, EXIT_REFUSED) from None
    except Invalid as exc:
        raise CommandError(str(exc), EXIT_INVALID) from None


def _date(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def cmd_list(args: argparse.Namespace) -> int:
    _acting(args)
    rows = services.compliance_overview()
    width = max([len(r.username) for r in rows] + [5])
    for row in rows:
        roles = ",".join(row.roles) or _("(no roles)")
        state = (
            _("declarations complete")
            if row.complete
            else _("missing: %(texts)s") % {"texts": ", ".join(_text_kind(t.kind) for t in row.missing)}
        )
        _say(f"{row.username:<{width}}  {roles:<40}  {state}")
    if args.all:
        for user in services.deactivated_staff():
            _say(f"{user.get_username():<{width}}  " + _("(deactivated)"))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    actor = _acting(args)
    user, password = _run(lambda: services.create_staff(actor, args.login, args.role, timezone.now()))
    _say(password)
    _say(
        _(
            "created login %(login)s with roles %(roles)s. The password above is shown only this once: hand it "
            "over in person; it is changed at the first login."
        )
        % {"login": repr(user.get_username()), "roles": ", ".join(services.roles_of(user))},
        err=True,
    )
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    actor = _acting(args)
    user = _member(args.login)
    roles = [] if args.no_roles else args.role
    new = _run(lambda: services.set_roles(actor, user, roles, timezone.now()))
    no_roles = _("(no roles)")
    _say(f"{user.get_username()}: {', '.join(new) or no_roles}")
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    actor = _acting(args)
    user = _member(args.login)
    _run(lambda: services.deactivate(actor, user, timezone.now()))
    _say(_("deactivated %(login)s") % {"login": user.get_username()})
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    actor = _acting(args)
    user = _member(args.login)
    password = _run(lambda: services.reset_password(actor, user, timezone.now()))
    _say(password)
    _say(
        _("new password for %(login)s, shown only this once; its open sessions have ended.")
        % {"login": repr(user.get_username())},
        err=True,
    )
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    actor = _acting(args)
    user = _member(args.login)
    removed = _run(lambda: services.unlock(actor, user, timezone.now()))
    _say(
        _("%(login)s may log in again (%(removed)s lockout records removed)")
        % {"login": repr(user.get_username()), "removed": removed}
    )
    return 0


def cmd_otp_reset(args: argparse.Namespace) -> int:
    actor = _acting(args)
    user = _member(args.login)
    removed = _run(lambda: services.reset_second_factor(actor, user, timezone.now()))
    _say(
        _("%(removed)s second-factor device(s) of %(login)s removed; they enrol again under Security")
        % {"removed": removed, "login": repr(user.get_username())}
    )
    return 0


def cmd_declarations(args: argparse.Namespace) -> int:
    _acting(args)
    texts = gate.current_texts()
    if not texts:
        _say(_("no texts are published yet: run 'persondata init'"))
        return 0
    for text in texts:
        _say(
            _("%(text)s version %(version)s, published %(date)s: %(title)s")
            % {
                "text": _text_kind(text.kind),
                "version": text.version,
                "date": _date(text.published_at),
                "title": text.title(runtime.language()),
            }
        )
    _say()
    rows = services.compliance_overview()
    width = max([len(r.username) for r in rows] + [5])
    login = _("login")
    _say(f"{login:<{width}}  " + "  ".join(f"{_text_kind(t.kind):<22}" for t in texts))
    for row in rows:
        cells = [f"{_accepted(st.acknowledged_at):<22}" for st in row.texts]
        _say(f"{row.username:<{width}}  " + "  ".join(cells))
    incomplete = sum(1 for r in rows if not r.complete)
    _say()
    _say(
        _("%(incomplete)s of %(count)s active logins have not accepted every current text")
        % {"incomplete": incomplete, "count": len(rows)}
        if incomplete
        else _("all %(count)s active logins have accepted the current texts") % {"count": len(rows)}
    )
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    """A staff member accepts the texts for themselves, as the "I have read and accept" button does."""
    if not args.as_user:
        raise CommandError(_("say who you are with --as LOGIN (or set PERSONDATA_USER)"))
    user = _member(args.as_user)
    missing = gate.missing_acknowledgements(user)
    if not missing:
        _say(_("%(login)s has accepted every current text; nothing to do") % {"login": args.as_user})
        return 0
    for text in missing:
        title, body = (
            text.title(args.language or runtime.language()),
            text.body(args.language or runtime.language()),
        )
        _say("== " + _("%(title)s (version %(version)s)") % {"title": title, "version": text.version} + " ==")
        _say(body.strip())
        _say()
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(_("confirm with --yes that you have read the texts above and accept them"))
        answer = input(
            _("I, %(login)s, have read the texts above and accept them [yes/no]: ") % {"login": args.as_user}
        )
        if answer.strip().lower() not in ("yes", "ja"):
            _say(_("nothing accepted"), err=True)
            return EXIT_REFUSED
    now = timezone.now()
    _run(lambda: [services.acknowledge(user, text, now) for text in missing])
    accepted = ", ".join(
        _("%(text)s version %(version)s") % {"text": _text_kind(t.kind), "version": t.version}
        for t in missing
    )
    _say(_("%(login)s accepted: %(texts)s") % {"login": args.as_user, "texts": accepted})
    return 0


def _accepted(at: Any) -> str:
    if not at:
        return _("MISSING")
    return _("accepted %(date)s") % {"date": f"{timezone.localtime(at):%Y-%m-%d}"}


def _text_kind(kind: str) -> str:
    """The confidentiality declaration or the guidance, in words."""
    return {"confidentiality": _("confidentiality"), "guidance": _("guidance")}.get(kind, kind)
