"""A refusal goes one way per interface, always audited (RULES R19: an attempt is refused *and logged*).

* web: :class:`RefusalMiddleware` turns an :class:`AccessDenied` raised by any view into the 403 page;
* API: ``persondata.api.endpoints`` has one exception handler that calls :func:`record_refusal`;
* CLI: ``persondata.cli.login.refusals`` does the same and exits with status 3.

The refused transaction has already been rolled back when the refusal is written, in a transaction of its own.
Only the code, the channel and a declared (or forbidden) purpose are recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from persondata.access.actor import staff_code
from persondata.access.errors import AccessDenied
from persondata.audit import services as audit


def record_refusal(user_id: int | None, exc: AccessDenied, channel: str, now: datetime) -> None:
    """Write a refusal to the audit trail, outside the refused transaction."""
    details = {"code": exc.code, "channel": channel}
    if exc.purpose is not None:
        details["purpose"] = exc.purpose
    with transaction.atomic():
        audit.record(
            "access.refused", actor=staff_code(user_id) if user_id else "anonymous", details=details, now=now
        )


def denied(request: HttpRequest, reason: str, code: str = "") -> HttpResponse:
    """The 403 page with the decision's reason (which names roles, duties and purposes, never a customer)."""
    return render(request, "403.html", {"reason": reason, "code": code}, status=403)


class RefusalMiddleware:
    """The web's one refusal path: any view may raise :class:`AccessDenied`; it is audited and shown here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccessDenied):
            return None
        user = getattr(request, "user", None)
        record_refusal(getattr(user, "pk", None), exception, "web", timezone.now())
        return denied(request, exception.reason, exception.code)
