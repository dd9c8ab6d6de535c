"""The staff pages for customers' requests: intake by any staff member, handling by the controller."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from persondata.core.requests import State
from persondata.requests.models import Request
from tests.requests.answering import print_letters

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _register(client: Client, record: dict[str, Any], kind: str = "access", **extra: str) -> Any:
    data = {
        "kind": kind,
        "received_via": "phone",
        "received_on": "2026-11-20",
        "language": "da",
        "name": record["name"],
        "customer_number": record["customer_number"],
        **extra,
    }
    return client.post("/requests/new/", data)


def test_the_controller_registers_and_handles_a_request(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    client = _client(controller)
    response = _register(client, demo_customers[0])
    assert response.status_code == 302
    req = Request.objects.get()
    assert response["Location"] == f"/requests/{req.id}/"
    assert req.received_on.isoformat() == "2026-11-20" and req.due_on.isoformat() == "2026-12-21"
    page = client.get(response["Location"]).content.decode()
    assert req.reference in page and demo_customers[0]["customer_number"] in page
    assert "21. december 2026" in page
    listing = client.get("/requests/").content.decode()
    assert req.reference in listing
    dashboard = client.get("/").content.decode()
    assert req.reference in dashboard and "/requests/" in dashboard
    assert demo_customers[0]["name"] not in dashboard  # the dashboard shows references, never the requester

    bad = client.post(f"/requests/{req.id}/verify/", {"method": "telepathy"})
    assert bad.status_code == 400
    ok = client.post(f"/requests/{req.id}/verify/", {"method": "phone_callback", "note": ""})
    assert ok.status_code == 302
    req.refresh_from_db()
    assert req.state == State.IN_PROGRESS and req.identity_method == "phone_callback"

    short = client.post(f"/requests/{req.id}/extend/", {"months": "2", "reasons": ""})
    assert short.status_code == 400 and "reasons" in short.content.decode()
    client.post(f"/requests/{req.id}/extend/", {"months": "2", "reasons": "Many records in archives."})
    req.refresh_from_db()
    assert req.extension_months == 2 and req.due_on.isoformat() == "2027-02-22"
    client.post(f"/requests/{req.id}/withdraw/")
    req.refresh_from_db()
    assert req.state == State.WITHDRAWN
    again = client.post(f"/requests/{req.id}/start/")
    assert again.status_code == 400


@pytest.mark.django_db(transaction=True)  # the e-mail is sent when the transaction commits
def test_a_confirmation_e_mail_from_the_request_page(
    demo_customers: list[dict[str, Any]], controller: Any, smtp: Any
) -> None:
    client = _client(controller)
    _register(client, demo_customers[1])
    req = Request.objects.get()
    assert client.post(f"/requests/{req.id}/confirmation/").status_code == 302
    [msg] = smtp.messages
    assert demo_customers[1]["email"].lower() in str(msg["To"]).lower()
    assert req.reference in str(msg["Subject"])


def test_an_ambiguous_request_is_settled_by_choosing_the_customer(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    from persondata.requests.intake import match_candidates

    client = _client(controller)
    a, b = demo_customers[2], demo_customers[3]
    _register(client, a, email=b["email"])
    req = Request.objects.get()
    assert req.match == "ambiguous" and req.customer_id is None
    page = client.get(f"/requests/{req.id}/").content.decode()
    assert "more than one customer" in page or "mere end én kunde" in page
    [target] = match_candidates({"customer_number": a["customer_number"]}).ids
    assert client.post(f"/requests/{req.id}/assign/", {"customer": str(target)}).status_code == 302
    req.refresh_from_db()
    assert req.customer_id == target and req.match == "manual"


def test_customer_service_registers_but_does_not_handle(
    demo_customers: list[dict[str, Any]], make_staff: Any
) -> None:
    client = _client(make_staff("clerk", ["customer_service"]))
    response = _register(client, demo_customers[0])
    assert response.status_code == 200
    req = Request.objects.get()
    assert req.reference in response.content.decode()
    for url in ("/requests/", f"/requests/{req.id}/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/requests/{req.id}/withdraw/").status_code == 403
    assert Request.objects.get().state == State.RECEIVED


def test_it_administration_cannot_register_requests(make_staff: Any) -> None:
    client = _client(make_staff("it", ["it_admin"]))
    assert client.get("/requests/new/").status_code == 403


def test_bad_intake_names_the_field_and_stores_nothing(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    client = _client(controller)
    response = _register(client, demo_customers[0], message="cpr 010190-1234")
    assert response.status_code == 400
    body = response.content.decode()
    assert "010190-1234" not in body and "field--error" in body
    assert not Request.objects.exists()


def _verified(client: Client, record: dict[str, Any], kind: str) -> Request:
    _register(client, record, kind)
    req = Request.objects.get(kind=kind)
    assert client.post(f"/requests/{req.id}/verify/", {"method": "phone_callback"}).status_code == 302
    return req


def test_an_access_answer_from_the_request_page(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    client = _client(controller)
    record = next(r for r in demo_customers if r["orders"] and r["invoices"])
    req = _verified(client, record, "access")
    assert client.post(f"/requests/{req.id}/answer/").status_code == 302
    req.refresh_from_db()
    assert req.state == State.ANSWERED
    page = client.get(f"/requests/{req.id}/").content.decode()
    assert "Brevets PDF bliver lavet" in page  # printed after the commit
    assert print_letters() == 1  # what the kick does once the page's transaction commits (a test never does)
    page = client.get(f"/requests/{req.id}/").content.decode()
    assert "Brevets PDF bliver lavet" not in page
    docs = list(req.documents.order_by("created_at"))
    assert {d.fmt for d in docs} >= {"html", "pdf", "json", "csv"}
    for d in docs:
        assert f"/requests/{req.id}/documents/{d.id}/" in page
    pdf = next(d for d in docs if d.fmt == "pdf")
    response = client.get(f"/requests/{req.id}/documents/{pdf.id}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and record["email"] not in response["Content-Disposition"]
    data = next(d for d in docs if d.kind.endswith("json") or d.fmt == "json")
    body = client.get(f"/requests/{req.id}/documents/{data.id}/").content.decode()
    assert record["email"] in body and record["customer_number"] in body
    other = next(r for r in demo_customers if r["customer_number"] != record["customer_number"])
    assert other["customer_number"] not in body


def test_erasure_needs_the_confirmation_box(demo_customers: list[dict[str, Any]], controller: Any) -> None:
    client = _client(controller)
    record = demo_customers[4]
    req = _verified(client, record, "erasure")
    assert client.post(f"/requests/{req.id}/answer/", {}).status_code == 400
    req.refresh_from_db()
    assert req.state == State.IN_PROGRESS
    assert client.post(f"/requests/{req.id}/answer/", {"confirm": "on"}).status_code == 302
    req.refresh_from_db()
    assert req.state == State.ANSWERED and req.outcome


def test_rectification_restricted_while_checked(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    from persondata.register.models import Restriction

    client = _client(controller)
    record = demo_customers[5]
    req = _verified(client, record, "rectification")
    assert client.post(f"/requests/{req.id}/restrict/").status_code == 302
    assert Restriction.objects.filter(customer_id=req.customer_id, lifted_at__isnull=True).exists()
    bad = client.post(f"/requests/{req.id}/answer/", {"email": "not-an-address", "city": "Aarhus"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "not-an-address" not in body and 'value="Aarhus"' in body
    ok = client.post(f"/requests/{req.id}/answer/", {"email": "new.address@example.dk"})
    assert ok.status_code == 302
    req.refresh_from_db()
    assert req.state == State.ANSWERED
    # the letter told the customer; the restriction for the check is lifted with it (Art. 18(3))
    assert not Restriction.objects.filter(customer_id=req.customer_id, lifted_at__isnull=True).exists()


def test_a_restriction_is_lifted_only_after_the_notice(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    from persondata.register.models import Restriction

    client = _client(controller)
    req = _verified(client, demo_customers[6], "restriction")
    assert client.post(f"/requests/{req.id}/answer/", {"reason": "legal_claims"}).status_code == 302
    req.refresh_from_db()
    assert req.state == State.ANSWERED
    assert Restriction.objects.filter(customer_id=req.customer_id, lifted_at__isnull=True).exists()
    assert client.post(f"/requests/{req.id}/lift/").status_code == 400  # the customer has not been told
    today = timezone.localdate().isoformat()
    notice = client.post(
        f"/requests/{req.id}/lift-notice/", {"lift_on": today, "reasons": "The claim is settled."}
    )
    assert notice.status_code == 302
    assert client.post(f"/requests/{req.id}/lift/").status_code == 302  # told: before its letter is drawn
    assert print_letters() == 2  # the answer's letter and the notice
    assert req.documents.filter(kind="lift_notice").count() == 2  # HTML and PDF
    assert not Restriction.objects.filter(customer_id=req.customer_id, lifted_at__isnull=True).exists()


def test_reading_the_requesters_details_is_in_the_customers_access_log(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    from persondata.access.models import AccessLog

    client = _client(controller)
    _register(client, demo_customers[7])
    req = Request.objects.get()
    before = AccessLog.objects.filter(customer_id=req.customer_id).count()
    assert demo_customers[7]["customer_number"] in client.get(f"/requests/{req.id}/").content.decode()
    entry = AccessLog.objects.filter(customer_id=req.customer_id).order_by("-at", "-id").first()
    assert AccessLog.objects.filter(customer_id=req.customer_id).count() == before + 1
    assert entry is not None and entry.purpose == "rights_requests" and entry.categories == "contact"


def test_the_customer_link_on_a_request_reads_the_customer_for_the_request(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    """The controller follows the link for the request, so the read is logged under rights_requests — never under
    the customer page's first purpose (delivery), which the customer would then see in their access history."""
    import re

    from persondata.access.models import AccessLog

    client = _client(controller)
    _register(client, demo_customers[8])
    req = Request.objects.get()
    detail = client.get(f"/requests/{req.id}/").content.decode()
    [link] = re.findall(rf'href="(/customers/{req.customer_id}/[^"]*)"', detail)
    assert client.get(link.replace("&amp;", "&")).status_code == 200
    entry = AccessLog.objects.filter(customer_id=req.customer_id).order_by("-at", "-id").first()
    assert entry is not None and entry.purpose == "rights_requests"


def test_no_data_held_is_confirmed_from_the_request_page(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any
) -> None:
    from persondata.audit.models import AuditEntry

    client = _client(controller)
    nobody = {"name": "Ingen Kunde", "customer_number": "", "email": "ingen.kunde@example.dk"}
    assert _register(client, nobody).status_code == 302
    req = Request.objects.get()
    assert req.customer_id is None and req.state == State.RECEIVED
    for language, title, button in (
        ("da", "Ingen oplysninger — bekræft", "Bekræft, at vi ingen oplysninger har"),
        ("en", "No data held — confirm", "Confirm that we hold no data"),
    ):
        page = client.get(f"/requests/{req.id}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert title in page and button in page
        assert f'action="/requests/{req.id}/no-data/"' in page
        assert 'value="no_data"' not in page  # no longer offered as a ground of refusal
    # the ground is refused by the form, and nothing happens
    refused = client.post(f"/requests/{req.id}/refuse/", {"ground": "no_data", "reasons": "x" * 40})
    assert refused.status_code == 400 and "ground" in refused.content.decode()
    # a POST needs the CSRF token, like every other step
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(controller)
    assert strict.post(f"/requests/{req.id}/no-data/").status_code == 403
    # handle_requests is needed: a clerk is refused, and the refusal is audited
    clerk = _client(make_staff("clerk", ["customer_service"]))
    before = AuditEntry.objects.filter(action="access.refused").count()
    assert clerk.post(f"/requests/{req.id}/no-data/").status_code == 403
    assert AuditEntry.objects.filter(action="access.refused").count() == before + 1
    req.refresh_from_db()
    assert req.state == State.RECEIVED and not req.documents.exists()

    assert client.get(f"/requests/{req.id}/no-data/").status_code == 405
    done = client.post(f"/requests/{req.id}/no-data/")
    assert done.status_code == 302 and done["Location"] == f"/requests/{req.id}/"
    req.refresh_from_db()
    assert req.state == State.ANSWERED and req.outcome == {"no_data": True, "documents": 2}
    assert req.refusal_ground == ""
    assert [e.event for e in req.events.all()][-1] == "confirm_no_data"
    assert print_letters() == 1
    assert sorted(d.fmt for d in req.documents.all()) == ["html", "pdf"]
    assert [(e.event, e.actor) for e in req.events.all()][-1] == ("document", "job")  # the PDF, printed after
    page = client.get(f"/requests/{req.id}/").content.decode()
    assert f"/requests/{req.id}/no-data/" not in page  # closed: no more steps
    again = client.post(f"/requests/{req.id}/no-data/")
    assert again.status_code == 400 and "er lukket" in again.content.decode()  # in the page's Danish


def test_no_data_cannot_be_confirmed_for_a_matched_customer_on_the_page(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    client = _client(controller)
    _register(client, demo_customers[0])
    req = Request.objects.get()
    assert req.customer_id is not None
    assert f"/requests/{req.id}/no-data/" not in client.get(f"/requests/{req.id}/").content.decode()
    refused = client.post(f"/requests/{req.id}/no-data/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "matched to a customer" in refused.content.decode()
    req.refresh_from_db()
    assert req.state == State.RECEIVED and not req.documents.exists()
