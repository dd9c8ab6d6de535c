"""May this process serve or read the database? One check for the command line and for the web app.

Refused, with the fix in the message: a master key that is missing, readable by others or not this database's
(``keys.check``); a restored database whose deletion ledger has not been replayed yet (RULES R5: nothing erased
may be readable after a restore, even for a moment). ``persondata.cli.main`` asks before every command that
opens stored data; ``persondata.wsgi`` wraps the web app in :class:`ServeGate`, which answers 503 to every
request — ``/api/health`` too — until the check passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.http import HttpRequest, parse_cookie
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.backups.models import ReplayPending
from persondata.core.formats import format_datetime
from persondata.keys.check import KeyCheckError, verify

RESUME = "persondata restore --resume"


def refusal(*, now: datetime, ledger: bool = True) -> str | None:
    """Why the database may not be opened now, in the active language, or None. ``ledger=False``: the key only
    (``restore`` itself)."""
    try:
        verify(now=now)
    except KeyCheckError as exc:
        return str(exc)
    if not ledger:
        return None
    try:
        marker = ReplayPending.objects.order_by("restored_at").first()
    except DatabaseError:  # a database from before the marker existed: not restored by this version
        return None
    if marker is None:
        return None
    lang = runtime.language()
    return _(
        "this database was restored on %(restored)s from the backup of %(taken)s and its deletion ledger has not "
        "been replayed yet; nothing is served or read until it is: run '%(command)s'"
    ) % {
        "restored": format_datetime(marker.restored_at, lang),
        "taken": format_datetime(marker.backup_created_at, lang),
        "command": RESUME,
    }


def _language(environ: dict[str, Any]) -> str:
    """The language the site would answer in: its language cookie, else the browser's, else the installation's
    (the gate stands in front of Django's middleware)."""
    request = HttpRequest()
    request.META = environ
    request.COOKIES = parse_cookie(environ.get("HTTP_COOKIE", ""))
    return translation.get_language_from_request(request)


class ServeGate:
    """The WSGI app behind the check: 503 with the reason while :func:`refusal` refuses. A passing check is
    trusted for ``ttl`` seconds, so a request costs one lookup at most that often."""

    def __init__(self, app: Callable[..., Iterable[bytes]], ttl: float = 2.0) -> None:
        self.app, self.ttl = app, ttl
        self._ok_until = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if time.monotonic() >= self._ok_until:
            if not connection.in_atomic_block:  # as Django does at a request's start (a test's is open)
                close_old_connections()
            with translation.override(_language(environ)):
                problem = refusal(now=timezone.now())
                body = (
                    None
                    if problem is None
                    else _("persondata does not serve this database: %(problem)s") % {"problem": problem}
                )
            if body is not None:
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "60")],
                )
                return [f"{body}\n".encode()]
            self._ok_until = time.monotonic() + self.ttl
        return self.app(environ, start_response)
