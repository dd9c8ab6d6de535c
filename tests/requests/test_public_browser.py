"""End to end in a real headless Chromium: a customer reads the policy, sends an access request, gets the
confirmation e-mail (a real SMTP server on loopback) at the address on file, opens the link and confirms."""

from __future__ import annotations

from typing import Any

import pytest

from persondata.core.requests import State
from persondata.requests.models import Request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_sends_an_access_request_and_confirms_it_by_the_link_on_file(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    demo_customers: list[dict[str, Any]],
    smtp: Any,
    settings: Any,
) -> None:
    settings.PERSONDATA_PUBLIC_URL = live_server.url
    record = demo_customers[5]
    base = live_server.url
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    sent: list[tuple[str, str, dict[str, str]]] = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.headers)))
    try:
        # the policy, in Danish; English one click away, and back
        page.goto(f"{base}/privacy/")
        assert page.locator("html").get_attribute("lang") == "da"
        assert page.get_by_role("heading", level=1).inner_text() == "Persondatapolitik for kunder"
        page.get_by_role("link", name="English").click()
        page.wait_for_url(f"{base}/privacy/?lang=en")
        assert page.get_by_role("heading", level=1).inner_text() == "Privacy policy for customers"
        page.get_by_role("link", name="Dansk").click()
        page.wait_for_url(f"{base}/privacy/?lang=da")
        header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(31, 95, 91)"  # the stylesheets loaded under the CSP

        # to the form, next to the policy
        page.get_by_role("complementary").get_by_role("link", name="Send en henvendelse").click()
        page.wait_for_url(f"{base}/privacy/request/")
        assert (
            page.get_by_role("heading", level=1).inner_text()
            == "Send en henvendelse om dine personoplysninger"
        )
        honeypot = page.locator("#id_website").bounding_box()
        assert (
            honeypot is not None and honeypot["x"] + honeypot["width"] <= 0
        )  # out of sight, left of the page
        page.get_by_label("Se de oplysninger, vi har om dig").check()
        page.get_by_label("Dit navn").fill(record["name"])
        page.get_by_label("E-mail").fill(record["email"])
        page.get_by_role("button", name="Send henvendelsen").click()
        page.wait_for_url(f"{base}/privacy/request/thanks/")
        assert page.get_by_role("heading", level=1).inner_text() == "Tak – vi har modtaget din henvendelse"
        reference = page.locator("#reference").inner_text()
        req = Request.objects.get(reference=reference)
        assert page.get_by_text("den e-mailadresse, vi har registreret på dig").first.is_visible()

        # matched after the answer: the mail went to the address on file, and only there
        [msg] = smtp.messages
        req.refresh_from_db()
        assert req.kind == "access" and req.channel == "public" and req.state == State.AWAITING_IDENTITY
        assert str(msg["To"]).lower() == record["email"].lower()
        link = smtp.link_in(msg)
        assert link.startswith(f"{base}/privacy/confirm/")

        # the link shows a button; loading it confirmed nothing
        page.goto(link)
        assert page.get_by_role("heading", level=1).inner_text() == "Bekræft din henvendelse"
        req.refresh_from_db()
        assert req.state == State.AWAITING_IDENTITY
        page.get_by_role("button", name="Bekræft").click()
        page.wait_for_url(f"{base}/privacy/confirm/")
        assert page.get_by_role("heading", level=1).inner_text() == "Tak – din henvendelse er bekræftet"
        assert reference in page.locator("main").inner_text()
        req.refresh_from_db()
        assert req.state == State.IN_PROGRESS and req.identity_method == "email_link"

        assert problems == []  # nothing blocked by the CSP, nothing failed

        # the link works once (Chromium reports the 410 status in the console)
        response = page.goto(link)
        assert response is not None and response.status == 410
        assert page.get_by_role("heading", level=1).inner_text() == "Linket er allerede brugt"

        token = link.rstrip("/").rsplit("/", 1)[1]
        for method, url, headers in sent:
            assert record["email"] not in url and record["name"] not in url
            assert token not in headers.get("referer", "")  # the page with the token sends only our origin
            if url != link:
                assert token not in url, (method, url)
    finally:
        context.close()
