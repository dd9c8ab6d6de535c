"""In a real headless Chromium: the controller registers a breach discovered on Saturday 25 October 2025 at 14:00
and the page, the dashboard and the printed notification say it is due on Tuesday 28 October at 13:00."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_breach_clock_across_the_change_of_clocks(
    browser: Any, live_server: Any, transactional_db: None, make_staff: Callable[..., Any]
) -> None:
    make_staff("controller", ["controller"])
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    base = live_server.url
    try:
        page.goto(f"{base}/login/")
        page.get_by_label("Brugernavn").fill("controller")
        page.get_by_label("Adgangskode").fill("a-long-test-password")
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("navigation").get_by_role("link", name="Styring").click()
        page.wait_for_url(f"{base}/governance/breaches/")
        page.get_by_role("link", name="Registrér et brud").click()
        page.get_by_label("Opdaget (dansk tid)").fill("2025-10-25T14:00")
        page.get_by_label("Hvad skete der").fill("En medarbejders bærbare pc blev stjålet fra bilen.")
        page.get_by_role("checkbox", name="Navn, adresse, telefonnummer og e-mail").check()
        page.get_by_label("Berørte kunder (ca.)").fill("250")
        page.get_by_role("button", name="Registrér bruddet").click()
        page.wait_for_url(f"{base}/governance/breaches/*/")
        assert page.locator("#deadline").inner_text() == "tirsdag den 28. oktober 2025 kl. 13.00"
        assert page.get_by_text("Ikke anmeldt, fristen overskredet").is_visible()
        page.get_by_role("link", name="Dansk (HTML)").click()
        page.wait_for_url(f"{base}/governance/breaches/*/notification.da.html")
        assert page.locator("#deadline").inner_text() == "tirsdag den 28. oktober 2025 kl. 13.00"
        assert page.get_by_role("heading", name="(a) Bruddets karakter").is_visible()
        page.goto(f"{base}/")
        assert page.get_by_role("heading", name="Register over brud").is_visible()
        assert page.get_by_text("anmeld senest tirsdag den 28. oktober 2025 kl. 13.00").is_visible()
        assert problems == []
    finally:
        context.close()
