"""End to end in a real headless Chromium: turn on two-step login, log out, log in again with password and code."""

from __future__ import annotations

from base64 import b32decode
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp

from persondata.audit.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str, step_offset: int = 0) -> str:
    """The TOTP code an authenticator app would show, from the key printed on the Security page."""
    key = b32decode(secret.replace(" ", ""))
    return f"{totp(key, step=30, t0=0, digits=6, drift=step_offset):06d}"


def test_enrol_totp_then_log_in_with_password_and_code(
    browser: Any, live_server: Any, transactional_db: None, make_staff: Callable[..., Any]
) -> None:
    make_staff("kirsten", ["customer_service"])
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    def log_in() -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Brugernavn").fill("kirsten")
        page.get_by_label("Adgangskode").fill("a-long-test-password")
        page.get_by_role("button", name="Log ind").click()

    try:
        log_in()
        page.wait_for_url(f"{live_server.url}/")

        # turn on two-step login
        page.locator(".site-tools").get_by_role("link", name="Sikkerhed").click()
        page.wait_for_url(f"{live_server.url}/account/security/")
        page.get_by_role("button", name="Sæt totrinslogin op").click()
        qr = page.get_by_role("img", name="QR-kode til din godkendelsesapp")
        qr.wait_for()
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP lets the data: image load
        secret = page.locator("#totp-secret").inner_text()
        page.get_by_label("Kode fra din godkendelsesapp").fill(code_for(secret))
        page.get_by_role("button", name="Slå totrinslogin til").click()
        assert page.get_by_text("Totrinslogin er nu slået til.").is_visible()

        page.get_by_role("button", name="Log ud").click()
        page.wait_for_url(f"{live_server.url}/login/")

        # the password alone leads to the code step, and no further
        log_in()
        page.wait_for_url(f"{live_server.url}/account/otp/?next=/")
        assert page.get_by_role("heading", name="Skriv din kode").is_visible()
        page.goto(f"{live_server.url}/customers/")
        page.wait_for_url(f"{live_server.url}/account/otp/?next=/customers/")

        # a wrong code is refused
        near = {code_for(secret, d) for d in range(-2, 4)}
        wrong = next(c for c in ("000000", "111111", "123456", "999999") if c not in near)
        page.get_by_label("Kode fra din godkendelsesapp").fill(wrong)
        page.get_by_role("button", name="Fortsæt").click()
        assert page.get_by_text("Koden passede ikke.").is_visible()
        assert "/account/otp/" in page.url

        # after django-otp's one-second pause, the next step's code (newer than the one used to enrol) opens it
        page.wait_for_timeout(1500)
        page.get_by_label("Kode fra din godkendelsesapp").fill(code_for(secret, 1))
        page.get_by_role("button", name="Fortsæt").click()
        page.wait_for_url(f"{live_server.url}/customers/")
        assert page.get_by_role("heading", name="Find en kunde").is_visible()

        assert problems == []
        actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
        assert actions == [
            "login.success",
            "otp.enrol",
            "login.logout",
            "login.success",
            "otp.failed",
            "otp.verified",
        ]
    finally:
        context.close()
