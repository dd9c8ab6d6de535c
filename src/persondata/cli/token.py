"""``persondata token create|list|revoke``: API tokens for a staff login."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from persondata.api.tokens import active_user, create_token, revoke_token, tokens_of
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import no_login


def register(sub: Any) -> None:
    t = sub.add_parser(
        "token",
        help=gettext_lazy("API tokens: create, list, revoke"),
        description=str(
            gettext_lazy(
                "A token acts as the staff login it belongs to, with that login's roles; "
                "every read through it is written to the access log. See docs/web-and-api.md."
            )
        ),
    )
    actions = t.add_subparsers(dest="action", required=True)
    user_help = gettext_lazy("the staff login the token acts as (or $PERSONDATA_USER)")

    c = actions.add_parser("create", help=gettext_lazy("create a token and print it once"))
    c.add_argument("--user", default=settings.PERSONDATA_USER, help=user_help)
    c.add_argument(
        "--label", required=True, help=gettext_lazy("where the token is used, e.g. 'accounting system'")
    )
    c.add_argument("--days", type=int, help=gettext_lazy("valid for this many days (default: until revoked)"))
    c.set_defaults(func=cmd_create)

    ls = actions.add_parser("list", help=gettext_lazy("list a login's tokens (never their secrets)"))
    ls.add_argument("--user", default=settings.PERSONDATA_USER, help=user_help)
    ls.set_defaults(func=cmd_list)

    r = actions.add_parser("revoke", help=gettext_lazy("revoke a token by the prefix 'token list' shows"))
    r.add_argument("prefix", help=gettext_lazy("the token's first 8 characters"))
    r.add_argument("--user", default=settings.PERSONDATA_USER, help=user_help)
    r.set_defaults(func=cmd_revoke)


def _say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def _user(args: argparse.Namespace) -> Any:
    if not args.user:
        raise CommandError(_("say whose token it is with --user LOGIN (or set PERSONDATA_USER)"))
    user = active_user(args.user)
    if user is None:
        raise CommandError(no_login(args.user))
    return user


def cmd_create(args: argparse.Namespace) -> int:
    user = _user(args)
    try:
        with transaction.atomic():
            secret = create_token(user, args.label, timezone.now(), days=args.days)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    _say(secret)
    _say(
        _(
            "This is the only time the token is shown: store it now. Send it as 'Authorization: Bearer <token>'."
        ),
        err=True,
    )
    return 0


def _state(expires_at: Any, now: Any) -> str:
    if expires_at is None:
        return _("valid, no expiry")
    if expires_at <= now:
        return _("ended %(at)s") % {"at": f"{timezone.localtime(expires_at):%Y-%m-%d %H:%M}"}
    return _("valid until %(at)s") % {"at": f"{timezone.localtime(expires_at):%Y-%m-%d %H:%M}"}


def cmd_list(args: argparse.Namespace) -> int:
    user = _user(args)
    now = timezone.now()
    tokens = list(tokens_of(user))
    for t in tokens:
        used = f"{timezone.localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else _("never")
        created = _("created %(date)s") % {"date": f"{timezone.localtime(t.created_at):%Y-%m-%d}"}
        _say(
            f"{t.key_prefix}…  {t.label:<30}  {created}  "
            + _("last used %(at)s") % {"at": used}
            + f"  {_state(t.expires_at, now)}"
        )
    if not tokens:
        _say(_("%(login)s has no API tokens") % {"login": user.get_username()})
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    user = _user(args)
    with transaction.atomic():
        n = revoke_token(user, args.prefix, timezone.now())
    if not n:
        raise CommandError(
            _("no valid token of %(login)s starts with %(prefix)s")
            % {"login": user.get_username(), "prefix": repr(args.prefix[:8])},
            1,
        )
    _say(ngettext("revoked %(count)s token", "revoked %(count)s tokens", n) % {"count": n})
    return 0
