"""The IT systems over the API: the same records as the page and the command, for whoever keeps them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from persondata.api.tokens import create_token
from persondata.audit.models import AuditEntry
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

SYSTEM = {
    "name": "Økonomisystem",
    "kind": "admin",
    "location": "Danmark, egen server",
    "owner": "Bogholderiet",
    "categories": ["contact", "payment"],
}


def _call(client: Client, token: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body) if body is not None else ""
    return client.generic(
        method, path, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_record_assess_read_and_remove_a_system(controller: Any) -> None:
    client, token = Client(), create_token(controller, "systems", NOW)
    created = _call(client, token, "PUT", "/api/systems/economy", SYSTEM)
    assert created.status_code == 200, created.content
    assert created.json()["review_due"] == ["access", "change", "disappearance"]
    rated = _call(
        client,
        token,
        "PUT",
        "/api/systems/economy/assessments/access",
        {"severity": 3, "likelihood": 2, "residual_severity": 2, "residual_likelihood": 1, "measures": "2FA"},
    )
    assert rated.status_code == 200, rated.content
    [assessment] = rated.json()["assessments"]
    assert (assessment["event"], assessment["residual_severity"], assessment["measures"]) == (
        "access",
        2,
        "2FA",
    )
    assert "access" not in rated.json()["review_due"]
    listed = {s["key"]: s for s in _call(client, token, "GET", "/api/systems").json()}
    assert {"persondata", "economy"} <= listed.keys()  # persondata's own record is filled in by itself
    assert listed["economy"]["categories"] == ["contact", "payment"]
    assert _call(client, token, "DELETE", "/api/systems/economy").status_code == 204
    assert _call(client, token, "GET", "/api/systems/economy").status_code == 404
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"system.create", "risk_assessment.create", "system.delete"} <= actions


def test_bad_input_names_the_field_and_changes_nothing(controller: Any) -> None:
    client, token = Client(), create_token(controller, "systems", NOW)
    bad = _call(client, token, "PUT", "/api/systems/economy", {**SYSTEM, "categories": ["cpr"]})
    assert bad.status_code == 422 and bad.json()["fields"] == ["categories.0"], bad.content
    assert _call(client, token, "GET", "/api/systems/economy").status_code == 404
    _call(client, token, "PUT", "/api/systems/economy", SYSTEM)
    higher = {"severity": 2, "likelihood": 2, "residual_severity": 3, "residual_likelihood": 1}
    refused = _call(client, token, "PUT", "/api/systems/economy/assessments/access", higher)
    assert refused.status_code == 422 and refused.json()["fields"] == ["residual_severity"]
    unknown = _call(
        client, token, "PUT", "/api/systems/economy/assessments/flood", {**higher, "residual_severity": 1}
    )
    assert unknown.status_code == 422 and unknown.json()["fields"] == ["event"]
    own = _call(client, token, "PUT", "/api/systems/persondata", SYSTEM)  # its own record: kept, filled in
    assert own.status_code == 409 and own.json()["code"] == "conflict", own.content
    assert _call(client, token, "DELETE", "/api/systems/persondata").status_code == 409
    no_partner = _call(client, token, "PUT", "/api/systems/hosted", {**SYSTEM, "kind": "partner"})
    assert no_partner.status_code == 422 and no_partner.json()["fields"] == ["partner_key"]
    bad_key = _call(client, token, "PUT", "/api/systems/no%20spaces", SYSTEM)
    assert bad_key.status_code == 422 and bad_key.json()["fields"] == ["key"]
