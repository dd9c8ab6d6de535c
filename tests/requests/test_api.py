"""The requests API: register with any customer role's token, handle with the controller's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from persondata.access.models import AccessLog
from persondata.api.tokens import create_token
from persondata.requests.models import Request
from tests.conftest import NOW
from tests.requests.answering import print_letters

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
    assert body["reference"].startswith("PD-") and body["state"] == "received"
    assert body["match"] is None and body["customer_id"] is None  # the clerk does not handle requests
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
    ext = client.post(
        f"/api/requests/{rid}/extend",
        {"months": 1, "reasons": "Archive search."},
        content_type="application/json",
        **boss,
    )
    assert ext.status_code == 200 and ext.json()["extension_months"] == 1
    assert client.get(f"/api/requests/{rid}", **boss).json()["printing"] is True
    assert print_letters() == 1  # as after the commit
    letters = client.get(f"/api/requests/{rid}", **boss).json()["documents"]
    assert [d["kind"] for d in letters] == ["extension_letter", "extension_letter"]
    gone = client.post(f"/api/requests/{rid}/withdraw", **boss)
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    assert client.get("/api/requests/00000000-0000-7000-8000-000000000000", **boss).status_code == 404


CLOSED_STEPS = {  # every step on a request, with a body that is valid for it
    "verify": {"method": "known_contact"},
    "extend": {"months": 1, "reasons": "Archive search."},
    "refuse": {"ground": "unfounded", "reasons": "The same request for the fourth time this month."},
    "withdraw": None,
    "no-data": None,
    "answer": {},
}


def test_a_step_on_a_closed_request_is_a_conflict(controller: Any) -> None:
    """A closed request cannot change: a valid step on it is the documented 409 naming the state, not a 422."""
    client = Client()
    boss = _auth(controller)
    rid = client.post(
        "/api/requests",
        {"kind": "access", "name": "Ingen Kunde", "language": "en"},
        content_type="application/json",
        **boss,
    ).json()["id"]
    assert client.post(f"/api/requests/{rid}/withdraw", **boss).status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    for step, body in CLOSED_STEPS.items():
        again = client.post(f"/api/requests/{rid}/{step}", body, content_type="application/json", **boss)
        assert again.status_code == 409, (step, again.content)
        answer = again.json()  # the documented shape; the sentence in the app's language (Danish)
        assert set(answer) == {"detail", "code"} and answer["code"] == "conflict", answer
        assert (
            answer["detail"].startswith("state: ")
            and "lukket henvendelse kan ikke ændres" in answer["detail"]
        )
        assert "409" in paths[f"/api/requests/{{request_id}}/{step}"]["post"]["responses"], step
    assert Request.objects.get(pk=rid).state == "withdrawn"


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


def test_answer_through_the_api_and_download_the_files(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any
) -> None:
    client = Client()
    boss = _auth(controller)
    record = demo_customers[2]
    rid = client.post(
        "/api/requests",
        {"kind": "rectification", "email": record["email"]},
        content_type="application/json",
        **boss,
    ).json()["id"]
    early = client.post(
        f"/api/requests/{rid}/answer",
        {"changes": {"city": "Odense C"}},
        content_type="application/json",
        **boss,
    )
    assert early.status_code == 422 and "identity" in early.json()["detail"]
    client.post(
        f"/api/requests/{rid}/verify", {"method": "known_contact"}, content_type="application/json", **boss
    )
    bad = client.post(
        f"/api/requests/{rid}/answer", {"changes": {"email": "nope"}}, content_type="application/json", **boss
    )
    assert (
        bad.status_code == 422
        and bad.json()["fields"] == ["changes.email"]
        and "nope" not in bad.content.decode()
    )
    ok = client.post(
        f"/api/requests/{rid}/answer",
        {"changes": {"city": "Odense C"}},
        content_type="application/json",
        **boss,
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["state"] == "answered" and len(body["partners_told"]) >= 1
    # the answer returns before its letter is drawn; HTML and PDF follow after the commit
    assert body["printing"] is True and [d["format"] for d in body["documents"]] == []
    assert print_letters() == 1
    body = client.get(f"/api/requests/{rid}", **boss).json()
    assert body["printing"] is False
    pdf = next(d for d in body["documents"] if d["format"] == "pdf")
    clerk = _auth(make_staff("clerk", ["customer_service"]))
    assert client.get(f"/api/requests/{rid}/documents/{pdf['id']}", **clerk).status_code == 403
    download = client.get(f"/api/requests/{rid}/documents/{pdf['id']}", **boss)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert (
        download["Content-Type"] == "application/pdf"
        and record["email"] not in download["Content-Disposition"]
    )
    import hashlib

    assert hashlib.sha256(download.content).hexdigest() == pdf["sha256"]


def test_an_erasure_through_the_api_must_be_confirmed(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    client = Client()
    boss = _auth(controller)
    rid = client.post(
        "/api/requests",
        {"kind": "erasure", "email": demo_customers[3]["email"]},
        content_type="application/json",
        **boss,
    ).json()["id"]
    client.post(
        f"/api/requests/{rid}/verify", {"method": "known_contact"}, content_type="application/json", **boss
    )
    refused = client.post(f"/api/requests/{rid}/answer", {}, content_type="application/json", **boss)
    assert refused.status_code == 422 and refused.json()["fields"] == ["confirm_erasure"]
    done = client.post(
        f"/api/requests/{rid}/answer", {"confirm_erasure": True}, content_type="application/json", **boss
    )
    assert done.status_code == 200 and done.json()["state"] == "answered"


def test_no_data_held_is_confirmed_through_the_api(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any
) -> None:
    from persondata.audit.models import AuditEntry

    client = Client()
    boss = _auth(controller)
    clerk = _auth(make_staff("clerk", ["customer_service"]))
    rid = client.post(
        "/api/requests",
        {"kind": "access", "name": "Ingen Kunde", "email": "ingen.kunde@example.dk", "language": "en"},
        content_type="application/json",
        **clerk,
    ).json()["id"]
    # holding no data is not a refusal: the ground is not accepted
    refused = client.post(
        f"/api/requests/{rid}/refuse",
        {"ground": "no_data", "reasons": "We searched every system and found nothing."},
        content_type="application/json",
        **boss,
    )
    assert refused.status_code == 422 and refused.json()["fields"] == ["ground"]
    before = AuditEntry.objects.filter(action="access.refused").count()
    denied = client.post(f"/api/requests/{rid}/no-data", **clerk)
    assert denied.status_code == 403 and denied.json()["code"] == "access_denied"
    assert "handle_requests" in denied.json()["detail"]
    assert AuditEntry.objects.filter(action="access.refused").count() == before + 1
    assert client.post(f"/api/requests/{rid}/no-data").status_code == 401
    assert Request.objects.get(pk=rid).state == "received"
    ok = client.post(f"/api/requests/{rid}/no-data", **boss)
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["state"] == "answered" and body["customer_id"] is None
    assert body["documents"] == [] and body["printing"] is True
    assert print_letters() == 1
    body = client.get(f"/api/requests/{rid}", **boss).json()
    assert sorted(d["format"] for d in body["documents"]) == ["html", "pdf"] and not body["printing"]
    assert Request.objects.get(pk=rid).outcome == {"no_data": True, "documents": 2}
    again = client.post(f"/api/requests/{rid}/no-data", **boss)
    assert again.status_code == 409 and again.json()["code"] == "conflict", again.content
    unknown = "00000000-0000-7000-8000-000000000000"
    assert client.post(f"/api/requests/{unknown}/no-data", **boss).status_code == 404

    matched = client.post(
        "/api/requests",
        {"kind": "access", "email": demo_customers[0]["email"]},
        content_type="application/json",
        **boss,
    ).json()
    assert matched["match"] == "single"
    wrong = client.post(f"/api/requests/{matched['id']}/no-data", **boss)
    assert wrong.status_code == 422 and wrong.json()["fields"] == ["customer"]
    assert Request.objects.get(pk=matched["id"]).state == "received"


def test_no_data_is_documented_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/requests/{request_id}/no-data"]["post"]
    assert operation["operationId"].endswith("no_data_request") and "Art. 15(1)" in operation["description"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert "requestBody" not in operation
    ground = schema["components"]["schemas"]["RefuseIn"]["properties"]["ground"]
    assert ground["enum"] == ["unfounded", "excessive", "identity"] and "no-data" in ground["description"]


def test_only_a_handler_learns_whether_a_request_matched_and_that_is_logged(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any
) -> None:
    client = Client()
    record = demo_customers[1]
    payload = {"kind": "access", "email": record["email"]}
    for roles in (["customer_service"], ["accounting"], ["customer_service", "accounting"]):
        token = _auth(make_staff("-".join(roles), roles))
        body = client.post("/api/requests", payload, content_type="application/json", **token).json()
        assert body["match"] is None and body["customer_id"] is None, roles
        stored = Request.objects.get(pk=body["id"])
        assert stored.match == "single"  # matched all the same, for whoever handles it
    assert AccessLog.objects.count() == 0

    body = client.post("/api/requests", payload, content_type="application/json", **_auth(controller)).json()
    assert body["match"] == "single" and body["customer_id"] == str(stored.customer_id)
    entry = AccessLog.objects.get()
    assert (entry.customer_id, entry.staff_id, entry.channel, entry.purpose, entry.categories) == (
        stored.customer_id,
        controller.pk,
        "api",
        "rights_requests",
        "contact,customer_number",
    )
    unknown = {"kind": "access", "email": "nobody-at-all@example.invalid"}
    body = client.post("/api/requests", unknown, content_type="application/json", **_auth(controller)).json()
    assert body["match"] == "none" and AccessLog.objects.count() == 1  # no customer, nothing read
