"""Login hardening: lockout after failed logins, the TOTP second factor, session lifetimes, HTTPS headers, CSRF on
every form, Argon2id, and the audit entries for all of it — which never hold a username typed or an address."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db.models import F
from django.http import HttpRequest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from persondata.access import account
from persondata.access.auth_audit import client_ip, pseudonym
from persondata.api.tokens import create_token
from persondata.audit.models import AuditEntry
from tests.conftest import no_inline_script

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
WRONG = "not-the-password"
ADDRESS = "198.51.100.23"  # TEST-NET-2
OTHER_ADDRESS = "203.0.113.77"  # TEST-NET-3
SRC = Path(__file__).resolve().parents[2] / "src"


# -- helpers -------------------------------------------------------------------------------------------------
def attempt(client: Client, username: str, password: str, address: str = ADDRESS) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def stored_text(model: Any) -> str:
    """Every stored value of every row of ``model``, as one string."""
    rows = model.objects.all()
    return json.dumps([{f.attname: str(getattr(r, f.attname)) for f in model._meta.fields} for r in rows])


def body(response: Any) -> str:
    return response.content.decode()


def codes_near(device: TOTPDevice) -> set[str]:
    """The codes the device would accept around now (its tolerance is one step either way)."""
    return {f"{totp(device.bin_key, device.step, device.t0, device.digits, d):06d}" for d in range(-2, 4)}


def next_code(device: TOTPDevice) -> str:
    """The code of the next time step: accepted (tolerance 1) and newer than any code used so far."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + 1):06d}"


def now_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    near = codes_near(device)
    return next(c for c in ("000000", "111111", "123456", "999999") if c not in near)


def lift_otp_throttle(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=F("throttling_failure_timestamp") - timedelta(minutes=10)
    )


@pytest.fixture
def staff(make_staff: Callable[..., Any]) -> Any:
    return make_staff("kirsten", ["customer_service"])


@pytest.fixture
def enrolled(staff: Any) -> Iterator[TOTPDevice]:
    """``staff`` with a confirmed TOTP device, made the way the Security page makes one."""
    client = Client()
    client.force_login(staff)
    client.post(reverse("account_security"), {"action": "start"})
    device = TOTPDevice.objects.get(user=staff)
    response = client.post(reverse("account_security"), {"action": "confirm", "code": now_code(device)})
    assert response.status_code == 200 and response.context["enabled"]
    device.refresh_from_db()
    yield device


# -- passwords -----------------------------------------------------------------------------------------------
def test_passwords_are_stored_as_argon2id(staff: Any) -> None:
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    staff.refresh_from_db()
    assert staff.password.startswith("argon2$argon2id$")
    assert PASSWORD not in staff.password


# -- lockout -------------------------------------------------------------------------------------------------
def test_five_failures_lock_the_username_from_that_address(client: Client, staff: Any) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        response = attempt(client, "kirsten", WRONG)
        assert response.status_code == 200 and 'role="alert"' in body(response)
    locked = attempt(client, "kirsten", WRONG)
    assert locked.status_code == 429
    html = body(locked)
    assert "Log ind er sat på pause" in html  # Danish by default
    assert "kirsten" not in html  # the username typed is never echoed
    until = timezone.localtime(AccessAttempt.objects.get().attempt_time + timedelta(minutes=15))
    assert until.strftime("%H:%M") in html
    assert "dataansvarlig" in html.lower()

    # the right password does not help while the lockout lasts, and is not even checked
    still = attempt(client, "kirsten", PASSWORD)
    assert still.status_code == 429
    assert client.get(reverse("dashboard")).status_code == 302

    assert actions() == ["login.failed"] * 5 + ["login.lockout", "login.failed"]
    failed = entries("login.failed")
    assert [e.details.get("failures") for e in failed[:5]] == [1, 2, 3, 4, 5]
    assert all(e.details["reason"] == "bad_credentials" for e in failed[:5])
    assert failed[5].details["reason"] == "locked_out" and "failures" not in failed[5].details
    lockout = entries("login.lockout")[0]
    assert lockout.actor == "anonymous"
    assert lockout.details["failures"] == 5 and lockout.details["minutes"] == 15
    assert lockout.details["username_hmac"] == pseudonym("username", "kirsten")
    assert lockout.details["client_hmac"] == pseudonym("client", ADDRESS)
    assert {e.details["username_hmac"] for e in failed} == {pseudonym("username", "kirsten")}


def test_lockout_page_in_english_names_the_controller(client: Client, staff: Any) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, "kirsten", WRONG)
    assert response.status_code == 429
    html = body(response)
    assert "Login paused for a while" in html and "You can try again after" in html
    assert "data controller" in html
    assert "kirsten" not in html
    assert no_inline_script(html) and " style=" not in html


def test_the_lock_is_per_username_and_address(
    client: Client, staff: Any, make_staff: Callable[..., Any]
) -> None:
    make_staff("bent", ["accounting"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "kirsten", WRONG)
    assert attempt(client, "kirsten", PASSWORD).status_code == 429
    # another login from the same address, and the same login from another address, are not locked
    assert attempt(Client(), "bent", PASSWORD).status_code == 302
    assert attempt(Client(), "kirsten", PASSWORD, address=OTHER_ADDRESS).status_code == 302


def test_a_successful_login_resets_the_count(client: Client, staff: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "kirsten", WRONG)
    assert attempt(client, "kirsten", PASSWORD).status_code == 302
    assert AccessAttempt.objects.count() == 0
    other = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(other, "kirsten", WRONG).status_code == 200
    assert attempt(other, "kirsten", PASSWORD).status_code == 302


def test_the_lock_lifts_when_the_window_has_passed(client: Client, staff: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "kirsten", WRONG)
    assert attempt(client, "kirsten", PASSWORD).status_code == 429
    # 14 minutes later: still locked
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    assert attempt(client, "kirsten", PASSWORD).status_code == 429
    # 16 minutes after the last counted failure: the window has passed
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    response = attempt(client, "kirsten", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_unlock_lifts_the_lockout_before_the_window_passes(client: Client, staff: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "kirsten", WRONG)
    assert attempt(client, "kirsten", PASSWORD).status_code == 429
    assert account.unlock("kirsten") == 1
    assert attempt(client, "kirsten", PASSWORD).status_code == 302


def test_the_test_clients_login_goes_through_the_lockout_too(staff: Any) -> None:
    """axes checks every ``authenticate`` call, and refuses one without a request (it could not count it).
    Django's ``Client.login`` passes none by itself: tests that use it pass ``request=HttpRequest()``."""
    client = Client()
    with pytest.raises(AxesBackendRequestParameterRequired):
        client.login(username="kirsten", password=PASSWORD)
    assert client.login(request=HttpRequest(), username="kirsten", password=PASSWORD)
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert not client.login(request=HttpRequest(), username="kirsten", password=WRONG)
    assert not client.login(request=HttpRequest(), username="kirsten", password=PASSWORD)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert client.login(request=HttpRequest(), username="kirsten", password=PASSWORD)


def test_nothing_stored_or_audited_holds_the_username_or_address_in_clear(client: Client, staff: Any) -> None:
    typed = "kirsten-typed-this"  # what a person typed: perhaps a mistyped password
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attempt(client, typed, WRONG)
    for _ in range(2):
        attempt(client, "kirsten", WRONG)
    attempt(client, "kirsten", PASSWORD, address=OTHER_ADDRESS)
    client.post(reverse("logout"), REMOTE_ADDR=OTHER_ADDRESS)
    assert {"login.failed", "login.lockout", "login.success", "login.logout"} <= set(actions())
    for model in (AuditEntry, AccessAttempt):
        text = stored_text(model)
        for secret in (typed, "kirsten", ADDRESS, OTHER_ADDRESS, WRONG, PASSWORD):
            assert secret not in text, (model.__name__, secret)
    # axes still tells the attempts apart, by pseudonym
    assert AccessAttempt.objects.filter(username=pseudonym("username", typed)).exists()


def test_login_and_logout_are_audited_under_the_staff_id(client: Client, staff: Any) -> None:
    assert attempt(client, "kirsten", PASSWORD).status_code == 302
    client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    success, logout = entries("login.success")[0], entries("login.logout")[0]
    assert success.actor == logout.actor == f"staff:{staff.pk}"
    assert success.details == {"client_hmac": pseudonym("client", ADDRESS)}
    assert logout.details["reason"] == "user"


def test_force_login_and_api_tokens_keep_working(client: Client, staff: Any, enrolled: TOTPDevice) -> None:
    other = get_user_model().objects.create_user("plain", password=PASSWORD)
    client.force_login(other)
    assert client.get(reverse("dashboard")).status_code == 200
    # the API authenticates by token, and a second factor on the web login does not get in its way
    token = create_token(staff, "test", timezone.now())
    response = Client().post(
        "/api/customers/search",
        data=json.dumps({"query": "nobody@example.dk", "purpose": "delivery"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, body(response)


# -- the second factor ---------------------------------------------------------------------------------------
def test_enrolling_a_totp_device(client: Client, staff: Any) -> None:
    client.force_login(staff)
    page = client.get(reverse("account_security"))
    assert page.status_code == 200 and not page.context["enabled"] and not page.context["pending"]
    assert not account.has_totp(staff)
    assert TOTPDevice.objects.count() == 0  # looking at the page changes nothing

    response = client.post(reverse("account_security"), {"action": "start"})
    assert response.status_code == 302 and response["Location"] == reverse("account_security")
    page = client.get(reverse("account_security"))
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    html = body(page)
    assert re.search(r'<img src="data:image/svg\+xml;[^"]+" alt="[^"]+" width="200"', html)
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")
    assert no_inline_script(html) and "<style" not in html and " style=" not in html
    assert client.get(reverse("account_security")).context["secret"] == page.context["secret"]  # stable

    refused = client.post(reverse("account_security"), {"action": "confirm", "code": wrong_code(device)})
    assert refused.status_code == 200 and refused.context["form"].errors["code"]
    assert not account.has_totp(staff)
    assert entries("otp.failed")[0].details == {"step": "enrol", "failures": 1}

    lift_otp_throttle(device)
    done = client.post(reverse("account_security"), {"action": "confirm", "code": now_code(device)})
    assert done.status_code == 200 and done.context["enabled"] and done.context["just_enabled"]
    assert account.has_totp(staff)
    enrol = entries("otp.enrol")[0]
    assert enrol.actor == enrol.target == f"staff:{staff.pk}"
    # this session showed a code: it goes on without a second step
    assert client.get(reverse("dashboard")).status_code == 200
    assert "Security" in body(client.get(reverse("dashboard"))) or "Sikkerhed" in body(
        client.get(reverse("dashboard"))
    )


def test_has_totp(staff: Any, enrolled: TOTPDevice, make_staff: Callable[..., Any]) -> None:
    assert account.has_totp(staff)
    assert not account.has_totp(make_staff("bent", ["accounting"]))
    pending = make_staff("ulla", ["accounting"])
    TOTPDevice.objects.create(user=pending, name="x", confirmed=False)
    assert not account.has_totp(pending)


def test_with_totp_the_password_alone_opens_nothing(client: Client, staff: Any, enrolled: TOTPDevice) -> None:
    response = attempt(client, "kirsten", PASSWORD)
    assert response.status_code == 302
    for url in (reverse("dashboard"), reverse("customer_search"), reverse("account_security")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('otp_verify')}?next={url}"
    step = client.get(reverse("otp_verify"), {"next": reverse("customer_search")})
    assert step.status_code == 200 and 'autocomplete="one-time-code"' in body(step)

    refused = client.post(
        reverse("otp_verify"), {"code": wrong_code(enrolled), "next": reverse("customer_search")}
    )
    assert refused.status_code == 200 and refused.context["form"].errors["code"]
    assert client.get(reverse("dashboard")).status_code == 302
    failed = entries("otp.failed")[-1]
    assert failed.details == {"step": "login", "failures": 1} and failed.actor == f"staff:{staff.pk}"

    # after several wrong codes, django-otp's throttle (1, 2, 4, 8, 16 s) asks for a wait, even for the right code
    TOTPDevice.objects.filter(pk=enrolled.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    throttled = client.post(reverse("otp_verify"), {"code": next_code(enrolled)})
    assert throttled.status_code == 200 and 1 <= throttled.context["wait"] <= 16
    assert client.get(reverse("dashboard")).status_code == 302
    lift_otp_throttle(enrolled)

    session_before = client.cookies[settings.SESSION_COOKIE_NAME].value
    code = next_code(enrolled)
    accepted = client.post(reverse("otp_verify"), {"code": code, "next": reverse("customer_search")})
    assert accepted.status_code == 302 and accepted["Location"] == reverse("customer_search")
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != session_before  # a new session id
    assert client.get(reverse("dashboard")).status_code == 200
    assert "otp.verified" in actions()

    # the same code cannot be used twice
    replay = Client()
    attempt(replay, "kirsten", PASSWORD)
    reused = replay.post(reverse("otp_verify"), {"code": code})
    assert reused.status_code == 200 and replay.get(reverse("dashboard")).status_code == 302


def test_otp_step_refuses_a_foreign_next(client: Client, staff: Any, enrolled: TOTPDevice) -> None:
    attempt(client, "kirsten", PASSWORD)
    response = client.post(reverse("otp_verify"), {"code": next_code(enrolled), "next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_logout_and_language_work_before_the_second_step(
    client: Client, staff: Any, enrolled: TOTPDevice
) -> None:
    attempt(client, "kirsten", PASSWORD)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert "Enter your code" in body(client.get(reverse("otp_verify")))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("otp_verify")).status_code == 302  # logged out: back to the login


def test_without_totp_no_second_step(client: Client, staff: Any) -> None:
    assert attempt(client, "kirsten", PASSWORD).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("otp_verify")).status_code == 302


# -- sessions ------------------------------------------------------------------------------------------------
def test_sessions_expire_after_30_idle_minutes(client: Client, staff: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    attempt(client, "kirsten", PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("dashboard")).status_code == 200
    # every request moves the expiry 30 minutes ahead
    expiry = Session.objects.get(session_key=key).expire_date
    assert timedelta(minutes=29) < expiry - timezone.now() <= timedelta(minutes=30)
    # 30 minutes without a request: the session is over
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_idle_refresh_is_written_at_most_once_a_minute(client: Client, staff: Any) -> None:
    """Page after page, the session's expiry is written once a minute, not on every page (issue 17): an idle
    session so ends 29 to 30 minutes after its last request, never later."""
    attempt(client, "kirsten", PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("dashboard")).status_code == 200
    written = Session.objects.get(session_key=key).expire_date
    assert client.get(reverse("dashboard")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == written  # refreshed less than a minute ago
    Session.objects.filter(session_key=key).update(expire_date=F("expire_date") - timedelta(seconds=61))
    assert client.get(reverse("dashboard")).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert timedelta(minutes=29, seconds=59) < expiry - timezone.now() <= timedelta(minutes=30)


def test_sessions_end_8_hours_after_the_login_however_busy(client: Client, staff: Any) -> None:
    assert settings.PERSONDATA_SESSION_MAX_AGE == 8 * 3600
    attempt(client, "kirsten", PASSWORD)
    session = client.session
    session[account.LOGIN_AT] = int(time.time()) - 8 * 3600 + 60
    session.save()
    assert client.get(reverse("dashboard")).status_code == 200
    session = client.session
    session[account.LOGIN_AT] = int(time.time()) - 8 * 3600 - 1
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("dashboard")).status_code == 302
    assert entries("login.logout")[-1].details["reason"] == "session_limit"


# -- HTTPS, headers, cookies ---------------------------------------------------------------------------------
def _settings_with(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    code = (
        "import json, persondata.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "('SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', "
        "'BEHIND_PROXY')}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PERSONDATA_SECURE_COOKIES", "PERSONDATA_BEHIND_PROXY", "PERSONDATA_HSTS_SECONDS"}
    }
    clean.update(PERSONDATA_HOME=str(tmp_path), PYTHONPATH=str(SRC), **env)
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def test_https_settings_follow_the_environment(tmp_path: Path) -> None:
    plain = _settings_with({}, tmp_path)
    assert plain == {
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "BEHIND_PROXY": False,
    }
    secure = _settings_with({"PERSONDATA_SECURE_COOKIES": "1"}, tmp_path)
    assert secure["SECURE_HSTS_SECONDS"] == 31_536_000
    assert secure["SESSION_COOKIE_SECURE"] and secure["CSRF_COOKIE_SECURE"]
    assert secure["SECURE_PROXY_SSL_HEADER"] is None
    proxied = _settings_with(
        {"PERSONDATA_SECURE_COOKIES": "1", "PERSONDATA_BEHIND_PROXY": "1", "PERSONDATA_HSTS_SECONDS": "3600"},
        tmp_path,
    )
    assert proxied["SECURE_HSTS_SECONDS"] == 3600
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@override_settings(SECURE_HSTS_SECONDS=31_536_000, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_security_headers_and_secure_cookies_when_https_is_on(client: Client, staff: Any) -> None:
    page = client.get(reverse("login"), secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY" and page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    assert page.cookies["csrftoken"]["secure"]
    login = client.post(reverse("login"), {"username": "kirsten", "password": PASSWORD}, secure=True)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]  # gone when the browser closes
    assert "Strict-Transport-Security" not in client.get(reverse("login"))  # only over HTTPS


def test_no_hsts_without_the_flag(client: Client) -> None:
    assert settings.SECURE_HSTS_SECONDS == 0
    assert "Strict-Transport-Security" not in client.get(reverse("login"), secure=True)


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), BEHIND_PROXY=True)
def test_behind_the_proxy_the_client_address_is_the_one_the_proxy_added() -> None:
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {ADDRESS}",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert client_ip(request) == ADDRESS and request.is_secure()


def test_without_the_proxy_flag_forwarded_headers_are_ignored() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="6.6.6.6", HTTP_X_FORWARDED_PROTO="https"
    )
    assert client_ip(request) == ADDRESS and not request.is_secure()


# -- CSRF on every form --------------------------------------------------------------------------------------
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def test_every_post_form_in_every_template_has_a_csrf_token() -> None:
    templates = sorted((SRC / "persondata").glob("**/templates/**/*.html"))
    assert templates
    post_forms = 0
    for path in templates:
        for attributes, inner in _FORM.findall(path.read_text()):
            method = re.search(r"""method\s*=\s*["']?(\w+)""", attributes, re.IGNORECASE)
            if method is None or method.group(1).lower() != "post":
                # a form without method="post" sends its fields in the URL: only allowed without personal data
                continue
            post_forms += 1
            assert "{% csrf_token %}" in inner, (
                f"{path.relative_to(SRC)}: a POST form without {{% csrf_token %}}"
            )
    assert post_forms >= 5  # login, search, language, logout, security, OTP step …


def test_csrf_is_enforced_on_the_otp_step(staff: Any, enrolled: TOTPDevice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    client.post(reverse("login"), {"username": "kirsten", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert client.post(reverse("otp_verify"), {"code": next_code(enrolled)}).status_code == 403
    assert client.get(reverse("dashboard")).status_code == 302
