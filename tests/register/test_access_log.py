"""The access log read back: a customer's history (RULES R9), the controller's search, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from persondata.access import access_log
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.register.services import find_customers, show_customer
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any) -> dict[str, Any]:
    clerk = make_staff("clerk", ["customer_service"])
    target = demo_customers[2]
    clerk_actor = Actor.for_user(clerk, "delivery", "web")
    [hit] = find_customers(clerk_actor, target["email"], now=NOW)
    show_customer(clerk_actor, hit.id, now=NOW + timedelta(minutes=1))
    show_customer(Actor.for_user(controller, "rights_requests", "cli"), hit.id, now=NOW + timedelta(days=1))
    other = find_customers(clerk_actor, demo_customers[3]["email"], now=NOW)[0]
    return {"id": hit.id, "other": other.id, "clerk": clerk, "controller": controller, "record": target}


def test_history_has_dates_and_purposes_and_staff_only_on_request(reads: dict[str, Any]) -> None:
    actor = Actor.for_user(reads["controller"], "rights_requests", "cli")
    history = access_log.customer_access_history(actor, reads["id"])
    assert [(e.at, e.purpose, e.staff) for e in history] == [
        (NOW, "delivery", None),
        (NOW + timedelta(minutes=1), "delivery", None),
        (NOW + timedelta(days=1), "rights_requests", None),
    ]
    assert all(e.customer_id == reads["id"] for e in history)  # nothing of another customer
    with_staff = access_log.customer_access_history(actor, reads["id"], include_staff=True)
    assert [e.staff for e in with_staff] == ["clerk", "clerk", "controller"]


def test_only_roles_answering_requests_may_read_the_log(reads: dict[str, Any]) -> None:
    with pytest.raises(AccessDenied):
        access_log.customer_access_history(Actor.for_user(reads["clerk"], "delivery", "web"), reads["id"])


def test_search_filters(reads: dict[str, Any]) -> None:
    actor = Actor.for_user(reads["controller"], "rights_requests", "cli")
    assert len(access_log.search_access_log(actor)) == 4
    by_staff = access_log.search_access_log(actor, staff_id=reads["clerk"].pk)
    assert len(by_staff) == 3 and {e.staff for e in by_staff} == {"clerk"}
    assert len(access_log.search_access_log(actor, purpose="rights_requests")) == 1
    assert len(access_log.search_access_log(actor, since=NOW + timedelta(hours=1))) == 1
    assert {e.customer_id for e in access_log.search_access_log(actor, customer_id=reads["other"])} == {
        reads["other"]
    }


def test_exports_open_as_csv_and_json(reads: dict[str, Any]) -> None:
    actor = Actor.for_user(reads["controller"], "rights_requests", "cli")
    events = access_log.customer_access_history(actor, reads["id"])
    rows = list(csv.DictReader(io.StringIO(access_log.export(events, "csv").decode("utf-8-sig"))))
    assert [r["purpose"] for r in rows] == ["delivery", "delivery", "rights_requests"]
    assert "staff" not in rows[0]
    data = json.loads(
        access_log.export(access_log.customer_access_history(actor, reads["id"], include_staff=True), "json")
    )
    assert data[0]["staff"] == "clerk" and data[0]["categories"] == "contact,customer_number"


def test_web_page_and_export(reads: dict[str, Any], client: Client) -> None:
    client.force_login(reads["controller"])
    page = client.get("/access-log/", {"customer": str(reads["id"])})
    assert page.status_code == 200
    body = page.content.decode()
    assert str(reads["id"])[:8] in body and "clerk" in body
    for value in (reads["record"]["email"], reads["record"]["name"]):
        assert value not in body  # the log shows pseudonymous ids only
    export = client.get(f"/access-log/{reads['id']}.csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert b"clerk" not in export.content  # staff identities only on the controller's choice
    assert b"clerk" in client.get(f"/access-log/{reads['id']}.csv", {"staff": "1"}).content
    assert AuditEntry.objects.filter(action="access_log.export", target=str(reads["id"])).count() == 2
    assert client.get(f"/access-log/{reads['id']}.xml").status_code == 404


def test_web_page_refused_for_customer_service(reads: dict[str, Any], client: Client) -> None:
    client.force_login(reads["clerk"])
    assert client.get("/access-log/").status_code == 403
    assert client.get(f"/access-log/{reads['id']}.csv").status_code == 403
    assert AuditEntry.objects.filter(action="access.refused").count() == 2
