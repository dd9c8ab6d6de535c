"""Requests: intake, matching that never guesses, identity confirmation by e-mail, deadlines, steps, purge."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.core import sealing
from persondata.core.requests import State
from persondata.keys import store
from persondata.requests import intake, services
from persondata.requests.models import Request
from tests.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)


def submit(kind: str, details: dict[str, Any], **kw: Any) -> Request:
    with transaction.atomic():
        return intake.submit(kind, details, channel=kw.pop("channel", "staff"), now=kw.pop("now", NOW), **kw)


def test_a_request_gets_a_reference_a_deadline_and_its_customer(demo_customers: list[dict[str, Any]]) -> None:
    record = demo_customers[0]
    req = submit("access", {"email": record["email"].upper(), "name": record["name"]})
    assert req.reference.startswith("PD-") and services.get(req.reference.lower()).pk == req.pk
    assert req.received_on == date(2026, 11, 25) and req.due_on == date(2026, 12, 28)  # 25 Dec: holiday
    assert req.match == "single" and req.customer_id is not None
    assert services.requester(req)["email"] == record["email"].upper()
    entry = AuditEntry.objects.filter(action="request.receive").get()
    assert record["email"] not in str(entry.details) and entry.details["match"] == "single"


def test_identifiers_pointing_to_two_customers_are_ambiguous(demo_customers: list[dict[str, Any]]) -> None:
    a, b = demo_customers[0], demo_customers[1]
    req = submit("erasure", {"email": a["email"], "customer_number": b["customer_number"]})
    assert req.match == "ambiguous" and req.customer_id is None


def test_a_name_alone_is_not_enough_but_name_and_address_are(demo_customers: list[dict[str, Any]]) -> None:
    record = demo_customers[2]
    assert submit("access", {"name": record["name"]}).customer_id is None
    addr = record["address"]
    full = f"{addr['street']}, {addr['postcode']} {addr['city']}"
    assert submit("access", {"name": record["name"], "address": full}).match == "single"


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Test", "message": "mit cpr er 010190-1234"}, "message"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "Test", "shoe_size": "44"}, "shoe_size"),
    ],
)
def test_bad_details_are_refused_by_field(details: dict[str, Any], field: str) -> None:
    with pytest.raises(services.RequestError) as info:
        submit("access", details)
    assert info.value.field == field
    assert not Request.objects.exists()


def test_confirmation_goes_to_the_address_on_file_and_works_once(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    record = demo_customers[0]
    req = submit("access", {"customer_number": record["customer_number"], "email": "someone@else.example"})
    assert req.match == "single"
    with transaction.atomic():
        assert services.send_confirmation(req, now=NOW)
    [msg] = smtp.messages
    assert record["email"].lower() in str(msg["To"]).lower() and "someone@else" not in str(msg["To"])
    token = smtp.link_in(msg).rstrip("/").rsplit("/", 1)[1]
    assert services.link_status(token, now=NOW) is None
    with pytest.raises(services.ConfirmationError) as forged, transaction.atomic():
        services.confirm(token[:-2] + "xx", now=NOW)
    assert forged.value.code == "unknown"
    with transaction.atomic():
        services.confirm(token, now=NOW + timedelta(hours=1))
    req.refresh_from_db()
    assert req.state == State.IN_PROGRESS and req.identity_method == "email_link"
    with pytest.raises(services.ConfirmationError) as replay, transaction.atomic():
        services.confirm(token, now=NOW + timedelta(hours=2))
    assert replay.value.code == "used" and services.link_status(token, now=NOW) == "used"


def test_an_expired_confirmation_is_refused(demo_customers: list[dict[str, Any]], smtp: Any) -> None:
    req = submit("access", {"email": demo_customers[0]["email"]})
    with transaction.atomic():
        services.send_confirmation(req, now=NOW)
    token = smtp.link_in(smtp.messages[0]).rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(services.ConfirmationError) as info, transaction.atomic():
        services.confirm(token, now=NOW + timedelta(days=8))
    assert info.value.code == "expired"


def test_extension_refusal_and_permissions(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any
) -> None:
    req = submit("access", {"email": demo_customers[0]["email"]}, now=NOW)
    boss = Actor.for_user(controller, "rights_requests", "web")
    clerk = Actor.for_user(make_staff("clerk", ["customer_service"]), "customer_service", "web")
    with pytest.raises(AccessDenied):
        services.extend(clerk, req, 2, "many records", now=NOW)
    with transaction.atomic():
        due = services.extend(boss, req, 2, "The request covers many years of records.", now=NOW)
    assert due == date(2027, 2, 25)
    with pytest.raises(services.RequestError) as again:
        services.extend(boss, req, 1, "more", now=NOW)
    assert again.value.field == "months"
    with pytest.raises(services.RequestError) as short:
        services.refuse(boss, req, "excessive", "no", now=NOW)
    assert short.value.field == "reasons"
    with transaction.atomic():
        services.refuse(boss, req, "excessive", "The fifth identical request this month.", now=NOW)
    req.refresh_from_db()
    assert req.state == State.REFUSED and req.closed_at == NOW
    assert services.work(req)["refusal_reasons"].startswith("The fifth")


def test_an_extension_after_the_first_month_is_refused(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    req = submit("access", {"email": demo_customers[0]["email"]}, received_on=date(2026, 10, 20))
    boss = Actor.for_user(controller, "rights_requests", "web")
    with pytest.raises(services.RequestError) as info, translation.override("en"):
        services.extend(boss, req, 1, "We need more time.", now=NOW)
    assert info.value.field == "months" and "by 20 November 2026" in info.value.message
    with pytest.raises(services.RequestError) as info, translation.override("da"):
        services.extend(boss, req, 1, "We need more time.", now=NOW)
    assert "senest 20. november 2026" in info.value.message


def test_closed_requests_lose_the_requesters_details_after_the_retention_period(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    req = submit("information", {"email": demo_customers[0]["email"]})
    boss = Actor.for_user(controller, "rights_requests", "web")
    with transaction.atomic():
        services.start(boss, req, now=NOW)
        services.answer(boss, req, {"letter": 1}, now=NOW)
    assert services.purge_due(NOW + timedelta(days=300)) == 0
    assert services.purge_due(NOW + timedelta(days=370)) == 1
    req.refresh_from_db()
    assert req.requester_blob is None and req.purged_at is not None
    assert store.own_key(sealing.key_owner("request", req.id), "request") is None  # the key is destroyed
    assert req.reference and req.kind == "information" and req.state == State.ANSWERED
    assert services.requester(req) == {}


def test_the_controller_is_reminded_of_deadlines_without_personal_data(
    demo_customers: list[dict[str, Any]], smtp: Any, tmp_path: Any, settings: Any
) -> None:
    from persondata import runtime
    from persondata.requests.reminders import send_deadline_reminders

    default = Path(runtime.policy().source).read_text(encoding="utf-8")
    source = default.replace("<<e-mail of the data controller>>", "dpo@example.dk")
    assert "dpo@example.dk" in source
    path = tmp_path / "policy.toml"
    path.write_text(source, encoding="utf-8")
    settings.PERSONDATA_POLICY_FILE = str(path)
    runtime.reset()
    record = demo_customers[0]
    soon = submit("access", {"email": record["email"]}, received_on=date(2026, 10, 30))  # due 2026-11-30
    submit("access", {"email": record["email"]})  # due 2026-12-28: not yet
    assert send_deadline_reminders(NOW) == {"reminded": 1, "overdue": 0}
    [msg] = smtp.messages
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert soon.reference in text and "2026-11-30" in text
    assert record["email"] not in text and record["name"] not in text


def test_a_failed_confirmation_e_mail_is_a_step_staff_see(
    demo_customers: list[dict[str, Any]], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    from persondata.jobs.outbox import wait_for_outbox

    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    record = demo_customers[0]
    req = submit("access", {"email": record["email"]})
    with transaction.atomic():
        assert services.send_confirmation(req, now=NOW)
    wait_for_outbox()
    assert req.events.filter(event="mail_failed").exists()
    assert record["email"] not in caplog.text and "ConnectionRefusedError" in caplog.text
