"""Login events in the audit log, and the pseudonyms that keep typed usernames and IP addresses out of it.

Django's auth signals and django-axes' ``user_locked_out`` become audit entries: ``login.success``,
``login.failed``, ``login.lockout`` and ``login.logout``. (The audit log's actions are dotted codes, so "logout" is
``login.logout``.) The OTP views in ``account.py`` write ``otp.enrol``, ``otp.verified`` and ``otp.failed``.

No entry holds a username as typed (it may be a mistyped password) or an IP address in clear. To let the
controller see that ten failures came from one place against one login, entries carry keyed pseudonyms instead:
HMAC-SHA256 under a key derived from Django's ``SECRET_KEY``, truncated to 128 bits. The same pseudonyms are what
django-axes stores in its ``AccessAttempt`` table (``AXES_USERNAME_CALLABLE``, ``AXES_CLIENT_IP_CALLABLE``), so the
lockout counts per username and client address without keeping either in clear.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from persondata.access.actor import staff_code
from persondata.audit.services import record

ANONYMOUS = "anonymous"
_SALT = "persondata.access.auth_audit."


# -- pseudonyms ------------------------------------------------------------------------------------------------
def pseudonym(kind: str, value: str) -> str:
    """A keyed 128-bit pseudonym (32 hex digits) of ``value``; equal values give equal pseudonyms."""
    return salted_hmac(_SALT + kind, value, algorithm="sha256").hexdigest()[:32]


def client_ip(request: HttpRequest) -> str:
    """The client's address: behind the one trusted reverse proxy (``PERSONDATA_BEHIND_PROXY=1``) the last
    address in ``X-Forwarded-For`` (the one the proxy appended: what the client sent before it is not to be
    trusted); otherwise the peer address of the connection."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1])
    return str(request.META.get("REMOTE_ADDR") or "")


def _typed_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    field = get_user_model().USERNAME_FIELD
    if credentials and credentials.get(field):
        return str(credentials[field])
    if request is not None and request.method == "POST":
        return str(request.POST.get(field, ""))
    return ""


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: axes counts failures per pseudonym of the typed username."""
    typed = _typed_username(request, credentials)
    return pseudonym("username", typed) if typed else None


def axes_client(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client address's pseudonym, spelled as an IPv6 address in the private
    ``fd00::/8`` range, because axes stores it in an IP-address column (``inet`` on PostgreSQL)."""
    address = client_ip(request)
    if not address:
        return None
    bits = int(pseudonym("client", address)[:30], 16)  # 120 bits under the fd prefix
    return str(ipaddress.IPv6Address((0xFD << 120) | bits))


def client_details(request: HttpRequest | None) -> dict[str, str]:
    address = client_ip(request) if request is not None else ""
    return {"client_hmac": pseudonym("client", address)} if address else {}


def staff_actor(user: Any) -> str:
    return staff_code(user.pk)


def audit(action: str, *, actor: str, target: str = "", details: dict[str, Any] | None = None) -> None:
    """One audit entry in its own transaction (or savepoint): the signal handlers' entry point."""
    with transaction.atomic():
        record(action, actor=actor, target=target, details=details or {}, now=timezone.now())


# -- signal handlers -------------------------------------------------------------------------------------------
_FAILURE_RECORDED = "_persondata_login_failure_recorded"


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit("login.success", actor=staff_actor(user), target=staff_actor(user), details=client_details(request))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # logging out without a login: nothing happened
        return
    reason = getattr(request, "persondata_logout_reason", "user") if request is not None else "user"
    audit(
        "login.logout",
        actor=staff_actor(user),
        target=staff_actor(user),
        details={"reason": reason, **client_details(request)},
    )


def _failure_details(request: HttpRequest | None, credentials: dict[str, Any] | None) -> dict[str, Any]:
    typed = _typed_username(request, credentials)
    details: dict[str, Any] = {}
    if typed:
        details["username_hmac"] = pseudonym("username", typed)
    details.update(client_details(request))
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None and getattr(request, "axes_locked_out", False):
        # refused by the lockout before the password was even checked; axes did not count it
        details["reason"] = "locked_out"
    else:
        details["reason"] = "bad_credentials"
        if failures is not None:
            details["failures"] = int(failures)
    return details


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is not None and getattr(request, _FAILURE_RECORDED, False):
        return  # on_locked_out wrote it already, so that the failure comes before the lockout in the log
    audit("login.failed", actor=ANONYMOUS, details=_failure_details(request, credentials))


def on_locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    """axes' ``user_locked_out``: sent (before Django's other ``user_login_failed`` receivers run) by the failure
    that reaches the limit, and by every attempt refused while the lockout lasts. Only the first is a lockout."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return  # an attempt during the lockout: on_login_failed records it as reason "locked_out"
    credentials = getattr(request, "axes_credentials", None)
    audit("login.failed", actor=ANONYMOUS, details=_failure_details(request, credentials))
    setattr(request, _FAILURE_RECORDED, True)
    details: dict[str, Any] = {"failures": int(request.axes_failures_since_start)}  # type: ignore[attr-defined]
    if username:
        details["username_hmac"] = username  # axes_username's pseudonym already
    details.update(client_details(request))
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off is not None:
        details["minutes"] = int(cool_off.total_seconds() // 60)
    audit("login.lockout", actor=ANONYMOUS, details=details)


def connect() -> None:
    """Called from ``WebConfig.ready``; ``dispatch_uid`` keeps a second call harmless."""
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="persondata.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="persondata.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="persondata.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="persondata.audit.lockout")
