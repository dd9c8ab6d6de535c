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
from django.utils.translation import gettext_lazy as _

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


#: The reason a person reads on the 403 page, by the refusal's code; the decision's own reason (with the policy
#: file's keys) is for the logs and the API. Codes not here (a missing duty, the declarations) carry a reason
#: already written for a person, in their language.
WORDS = {
    "forbidden_purpose": _("The privacy policy forbids this purpose: customer data is never used for marketing or "
                           "profiling."),
    "undeclared_purpose": _("The privacy policy declares no such purpose."),
    "no_role": _("None of your roles gives access to customer data."),
    "not_granted": _("Your roles do not give access to this data for the chosen purpose."),
    "restricted": _("The customer's data is restricted: it may be used only as the restriction allows."),
    "incomplete": _("An access answer shows every kind of data, and your roles do not give access to all of it."),
    "anonymous": _("You are not logged in."),
}  # fmt: skip


def denied(request: HttpRequest, reason: str, code: str = "") -> HttpResponse:
    """The 403 page with the reason in the page's words (it names roles, duties and purposes, never a customer)."""
    shown = str(WORDS[code]) if code in WORDS else reason
    return render(request, "403.html", {"reason": shown, "code": code}, status=403)


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
