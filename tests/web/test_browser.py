"""End to end in a real headless Chromium: log in, find a customer by e-mail, open their page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from persondata.access.models import AccessLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_search_by_email_and_open_the_customer(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    make_staff: Callable[..., Any],
    demo_customers: list[dict[str, Any]],
) -> None:
    make_staff("kundeservice", ["customer_service"])
    record = next(r for r in demo_customers if r["orders"] and r["invoices"] and r["payments"])
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    try:
        page.goto(f"{live_server.url}/")
        assert page.url.startswith(f"{live_server.url}/login/")
        assert page.locator("html").get_attribute("lang") == "da"
        page.get_by_label("Brugernavn").fill("kundeservice")
        page.get_by_label("Adgangskode").fill("a-long-test-password")
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{live_server.url}/")
        assert page.get_by_role("heading", name="Overblik").is_visible()

        page.get_by_role("navigation").get_by_role("link", name="Find en kunde").click()
        page.get_by_label("Navn, e-mail, telefon eller kundenummer").fill(record["email"])
        page.get_by_role("button", name="Søg").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="1 kunde fundet").is_visible()
        assert record["email"] not in page.url

        page.get_by_role("link", name=record["name"]).click()
        page.wait_for_url(re.compile(r".*/customers/[0-9a-f-]{36}/\?purpose=delivery$"))
        assert page.get_by_role("heading", level=1).inner_text() == record["name"]
        order = record["orders"][0]["order_number"]
        assert page.get_by_role("heading", name=f"Ordre {order}").is_visible()
        assert page.get_by_text("Du ser oplysningerne til formålet:").is_visible()
        # need to know (policy §12): customer service sees contact data and orders, never payment information
        assert page.get_by_text(record["email"]).first.is_visible()
        html = page.content()
        assert record["invoices"][0]["invoice_number"] not in html
        assert all(p["payment_ref"] not in html for p in record["payments"])
        assert all(not p["reference"] or p["reference"] not in html for p in record["payments"])

        # the stylesheet loaded (the CSP allows it), and nothing was blocked or failed
        header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(31, 95, 91)"
        assert problems == []
        assert all(record["email"] not in url and record["phone"] not in url for url in visited)
        # every read logged, no more: the search's hit, each time the browser fetched the customer's page, and
        # the typeahead's suggestion for the address typed, if it asked before the search was sent (timing)
        fetched = [u for u in visited if re.search(r"/customers/[0-9a-f-]{36}/\?purpose=", u)]
        suggested = [u for u in visited if "/customers/suggest/" in u]
        logged = AccessLog.objects.filter(channel="web").count()
        assert fetched and logged == 1 + len(fetched) + len(suggested), (logged, visited)
    finally:
        context.close()
