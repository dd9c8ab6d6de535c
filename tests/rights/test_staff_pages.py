"""The staff pages for customers' requests: intake by any staff member, handling by the controller."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from persondata.core.requests import State
from persondata.rights.models import Request

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
    assert "2026-12-21" in page
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
    from persondata.rights.services import match_candidates

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
