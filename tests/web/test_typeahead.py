"""The type-ahead customer search and picker, and the customer page's panels: requests, deletion dates, access
history, "start a request for this customer"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from persondata.access.models import AccessLog
from persondata.core.vault import name_tokens
from persondata.register.services import SUGGEST_LIMIT, _number_completions
from persondata.requests.models import Request
from tests.requests.test_inbox import make_request
from tests.web.test_pages import customer_id, urls_in

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _suggested(client: Client, text: str, purpose: str = "") -> list[str]:
    response = client.post("/customers/suggest/", {"q": text, "purpose": purpose})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert all(text not in url for url in urls_in(html))  # what was typed never enters a link
    return re.findall(r'data-id="([0-9a-f-]{36})"', html)


def test_suggestions_by_name_word_and_by_the_start_of_a_customer_number(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    client = _client(controller)
    record = demo_customers[3]
    cid = str(customer_id(record["customer_number"]))
    word = max(name_tokens(record["name"]), key=len)
    assert cid in _suggested(client, word)
    if len(word) > 4 and word[:4] not in name_tokens(record["name"]):
        assert cid not in _suggested(client, word[:4])  # name words match whole: no prefix tokens exist
    number = record["customer_number"]
    assert cid in _suggested(client, number[:-1])  # one digit missing
    # two digits missing: all 20 demo numbers begin so; the first SUGGEST_LIMIT of them are shown
    two = client.post("/customers/suggest/", {"q": number[:-2]}).content.decode()
    shown = re.findall(r"· (K\d+)", two)
    assert len(shown) == SUGGEST_LIMIT and all(n.startswith(number[:-2]) for n in shown)
    assert _suggested(client, number[:-3]) == []  # no further: the prefix is bounded
    assert _suggested(client, number[:2]) == []  # fewer than three characters: nothing is asked
    before = AccessLog.objects.count()
    assert _suggested(client, record["email"]) == [cid]
    assert AccessLog.objects.count() == before + 1  # a suggestion shown is a read, logged (R9)
    assert client.get("/customers/suggest/", {"q": word}).status_code == 405  # never by GET
    assert client.post("/customers/suggest/", {"q": word, "purpose": "nonsense"}).status_code == 400


def test_number_completions_are_bounded() -> None:
    completions = _number_completions("k1000")
    assert len(completions) == 110 and completions[0] == "K10000" and completions[-1] == "K100099"
    assert _number_completions("Jensen") == [] and _number_completions("K10 00") == []


def test_a_role_without_customer_data_gets_no_suggestions(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    client = _client(make_staff("it", ["it_admin"]))
    word = max(name_tokens(demo_customers[0]["name"]), key=len)
    assert client.post("/customers/suggest/", {"q": word}).status_code == 403


def test_the_customer_page_shows_requests_deletion_dates_and_access_history(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Callable[..., Any]
) -> None:
    record = demo_customers[5]
    cid = customer_id(record["customer_number"])
    overdue = make_request(due_in=-4, customer_id=cid)
    client = _client(controller)
    html = client.get(f"/customers/{cid}/?purpose=rights_requests").content.decode()
    assert overdue.reference in html and "4 days overdue" in html
    assert 'id="customer-retention"' in html and "Contact data" in html
    assert 'id="customer-access-history"' in html and "1 read in all." in html  # this very view
    assert f'href="/requests/new/?customer={cid}"' in html

    form = client.get(f"/requests/new/?customer={cid}").content.decode()
    assert f'value="{cid}"' in form and "data-customer-picker" in form
    created = client.post(
        "/requests/new/",
        {"kind": "access", "received_via": "phone", "received_on": "2026-11-20", "language": "da",
         "name": record["name"], "customer": str(cid)},
    )  # fmt: skip
    assert created.status_code == 302
    made = Request.objects.exclude(pk=overdue.pk).get()
    assert made.customer_id == cid and made.match == "manual"

    clerk = _client(make_staff("clerk", ["customer_service"]))
    seen = clerk.get(f"/customers/{cid}/").content.decode()
    assert overdue.reference not in seen and 'id="customer-access-history"' not in seen
    assert "/requests/new/?customer=" not in seen
    assert "data-customer-picker" not in clerk.get(f"/requests/new/?customer={cid}").content.decode()
    assert escape(record["name"]) in seen  # the page itself still shows them what their purpose allows


def test_the_access_history_panel_counts_every_read_and_lists_the_latest_twenty(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    cid = customer_id(demo_customers[2]["customer_number"])
    client = _client(controller)
    for purpose in ["delivery"] * 21 + ["rights_requests"]:
        assert client.get(f"/customers/{cid}/?purpose={purpose}").status_code == 200
    html = client.get(f"/customers/{cid}/?purpose=customer_service").content.decode()
    assert "23 reads in all." in html  # this very view too
    panel = html.split('id="customer-access-history"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>.*?</tr>", panel)
    assert len(rows) == 20 and all(controller.username in row for row in rows)
    purposes = [re.findall(r"<td>(.*?)</td>", row)[2] for row in rows]
    assert purposes[0] != purposes[1] != purposes[2]  # newest first: this view, the rights request, delivery
    assert len(set(purposes[2:])) == 1
