"""The requests API: register with any customer role's token, handle with the controller's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from persondata.api.tokens import create_token
from persondata.rights.models import Request
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _auth(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'test', NOW)}"}


def test_register_then_handle(demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any) -> None:
    client = Client()
    clerk = _auth(make_staff("clerk", ["customer_service"]))
    boss = _auth(controller)
    record = demo_customers[0]
    created = client.post(
        "/api/requests",
        {"kind": "portability", "email": record["email"], "language": "en"},
        content_type="application/json",
        **clerk,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["reference"].startswith("PD-") and body["match"] == "single" and body["state"] == "received"
    assert record["email"] not in created.content.decode()  # nothing of the requester echoed back
    rid = body["id"]
    assert client.get("/api/requests", **clerk).status_code == 403
    assert client.get(f"/api/requests/{rid}", **clerk).status_code == 403
    [listed] = client.get("/api/requests", **boss).json()
    assert listed["reference"] == body["reference"] and listed["days_left"] >= 28
    detail = client.get(f"/api/requests/{rid}", **boss).json()
    assert detail["requester"]["email"] == record["email"]
    bad = client.post(
        f"/api/requests/{rid}/verify", {"method": "guess"}, content_type="application/json", **boss
    )
    assert bad.status_code == 422 and bad.json()["fields"] == ["method"]
    ok = client.post(
        f"/api/requests/{rid}/verify", {"method": "known_contact"}, content_type="application/json", **boss
    )
    assert ok.status_code == 200 and ok.json()["state"] == "in_progress"
    ext = client.post(
        f"/api/requests/{rid}/extend", {"months": 3, "reasons": "x"}, content_type="application/json", **boss
    )
    assert ext.status_code == 422 and ext.json()["fields"] == ["months"]
    gone = client.post(f"/api/requests/{rid}/withdraw", **boss)
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    assert client.get("/api/requests/00000000-0000-7000-8000-000000000000", **boss).status_code == 404


def test_bad_registration_names_the_field_and_stores_nothing(controller: Any) -> None:
    client = Client()
    for payload, field in (
        ({"kind": "gossip", "name": "Test"}, "kind"),
        ({"kind": "access"}, "name"),
        ({"kind": "access", "name": "Test", "message": "cpr 010190-1234"}, "message"),
        ({"kind": "access", "name": "Test", "favourite": "x"}, "favourite"),
        ({"kind": "access", "name": "x" * 201}, "name"),
    ):
        response = client.post("/api/requests", payload, content_type="application/json", **_auth(controller))
        assert response.status_code == 422, payload
        assert response.json()["fields"] == [field], (payload, response.json())
        assert "010190" not in response.content.decode()
    assert not Request.objects.exists()
