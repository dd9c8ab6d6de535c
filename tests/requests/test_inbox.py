"""The requests inbox: filters, pages, sorting, the search by reference, who handles a request, internal comments,
and the deadline badge — for whoever handles requests only."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.bench.inbox import measure, write_requests
from persondata.core import requests as rq
from persondata.core import sealing
from persondata.core.calendar import legal_date
from persondata.keys import ring
from persondata.requests import handling, services
from persondata.requests.inbox import PAGE_SIZE
from persondata.requests.models import Comment, Request

pytestmark = pytest.mark.django_db


def _today() -> date:
    return legal_date(timezone.now())


def make_request(kind: str = "access", state: str = "received", due_in: int = 20, **extra: Any) -> Request:
    """A request row as intake leaves it (no requester details: none are needed to list it)."""
    due = _today() + timedelta(days=due_in)
    received = due - timedelta(days=30)
    made = Request.objects.create(
        reference=rq.new_reference(),
        kind=kind,
        state=state,
        channel="staff",
        received_at=timezone.now() - timedelta(days=30 - due_in),
        received_on=received,
        due_on=due,
        closed_at=timezone.now() if state in ("answered", "refused", "withdrawn") else None,
        **extra,
    )
    ring.new_own_key(sealing.key_owner("request", made.id), services.KEY_CLASS, timezone.now())
    return made


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _references(html: str) -> list[str]:
    return re.findall(r">(PD-[0-9A-Z]{4}-[0-9A-Z]{4})</a>", html)


def test_filters_by_state_kind_days_and_handler(controller: Any, make_staff: Any) -> None:
    other = make_staff("second", ["controller"])
    soon = make_request("erasure", due_in=3)
    late = make_request("access", due_in=25)
    overdue = make_request("access", due_in=-4, assigned_to=other)
    closed = make_request("access", state="answered", due_in=-40)
    client = _client(controller)

    def shown(query: str) -> set[str]:
        response = client.get("/requests/" + query)
        assert response.status_code == 200
        return set(_references(response.content.decode()))

    assert shown("") == {soon.reference, late.reference, overdue.reference}  # open ones by default
    assert shown("?state=closed") == {closed.reference}
    assert shown("?state=all") == {soon.reference, late.reference, overdue.reference, closed.reference}
    assert shown("?kind=erasure") == {soon.reference}
    assert shown("?due_within=7") == {soon.reference, overdue.reference}  # the overdue ones are due too
    assert shown(f"?assignee={other.pk}") == {overdue.reference}
    assert shown("?assignee=none") == {soon.reference, late.reference}
    bad = client.get("/requests/?due_within=-3&state=nonsense")
    assert bad.status_code == 200 and "due_within" in bad.content.decode()  # the form says what is wrong


def test_pages_and_sorting(controller: Any) -> None:
    made = [make_request(due_in=d) for d in range(PAGE_SIZE + 5)]
    client = _client(controller)
    first = _references(client.get("/requests/").content.decode())
    second_page = client.get("/requests/?page=2").content.decode()
    second = _references(second_page)
    by_due = [r.reference for r in sorted(made, key=lambda r: r.due_on)]
    assert first == by_due[:PAGE_SIZE] and second == by_due[PAGE_SIZE:]
    assert 'rel="prev"' in second_page and "Side 2 af 2" in second_page
    newest_first = _references(client.get("/requests/?sort=-due").content.decode())
    assert newest_first == by_due[::-1][:PAGE_SIZE]
    by_reference = _references(client.get("/requests/?sort=reference&page=2").content.decode())
    assert by_reference == sorted(r.reference for r in made)[PAGE_SIZE:]
    # the sort link keeps the filters; the page does not carry anything but codes and ids
    page = client.get("/requests/?kind=access&sort=received").content.decode()
    assert "?kind=access&amp;sort=-received" in page


def test_overdue_requests_show_red_days_over_the_deadline(controller: Any) -> None:
    make_request(due_in=-4)
    make_request(due_in=3)
    client = _client(controller)
    english = client.get("/requests/", headers={"accept-language": "en"}).content.decode()
    assert '<span class="badge badge--overdue">4 days overdue</span>' in english
    assert '<span class="badge badge--due_soon">3 days left</span>' in english
    client.cookies["django_language"] = "da"
    danish = client.get("/requests/").content.decode()
    assert '<span class="badge badge--overdue">4 dage over fristen</span>' in danish
    dashboard = client.get("/").content.decode()
    assert "4 dage over fristen" in dashboard  # the same badge on the dashboard


def test_find_by_reference_is_a_post_and_redirects(controller: Any) -> None:
    req = make_request()
    client = _client(controller)
    loose = req.reference.lower().replace("-", " ")
    found = client.post("/requests/find/", {"reference": loose})
    assert found.status_code == 302 and found["Location"] == f"/requests/{req.id}/"
    wrong = client.post("/requests/find/", {"reference": "PD-AAAA-AAAA"})
    assert wrong.status_code == 400 and "PD-7K3F-9QXW" in wrong.content.decode()
    assert client.get("/requests/find/").status_code == 405  # never in a URL


def test_assigning_a_handler(controller: Any, make_staff: Any) -> None:
    second = make_staff("second", ["controller"])
    clerk = make_staff("clerk", ["customer_service"])
    req = make_request()
    client = _client(controller)
    page = client.get(f"/requests/{req.id}/").content.decode()
    assert f'<option value="{second.pk}">second</option>' in page
    assert f'value="{clerk.pk}"' not in page  # only holders of handle_requests can be chosen
    assert client.post(f"/requests/{req.id}/handler/", {"handler": str(second.pk)}).status_code == 302
    req.refresh_from_db()
    assert req.assigned_to_id == second.pk
    assert req.events.filter(event="handler_assigned").exists()
    refused = client.post(f"/requests/{req.id}/handler/", {"handler": str(clerk.pk)})
    assert refused.status_code == 400
    req.refresh_from_db()
    assert req.assigned_to_id == second.pk  # unchanged by the refused choice
    actor = Actor.for_user(controller, "rights_requests", "web")
    with transaction.atomic(), pytest.raises(services.RequestError):
        handling.assign_handler(actor, req, clerk.pk, now=timezone.now())
    assert client.post(f"/requests/{req.id}/handler/", {"handler": ""}).status_code == 302
    req.refresh_from_db()
    assert req.assigned_to_id is None


def test_comments_are_sealed_audited_without_content_and_dropped_at_purge(controller: Any) -> None:
    req = make_request(state="answered", due_in=-400)
    client = _client(controller)
    text = "Kunden ringede og bad om svar på engelsk"
    assert client.post(f"/requests/{req.id}/comment/", {"text": text}).status_code == 302
    comment = Comment.objects.get(request=req)
    assert text.encode() not in bytes(comment.blob)  # sealed under the request's key
    page = client.get(f"/requests/{req.id}/").content.decode()
    assert text in page and "controller" in page
    entry = AuditEntry.objects.filter(action="request.comment_added").get()
    assert text not in str(entry.details) and entry.details == {"comment": str(comment.id)}
    cpr = client.post(f"/requests/{req.id}/comment/", {"text": "Hans CPR er 010203-1234"})
    assert cpr.status_code == 400 and "010203-1234" not in cpr.content.decode()
    assert Comment.objects.filter(request=req).count() == 1
    empty = client.post(f"/requests/{req.id}/comment/", {"text": "  "})
    assert empty.status_code == 400
    Request.objects.filter(pk=req.pk).update(closed_at=timezone.now() - timedelta(days=3 * 366))
    assert services.purge_due(timezone.now()) == 1
    comment.refresh_from_db()
    assert comment.blob is None
    again = client.get(f"/requests/{req.id}/").content.decode()
    assert text not in again and "Fjernet efter opbevaringsperioden." in again


def test_only_those_who_handle_requests_see_the_inbox(make_staff: Any) -> None:
    req = make_request()
    clerk = _client(make_staff("clerk", ["customer_service"]))
    assert clerk.get("/requests/").status_code == 403
    assert clerk.post("/requests/find/", {"reference": req.reference}).status_code == 403
    assert clerk.post(f"/requests/{req.id}/comment/", {"text": "hello"}).status_code == 403
    assert clerk.post(f"/requests/{req.id}/handler/", {"handler": ""}).status_code == 403
    assert not Comment.objects.exists()


def test_the_inbox_bench_phase_short(controller: Any) -> None:
    """The bench's inbox phase at a small size (``persondata bench`` runs it with 10,000 requests)."""
    write_requests(300, controller.pk)
    assert Request.objects.count() == 300
    assert Request.objects.filter(assigned_to=controller).count() == 100
    times = measure(controller, runs=1)
    views = {"default", "deep_page", "by_reference", "due_7", "assigned", "all"}
    assert set(times) == views | {f"{v}_cpu" for v in views}
    assert all(ms > 0 for ms in times.values())
    page = _client(controller).get("/requests/?state=all&page=2").content.decode()
    assert len(_references(page)) == PAGE_SIZE
