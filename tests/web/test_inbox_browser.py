"""In a real headless Chromium: the requests inbox (red overdue badge, a filter) and the type-ahead customer search
and picker — under the app's CSP, with no console error, and nothing typed in any URL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from persondata.core.vault import name_tokens
from tests.requests.test_inbox import make_request
from tests.web.test_pages import customer_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inbox_and_the_type_ahead(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    controller: Any,
    demo_customers: list[dict[str, Any]],
) -> None:
    overdue = make_request("access", due_in=-4)
    erasure = make_request("erasure", due_in=10)
    record = demo_customers[2]
    cid = str(customer_id(record["customer_number"]))
    word = max(name_tokens(record["name"]), key=len)
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Brugernavn").fill("controller")
        page.get_by_label("Adgangskode").fill("a-long-test-password")
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/requests/")
        badge = page.locator("#inbox .badge--overdue")
        assert badge.inner_text() == "4 dage over fristen"
        assert (
            badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(161, 42, 42)"
        )  # red, app.css
        page.locator("#id_kind").select_option("erasure")
        page.get_by_role("button", name="Vis").click()
        page.wait_for_url(re.compile(r".*/requests/\?.*kind=erasure.*"))
        rows = page.locator("#inbox tbody tr")
        assert rows.count() == 1 and erasure.reference in rows.inner_text()
        assert overdue.reference not in page.content()

        page.goto(f"{live_server.url}/customers/")
        page.locator("#id_query").press_sequentially(word, delay=30)
        suggestion = page.locator(f'.suggestions a[data-id="{cid}"]')
        suggestion.wait_for()
        suggestion.click()
        page.wait_for_url(re.compile(rf".*/customers/{cid}/\?purpose=.*"))
        assert page.get_by_role("heading", level=1).inner_text() == record["name"]

        page.goto(f"{live_server.url}/requests/new/")
        page.locator(".picker-search").press_sequentially(record["customer_number"], delay=30)
        picked = page.locator(f'.suggestions a[data-id="{cid}"]')
        picked.wait_for()
        picked.click()
        assert page.locator("#id_customer").input_value() == cid
        assert record["customer_number"] in page.locator(".picker-chosen").inner_text()

        assert problems == []  # no CSP violation, no script error
        typed = (word, record["customer_number"], record["name"])
        assert not [u for u in visited if any(t.lower() in u.lower() for t in typed)]
    finally:
        context.close()
