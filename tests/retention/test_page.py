"""The retention page: for the data controller only; upcoming deletions, runs, holds, the clash."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from persondata.audit.models import AuditEntry
from persondata.retention.models import LegalHold
from tests.retention.conftest import customer, invoice, order, payment
from tests.retention.test_sweep import plan_on

D = date


@pytest.fixture
def subject(load: Callable[..., dict[str, uuid.UUID]]) -> uuid.UUID:
    return load(
        [
            customer(
                "W1",
                orders=[order("OW1", D(2023, 2, 1), D(2023, 2, 3))],
                invoices=[invoice("FW1", D(2023, 2, 3))],
                payments=[payment("PW1", "FW1", D(2023, 2, 6))],
            )
        ]
    )["W1"]


@pytest.fixture
def as_controller(client: Client, controller: Any) -> Client:
    client.force_login(controller)
    return client


@pytest.mark.django_db
def test_the_controller_sees_forecast_runs_holds_and_the_clash(
    as_controller: Client, subject: uuid.UUID
) -> None:
    plan_on(D(2026, 1, 1))  # a plan stores the 90-day forecast the page shows
    page = as_controller.get("/retention/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "1 January – 30 June" in body  # the R3 clash, in the policy check's words
    assert "2 February 2026" in body  # the week the contact data falls due (2026-02-07)
    assert "Deletion plan" in body and "Legal holds" in body
    assert "<td>plan</td>" not in body  # the run's kind in words


@pytest.mark.django_db
def test_a_run_reads_in_danish(as_controller: Client, subject: uuid.UUID) -> None:
    plan_on(D(2026, 1, 1))
    body = as_controller.get("/retention/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "<td>Sletteplan</td>" in body and ">færdig</span>" in body, body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["customer_service", "accounting", "it_admin"])
def test_other_roles_are_refused_and_the_refusal_audited(
    client: Client, make_staff: Callable[..., Any], role: str
) -> None:
    client.force_login(make_staff(f"u-{role}", [role]))
    assert client.get("/retention/").status_code == 403
    assert client.post("/retention/holds/", {}).status_code == 403
    assert AuditEntry.objects.filter(action="access.refused").count() == 2


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client: Client) -> None:
    assert client.get("/retention/")["Location"].startswith("/login/")


@pytest.mark.django_db
def test_create_and_end_a_hold(as_controller: Client, subject: uuid.UUID) -> None:
    response = as_controller.post(
        "/retention/holds/",
        {"customer": str(subject), "reason": "Tvist om levering, sag 2026-17", "ends_on": "2026-12-31"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.customer_id, hold.ends_on, hold.record_id) == (subject, D(2026, 12, 31), None)
    created = AuditEntry.objects.get(action="retention.hold_created")
    assert created.target == str(subject) and "Tvist" not in str(created.details)
    assert "Tvist om levering" in as_controller.get("/retention/").content.decode()
    assert as_controller.post(f"/retention/holds/{hold.id}/end/").status_code == 302
    hold.refresh_from_db()
    assert hold.ended_at is not None
    assert AuditEntry.objects.filter(action="retention.hold_ended", target=str(subject)).exists()
    # ending it twice is refused, with the reason on the page
    again = as_controller.post(f"/retention/holds/{hold.id}/end/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "already been ended" in again.content.decode()


@pytest.mark.django_db
def test_a_cpr_shaped_reason_is_refused_and_not_echoed(as_controller: Client, subject: uuid.UUID) -> None:
    response = as_controller.post(
        "/retention/holds/",
        {"customer": str(subject), "reason": "Kunde 010190-1234", "ends_on": "2026-12-31"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "CPR" in body and "010190-1234" not in body
    assert not LegalHold.objects.exists()
    assert not AuditEntry.objects.filter(action="retention.hold_created").exists()


@pytest.mark.django_db
def test_a_hold_on_someone_elses_record_or_a_past_day_is_refused(
    as_controller: Client, subject: uuid.UUID
) -> None:
    for data in (
        {"customer": str(subject), "record": str(uuid.uuid4()), "reason": "Sag", "ends_on": "2026-12-31"},
        {"customer": str(uuid.uuid4()), "reason": "Sag", "ends_on": "2026-12-31"},
        {"customer": str(subject), "reason": "Sag", "ends_on": "2020-01-01"},
    ):
        assert as_controller.post("/retention/holds/", data).status_code == 400
    assert not LegalHold.objects.exists()


@pytest.mark.django_db
def test_the_page_speaks_danish_by_default(as_controller: Client) -> None:
    body = as_controller.get("/retention/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Opbevaring og sletning" in body and "Retlige tilbageholdelser" in body
    assert "Regnskabsmateriale" in body or "bogføringsloven" in body  # the clash, in the policy's Danish
