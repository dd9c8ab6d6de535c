"""End to end in a real headless Chromium: the controller creates a customer-service login in the app, logs out;
the new staff member logs in, is asked to accept both texts, and does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from persondata.access import gate
from persondata.access import staff as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_controller_creates_a_login_and_the_new_user_accepts_both_texts(
    browser: Any, live_server: Any, transactional_db: None, make_staff: Callable[..., Any]
) -> None:
    make_staff("controller", ["controller"])
    with transaction.atomic():
        services.ensure_default_texts(timezone.now())
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    base = live_server.url
    try:
        # the controller logs in and creates the login
        page.goto(f"{base}/login/")
        page.get_by_label("Brugernavn").fill("controller")
        page.get_by_label("Adgangskode").fill("a-long-test-password")
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("navigation").get_by_role("link", name="Personale").click()
        page.wait_for_url(f"{base}/staff/")
        assert page.get_by_role("heading", name="Personale og erklæringer", level=1).is_visible()
        assert (
            page.locator(f"#staff-{services.active_staff('controller').pk}").get_by_text("Mangler").count()
            == 2
        )

        page.get_by_role("link", name="Nyt login").click()
        page.get_by_label("Brugernavn").fill("kundeservice")
        page.get_by_role("checkbox", name="Kundeservice").check()
        page.locator(
            "#id_invite"
        ).uncheck()  # a first password, shown once (the invitation: test_invitations)
        page.get_by_role("button", name="Opret login").click()
        assert page.get_by_role("heading", name="Login oprettet").is_visible()
        password = page.locator("#one-time-password").inner_text().strip()
        assert len(password) >= 16
        # the stylesheets loaded (the CSP allows them): the one-time password is set in monospace on a tint
        assert page.locator("#one-time-password").evaluate("e => getComputedStyle(e).borderStyle") == "dashed"

        page.get_by_role("link", name="Tilbage til personale og erklæringer").click()
        row = page.locator("tr", has_text="kundeservice")
        assert row.get_by_text("Mangler").count() == 2
        page.get_by_role("button", name="Log ud").click()
        page.wait_for_url(f"{base}/login/")

        # the new staff member logs in and accepts both texts
        page.get_by_label("Brugernavn").fill("kundeservice")
        page.get_by_label("Adgangskode").fill(password)
        page.get_by_role("button", name="Log ind").click()
        # the password the controller was shown is replaced first: every page leads to the password page
        page.wait_for_url(f"{base}/staff/my-password/")
        assert page.get_by_role("alert").filter(has_text="Vælg din egen").is_visible()
        page.goto(f"{base}/staff/declarations/")
        page.wait_for_url(f"{base}/staff/my-password/")
        page.get_by_label("Nuværende adgangskode").fill(password)
        page.get_by_label("Ny adgangskode", exact=True).fill("kundeservice-egen-lang-kode-42")
        page.get_by_label("Ny adgangskode igen").fill("kundeservice-egen-lang-kode-42")
        page.get_by_role("button", name="Skift adgangskoden").click()
        page.wait_for_url(f"{base}/staff/declarations/")
        page.goto(f"{base}/")
        assert page.get_by_role("navigation").get_by_role("link", name="Personale").count() == 0
        page.goto(f"{base}/staff/declarations/")
        assert page.get_by_role("heading", name="Du har 2 tekster at læse og acceptere").is_visible()
        assert page.get_by_role("heading", name="Fortrolighedserklæring", level=2).is_visible()
        assert page.get_by_role(
            "heading", name="Vejledning om sikker behandling af personoplysninger"
        ).is_visible()

        confidentiality = page.get_by_role("article").filter(has_text="Fortrolighedserklæring")
        confidentiality.get_by_role("button", name="Jeg har læst og accepterer").click()
        page.wait_for_load_state()
        assert page.get_by_text("Tak. Din accept er registreret.").is_visible()
        assert page.get_by_role("heading", name="Du har 1 tekst at læse og acceptere").is_visible()
        page.get_by_role("button", name="Jeg har læst og accepterer").click()
        page.wait_for_load_state()
        assert page.get_by_text("Du har accepteret den nyeste version af alle tekster.").is_visible()

        user = services.active_staff("kundeservice")
        assert user is not None and gate.missing_acknowledgements(user) == []
        assert problems == []
        assert all(password not in url for url in visited)
    finally:
        context.close()
