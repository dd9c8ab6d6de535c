"""Every staff page in Danish and in English, as every role of the policy file, with no raw key, no English on a
Danish page and no ISO date (issue 15: "a staff app that speaks Danish throughout").

The demo company (``persondata.cli.demo_company.fill``: requests open, overdue, answered, a legal hold, a partner
notice, agreements, a breach, an IT system) gives the pages something to show. Each role's login has accepted the
declarations, so customer data shows. The crawl starts at the overview and follows every link of every page it
reaches (same site, HTML answers), and adds every URL of the URL map whose ids the demo data can fill. What a page
must not show is in :mod:`tests.web.crawl`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from persondata import runtime
from persondata.access import gate
from persondata.access.staff import acknowledge, ensure_default_texts
from persondata.cli import demo_company
from persondata.governance.models import Breach, Control, PolicyVersion
from persondata.partners.models import PartnerNotice
from persondata.register.models import Customer
from persondata.requests.models import Document, Request, RequestEvent
from persondata.retention.models import LegalHold
from tests.authz.test_permissions import _web_patterns
from tests.conftest import NOW
from tests.web.crawl import english_msgids, problems, raw_keys

# the words of pages: alike on every database (run once, in the SQLite job)
pytestmark = [pytest.mark.django_db, pytest.mark.any_database]

#: pages that are files or actions, not pages for a person to read here
NOT_PAGES = re.compile(
    r"\.(?:pdf|csv|json|svg|md|txt)$|/documents/|/attachments/|/i18n/|/logout/|^/api/|/static/"
)


def _ids() -> dict[str, list[Any]]:
    """What the demo data can fill each URL parameter with."""
    return {
        "request_id": list(Request.objects.values_list("id", flat=True)),
        "customer_id": list(Customer.objects.values_list("id", flat=True)[:2]),
        "hold_id": list(LegalHold.objects.values_list("id", flat=True)),
        "breach_id": list(Breach.objects.values_list("id", flat=True)),
        "control_id": list(Control.objects.values_list("id", flat=True)),
        "notice_id": list(PartnerNotice.objects.values_list("id", flat=True)),
        "document_id": list(Document.objects.values_list("id", flat=True)[:1]),
        "partner_key": [p.key for p in runtime.policy().partners],
        "key": ["erp"],
        "number": list(PolicyVersion.objects.values_list("number", flat=True)),
        "kind": ["declaration", "guidance"],
        "lang": ["da"],
        "fmt": ["html"],
    }


def _mapped_urls() -> list[str]:
    ids = _ids()
    urls: list[str] = []
    for name, pattern in _web_patterns(get_resolver().url_patterns):
        params = list(pattern.pattern.converters) or re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        if any(not ids.get(p) for p in params):
            continue
        try:
            urls.append(reverse(name, kwargs={p: ids[p][0] for p in params}))
        except NoReverseMatch:
            continue
    return urls


def _crawl(client: Client, start: list[str], lang: str) -> dict[str, str]:
    """url → HTML of every page reached from ``start`` by following links, all in ``lang`` (a link that switches
    the language, such as the public pages' ``?lang=en``, is not followed, nor a document in the other one)."""
    seen: set[str] = set()
    pages: dict[str, str] = {}
    queue = deque(start)
    while queue:
        url = queue.popleft()
        path, query = urlsplit(url).path, urlsplit(url).query
        own = re.search(r"\.(da|en)\.\w+$", path)  # a document in a chosen language: read in that language
        if url in seen or NOT_PAGES.search(path) or "lang=" in query or (own and own[1] != lang):
            continue
        seen.add(url)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        assert f'<html lang="{lang}"' in html, (url, lang)
        pages[url] = html
        for href in re.findall(r'<a\s[^>]*href="([^"#]*)', html):
            target = urljoin(url, href.replace("&amp;", "&"))
            if target.startswith("/") and not target.startswith("//"):
                queue.append(target)
    return pages


@pytest.fixture
def demo_company_pages(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> dict[str, Any]:
    """A login per role of the policy file (declarations accepted), and the demo company's records."""
    users = {role: make_staff(f"crawl-{role.replace('_', '-')}", [role]) for role in runtime.policy().roles}
    with transaction.atomic():
        ensure_default_texts(NOW)
        for user in users.values():
            for text in gate.missing_acknowledgements(user):
                acknowledge(user, text, NOW)
    demo_company.fill(users["controller"].get_username(), 20, 7, NOW)
    assert Request.objects.count() == 5 and LegalHold.objects.exists() and Breach.objects.exists()
    # one request came through the public form and its requester followed the e-mailed link (as confirm() records)
    waiting = Request.objects.get(state="awaiting_identity")
    Request.objects.filter(pk=waiting.pk).update(
        channel="public", identity_method="email_link", identity_verified_at=NOW
    )
    RequestEvent.objects.create(
        request=waiting, at=NOW, event="identity_confirmed", from_state="awaiting_identity",
        to_state="awaiting_identity", actor="customer", details={},
    )  # fmt: skip
    return users


def test_every_page_in_both_languages_for_every_role_shows_no_raw_key_nor_english_on_a_danish_page(
    demo_company_pages: dict[str, Any],
) -> None:
    keys, msgids = raw_keys(), english_msgids()
    start = [reverse("dashboard"), *_mapped_urls()]
    found: list[str] = []
    crawled = 0
    for role, user in demo_company_pages.items():
        for lang in ("da", "en"):
            client = Client()
            client.force_login(user)
            pages = _crawl(client, start, lang)
            crawled += len(pages)
            for url, html in pages.items():
                found += [f"{role} {lang} {url}: {p}" for p in problems(html, lang, keys, msgids)]
    for lang in ("da", "en"):  # and what anyone sees: the login page and the customers' public pages
        pages = _crawl(Client(), [reverse("login"), reverse("public:policy")], lang)
        assert len(pages) >= 4, sorted(pages)
        found += [
            f"anonymous {lang} {url}: {p}"
            for url, html in pages.items()
            for p in problems(html, lang, keys, msgids)
        ]
    assert crawled > 40, "the crawl reached the pages"
    assert not found, f"{len(found)} problems:\n" + "\n".join(sorted(set(found)))


def test_the_detector_catches_what_it_must() -> None:
    keys, msgids = raw_keys(), english_msgids()
    page = (
        "<p><span>order_history</span> <b>invoicing</b> received · staff:1 (single) Se docs/partners.md "
        "RULES R19 letter (html, da) 2026-11-25</p><p>Access log</p><p title='Show the history'>x</p>"
    )
    found = "\n".join(problems(page, "da", keys, msgids))
    for expected in ("order_history", "raw key: 'invoicing'", "staff:1", "(single)", "docs/partners.md", "RULES R19",
                     "(html, da)", "2026-11-25", "untranslated 'Access log'", "English word 'the'"):  # fmt: skip
        assert expected in found, (expected, found)
    assert problems("<p>Adgangslog · 25. november 2026 · Ordrehistorik</p>", "da", keys, msgids) == []
    assert problems("<p>Access log · 25 November 2026 · Order history</p>", "en", keys, msgids) == []
