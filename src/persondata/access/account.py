"""Login hardening for the staff web app: the optional TOTP second factor, session lifetimes and the lockout page.

- **Second factor** (django-otp): a staff member turns it on at *Security* (``/account/security/``) by scanning a
  QR code into an authenticator app and confirming one code. From then on, after the password, every login asks
  for a code (``/account/otp/``) before any other page opens (:class:`RequireOTPMiddleware`).
- **Sessions**: 30 minutes idle (``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``) and at most
  ``PERSONDATA_SESSION_MAX_AGE`` (8 hours) after the login, however busy (:class:`SessionLifetimeMiddleware`).
- **Lockout** (django-axes): :func:`lockout_response` renders the page shown after too many failed logins. It names
  when to try again and whom to ask, and never echoes the username typed.

What happens is written to the audit log (``otp.*`` here, ``login.*`` in ``auth_audit``), without personal data.
"""

from __future__ import annotations

import time
from base64 import b32encode
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import segno
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from persondata import runtime
from persondata.access.auth_audit import axes_username, staff_actor
from persondata.audit.services import record
from persondata.core.policy import is_placeholder

LOGIN_AT = "persondata_login_at"  # session key: when the password step succeeded (Unix seconds)
DEVICE_NAME = "authenticator app"

# Pages a logged-in user may open before the second step: the step itself, logging out, switching language.
_BEFORE_SECOND_STEP = frozenset({"otp_verify", "login", "logout", "set_language"})


def has_totp(user: Any) -> bool:
    """Whether ``user`` has turned on the TOTP second factor (a confirmed device)."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


def unlock(username: str) -> int:
    """Lift the lockout of ``username`` from every address at once (axes keeps only pseudonyms, so its own
    ``axes_reset_username`` command cannot find them); returns how many records were removed."""
    from axes.utils import reset

    return int(reset(username=axes_username(HttpRequest(), {get_user_model().USERNAME_FIELD: username})))


def _verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


# -- middleware ------------------------------------------------------------------------------------------------
def stamp_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: note when the session began, for the absolute session limit."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = int(time.time())


class SessionLifetimeMiddleware:
    """Ends a session ``PERSONDATA_SESSION_MAX_AGE`` seconds after its login, even if it was never idle.

    The idle limit needs no code: ``SESSION_SAVE_EVERY_REQUEST`` moves the session's expiry
    ``SESSION_COOKIE_AGE`` seconds ahead on every request (written at most once a minute,
    :mod:`persondata.access.sessions`), so an idle session expires on the server.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            now = int(time.time())
            if started is None:
                request.session[LOGIN_AT] = now  # a session from before this limit existed: count from now
            elif now - int(started) > settings.PERSONDATA_SESSION_MAX_AGE:
                request.persondata_logout_reason = "session_limit"  # type: ignore[attr-defined]
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class RequireOTPMiddleware:
    """A user who has turned on the second factor sees nothing but the code step until the code is given.

    A middleware, not a decorator, so that every page — today's and those added later — is covered. The API
    authenticates by token, not by session, and is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _verified(user):
            return None
        match = request.resolver_match
        if match is not None and ("api" in match.namespaces or match.view_name in _BEFORE_SECOND_STEP):
            return None
        if not has_totp(user):
            return None
        return redirect_to_login(request.get_full_path(), login_url=reverse("otp_verify"))


#: What a login with a password it was given may still see: the page to choose its own, and the way out.
_BEFORE_OWN_PASSWORD = frozenset({"staff:own_password", "login", "logout", "set_language", "otp_verify"})


class FirstPasswordMiddleware:
    """A login whose password was made for it (``persondata init``, ``staff add``, a reset) sees nothing but the
    page to choose its own until it has: the password was shown to someone else, once. The API (by token) is
    left alone: a token is made by the login itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        profile = getattr(user, "staff", None) if user is not None and user.is_authenticated else None
        if profile is None or not profile.must_change_password:
            return None
        match = request.resolver_match
        if match is not None and (
            "api" in match.namespaces
            or "public" in match.namespaces
            or match.view_name in _BEFORE_OWN_PASSWORD
        ):
            return None
        return redirect(reverse("staff:own_password"))


# -- the lockout page ------------------------------------------------------------------------------------------
def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the page after too many failed logins (HTTP 429)."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.filter(
        username=axes_username(request, credentials), ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    until = (last or timezone.now()) + cool_off
    context = {
        "until": until,
        "minutes": int(cool_off.total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "controller": _controller_contact(),
    }
    return render(
        request, "web/lockout.html", context, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    )


def _controller_contact() -> dict[str, str]:
    """The controller's name and phone from the policy file, leaving out what is still a placeholder."""
    try:
        controller = runtime.policy().controller
    except Exception:  # a broken policy file must not break the lockout page
        return {}
    return {
        key: value
        for key in ("name", "phone", "email")
        if (value := str(getattr(controller, key, "") or "")) and not is_placeholder(value)
    }


# -- the second factor -----------------------------------------------------------------------------------------
class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not code.isdigit() or len(code) not in (6, 8):
            raise forms.ValidationError(_("The code is the 6 digits your authenticator app shows."))
        return code


def _qr_data_uri(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def _secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app that cannot scan."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _wait_seconds(device: TOTPDevice) -> int:
    """Seconds until django-otp's throttle (1, 2, 4, 8 … s after each wrong code) lets another code be tried."""
    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return 0
    return max(1, int((info["locked_until"] - timezone.now()).total_seconds() + 0.999))


def _record_otp_failure(request: HttpRequest, device: TOTPDevice, step: str) -> None:
    with transaction.atomic():
        record(
            "otp.failed",
            actor=staff_actor(request.user),
            target=staff_actor(request.user),
            details={"step": step, "failures": int(device.throttling_failure_count)},
            now=timezone.now(),
        )


@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """Turn on the second factor: start (POST ``start``), scan and confirm a code (POST ``confirm``)."""
    user = request.user
    if has_totp(user):
        return render(request, "web/account/security.html", {"enabled": True})
    pending = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-id").first()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start":
        with transaction.atomic():
            TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return redirect("account_security")  # shown by GET, so a reload does not make a new secret
    if pending is None:
        return render(request, "web/account/security.html", {"enabled": False, "pending": False})
    form = CodeForm(request.POST if action == "confirm" else None)
    context: dict[str, Any] = {"enabled": False, "pending": True, "form": form}
    if action == "confirm" and form.is_valid():
        wait = _wait_seconds(pending)
        if wait:
            context["wait"] = wait
        elif pending.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                record(
                    "otp.enrol",
                    actor=staff_actor(user),
                    target=staff_actor(user),
                    details={"device": "totp"},
                    now=timezone.now(),
                )
            otp_login(request, pending)  # this session has just shown a code: it is verified
            return render(request, "web/account/security.html", {"enabled": True, "just_enabled": True})
        else:
            _record_otp_failure(request, pending, "enrol")
            form.add_error("code", _("That code did not match. Check the time on your phone and try again."))
    context.update(qr=_qr_data_uri(pending), secret=_secret(pending))
    return render(request, "web/account/security.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second login step: a code from the authenticator app."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse(settings.LOGIN_REDIRECT_URL)
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("id").first()
    if device is None or _verified(user):
        return HttpResponseRedirect(next_url)
    form = CodeForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        wait = _wait_seconds(device)
        if wait:
            context["wait"] = wait
        else:
            with transaction.atomic():
                # select_for_update: two tabs sending the same code cannot both use it
                locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
                accepted = locked.verify_token(form.cleaned_data["code"])
                if accepted:
                    record(
                        "otp.verified",
                        actor=staff_actor(user),
                        target=staff_actor(user),
                        details={"device": "totp"},
                        now=timezone.now(),
                    )
            if accepted:
                request.session.cycle_key()  # a new session id for the session that is now fully logged in
                otp_login(request, locked)
                return HttpResponseRedirect(next_url)
            _record_otp_failure(request, locked, "login")
            form.add_error("code", _("That code did not match. Try the code your app shows now."))
    return render(request, "web/account/otp.html", context)
