"""The staff app's layout in a real headless Chromium, at 1366 × 768 and at a phone's width, checked by the
geometry and computed style of elements (not by comparing images): the menu on one line with the access log in
it, selects inside their cards, the overdue badge styled and in words, the forms styled, and the HTML letter shown
with its own styles under the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from persondata.access import gate
from persondata.access.staff import acknowledge, ensure_default_texts
from persondata.cli import demo_company
from persondata.jobs.outbox import wait_for_outbox
from persondata.requests.models import Document, Request
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
RED = "rgb(161, 42, 42)"  # --error


@pytest.fixture
def company(
    transactional_db: None, demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> Any:
    user = make_staff("dpo", ["controller"])
    with transaction.atomic():
        ensure_default_texts(NOW)
        for text in gate.missing_acknowledgements(user):
            acknowledge(user, text, NOW)
    demo_company.fill("dpo", 20, 7, NOW)
    return user


@pytest.fixture
def pages(browser: Any, live_server: Any, company: Any) -> Iterator[Callable[..., Any]]:
    """A logged-in page at a given size and language; every console error (a CSP refusal is one) is kept."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(viewport: dict[str, int], lang: str = "da") -> Any:
        context = browser.new_context(viewport=viewport, locale="da-DK" if lang == "da" else "en-GB")
        contexts.append(context)
        context.set_default_timeout(60_000)  # a shared, loaded machine
        # logged in (a session made by Django's test client: the login form has its own tests), and the language
        # as the header's Dansk / English buttons leave it, in Django's language cookie
        client = Client()
        client.force_login(company)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url},
            ]
        )
        page = context.new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{live_server.url}/")
        assert page.locator("html").get_attribute("lang") == lang and page.locator(".main-nav").is_visible()
        return page

    open_page.errors = errors  # type: ignore[attr-defined]
    yield open_page
    for context in contexts:
        context.close()


def _box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().toJSON()")


def _no_page_overflow(page: Any) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"


def test_the_menu_is_one_line_at_1366_and_has_the_access_log(pages: Any, live_server: Any) -> None:
    for lang in ("da", "en"):
        page = pages(DESKTOP, lang)
        tops = page.locator(".main-nav li").evaluate_all(
            "items => items.map(i => i.getBoundingClientRect().top)"
        )
        assert len(tops) >= 9 and len(set(tops)) == 1, (lang, tops)
        fits = page.locator(".main-nav").evaluate("n => [n.scrollWidth, n.clientWidth]")
        assert fits[0] <= fits[1], (lang, "the menu fits its row without scrolling", fits)
        assert page.locator(".main-nav a[href='/access-log/']").is_visible()
        _no_page_overflow(page)
    phone = pages(PHONE)
    _no_page_overflow(phone)
    assert phone.locator(".main-nav").evaluate("e => getComputedStyle(e).overflowX") == "auto"
    phone.locator(".main-nav a[href='/access-log/']").click()
    phone.wait_for_url(f"{live_server.url}/access-log/")
    assert phone.locator("h1").inner_text() == "Adgangslog"


def _overdue() -> Request:
    return Request.objects.get(kind="erasure")


def test_the_request_page_keeps_selects_in_their_cards_and_shows_the_overdue_badge(
    pages: Any, live_server: Any
) -> None:
    overdue = _overdue()
    waiting = Request.objects.get(state="awaiting_identity")
    for viewport in (DESKTOP, PHONE):
        page = pages(viewport)
        page.goto(f"{live_server.url}/requests/{waiting.id}/")  # the identity check's, the refusal's selects
        selects = page.locator(".card select")
        assert selects.count() >= 2
        for i in range(selects.count()):
            inside = selects.nth(i).evaluate(
                """s => { const a = s.getBoundingClientRect(), c = s.closest('.card').getBoundingClientRect();
                          return a.left >= c.left && a.right <= c.right; }"""
            )
            assert inside, (viewport, i, "a select runs out of its card")
        page.goto(f"{live_server.url}/requests/{overdue.id}/")
        badge = page.locator("#days-left")
        text = badge.inner_text()
        assert text.endswith("dage over fristen") and "-" not in text, text
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == RED
        assert badge.evaluate("e => getComputedStyle(e).borderRadius") != "0px"
        _no_page_overflow(page)
    english = pages(DESKTOP, "en")
    english.goto(f"{live_server.url}/requests/{overdue.id}/")
    assert english.locator("#days-left").inner_text().endswith("days overdue")


def _styled_field(page: Any, selector: str) -> None:
    field = page.locator(selector).first
    style = field.evaluate(
        "e => { const s = getComputedStyle(e); return [s.borderTopWidth, s.borderRadius, s.minHeight]; }"
    )
    assert style[:2] == ["1px", "6px"] and float(style[2].removesuffix("px")) >= 44, (selector, style)


def test_the_hold_webhook_and_filter_forms_are_styled(pages: Any, live_server: Any) -> None:
    page = pages(DESKTOP)
    page.goto(f"{live_server.url}/retention/")
    for name in ("customer", "reason", "ends_on"):
        _styled_field(page, f"form[action='/retention/holds/'] [name={name}]")
    assert (
        page.locator("form[action='/retention/holds/'] button").evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        == "rgb(31, 95, 91)"
    )
    page.goto(f"{live_server.url}/partners/")
    _styled_field(page, "form[action='/partners/endpoints/'] select")
    _styled_field(page, "form[action='/partners/endpoints/'] input[name=url]")
    page.goto(f"{live_server.url}/access-log/")
    _styled_field(page, "#access-log-filter select")
    _styled_field(page, "#access-log-filter input[type=date]")
    # the filters stand side by side at 1366 px, each label above its field
    tops = page.locator("#access-log-filter select, #access-log-filter input").evaluate_all(
        "fields => fields.map(f => Math.round(f.getBoundingClientRect().top))"
    )
    assert len(set(tops)) < len(tops), tops
    label, field = _box(page, "#access-log-filter label[for=id_purpose]"), _box(page, "#id_purpose")
    assert label["bottom"] <= field["top"] + 1
    _no_page_overflow(page)


def test_the_html_letter_shows_with_its_styles_under_the_csp(pages: Any, live_server: Any) -> None:
    wait_for_outbox()  # the demo's answered request: its letter is drawn after the commit
    letter = Document.objects.get(kind="letter", fmt="html", request__kind="access")
    page = pages(DESKTOP)
    response = page.goto(f"{live_server.url}/requests/{letter.request_id}/documents/{letter.id}/")
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'sha256-" in csp and "script-src" not in csp
    # the letter's own stylesheet applies: its header rule draws a 2 px line, its body has a measure
    assert page.locator("header").evaluate("e => getComputedStyle(e).borderBottomWidth") == "2px"
    assert page.locator("body").evaluate("e => getComputedStyle(e).maxWidth") != "none"
    assert not [e for e in pages.errors if "Content Security Policy" in e], pages.errors
