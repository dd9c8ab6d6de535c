"""Who is told (GDPR Art. 19, RULES R11): one notice per partner that received the affected data; ticking off."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from persondata import runtime
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.audit.services import TransactionRequired
from persondata.core import sealing
from persondata.partners import services
from persondata.partners.models import DONE, PENDING, PartnerNotice
from persondata.partners.services import PartnerError
from persondata.requests import services as rights
from persondata.requests.models import Request, RequestEvent
from tests.conftest import NOW
from tests.partners.conftest import notify

pytestmark = pytest.mark.django_db

# the shipped policy: order_processing receives contact, customer_number, order_history; invoicing those and
# payment; accounting customer_number and payment
CASES = [
    ("rectification", {"changes": {"email": "ny.adresse@example.com"}}, {"order_processing", "invoicing"}),
    (
        "rectification",
        {"changes": {"customer_number": "K999999"}},
        {"order_processing", "invoicing", "accounting"},
    ),
    ("erasure", {}, {"order_processing", "invoicing", "accounting"}),
    ("restriction", {}, {"order_processing", "invoicing", "accounting"}),
    ("restriction", {"categories": ["payment"]}, {"invoicing", "accounting"}),
    ("restriction_lifted", {"categories": ["order_history"]}, {"order_processing", "invoicing"}),
]


@pytest.mark.parametrize(("action", "kw", "expected"), CASES)
def test_one_notice_per_partner_that_received_the_affected_data(
    make_request: Callable[..., Request], action: str, kw: dict[str, Any], expected: set[str]
) -> None:
    req = make_request()
    told = notify(req, action, **kw)
    names = {p.key: p.name for p in runtime.policy().partners}
    assert sorted(told) == sorted((k, names[k]) for k in expected)
    notices = PartnerNotice.objects.filter(request=req)
    assert {n.partner_key for n in notices} == expected
    assert all(n.state == PENDING and n.action == action and n.payload_blob for n in notices)
    step = RequestEvent.objects.get(request=req, event="partners_notified")
    assert step.details == {
        "action": action,
        "partners": [k for k, _ in told],
        "count": len(expected),
        "by_webhook": 0,
    }


def test_the_categories_each_partner_is_told_are_those_it_received(
    make_request: Callable[..., Request],
) -> None:
    req = make_request("erasure")
    notify(req, "erasure")
    by_partner = {n.partner_key: n.categories for n in PartnerNotice.objects.filter(request=req)}
    assert by_partner == {
        "order_processing": ["contact", "customer_number", "order_history"],
        "invoicing": ["contact", "customer_number", "order_history"],
        "accounting": ["customer_number"],  # payment is accounting material: kept, not erased (R4)
    }


def test_the_payload_is_sealed_and_holds_only_what_the_partner_received(
    make_request: Callable[..., Request], demo_customers: list[dict[str, Any]]
) -> None:
    record = demo_customers[0]
    req = make_request()
    notify(req, "rectification", changes={"email": "ny.adresse@example.com", "customer_number": "K999999"})
    for notice in PartnerNotice.objects.filter(request=req):
        blob = bytes(notice.payload_blob)
        assert b"ny.adresse" not in blob and record["customer_number"].encode() not in blob
        payload = rights.unseal_for(req, blob, sealing.request_part("notice", notice.id, req.id))
        assert (
            payload["customer_number"] == record["customer_number"]
        )  # the number on file, to find the customer
        assert payload["reference"] == req.reference and payload["id"] == str(notice.id)
        if notice.partner_key == "accounting":  # received no contact data: is not sent the new e-mail address
            assert payload["changes"] == {"customer_number": "K999999"}
        else:
            assert payload["changes"] == {"email": "ny.adresse@example.com", "customer_number": "K999999"}
    for entry in AuditEntry.objects.all():
        assert "ny.adresse" not in str(entry.details) and record["customer_number"] not in str(entry.details)


def test_a_payload_sealed_for_one_notice_does_not_open_as_another(
    make_request: Callable[..., Request],
) -> None:
    req = make_request()
    notify(req, "erasure")
    a, b = PartnerNotice.objects.filter(request=req)[:2]
    with pytest.raises(Exception, match="does not authenticate"):
        rights.unseal_for(req, bytes(a.payload_blob), sealing.request_part("notice", b.id, req.id))


@pytest.mark.parametrize(
    ("action", "kw", "field"),
    [
        ("deletion", {}, "action"),
        ("rectification", {}, "changes"),
        ("rectification", {"changes": {"shoe_size": "44"}}, "changes"),
        ("erasure", {"changes": {"email": "x@example.com"}}, "changes"),
        ("restriction", {"categories": ["hobbies"]}, "categories"),
    ],
)
def test_bad_input_is_refused_by_field(
    make_request: Callable[..., Request], action: str, kw: dict[str, Any], field: str
) -> None:
    req = make_request()
    with pytest.raises(PartnerError) as info:
        notify(req, action, **kw)
    assert info.value.field == field
    assert not PartnerNotice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notify_runs_only_inside_the_changes_transaction(make_request: Callable[..., Request]) -> None:
    req = make_request()
    with pytest.raises(TransactionRequired):
        services.notify_partners(req, "erasure", now=NOW)
    assert not PartnerNotice.objects.exists()


def test_tick_off_is_done_by_whom_and_when_and_audited_without_the_note(
    make_request: Callable[..., Request], boss: Actor, controller: Any
) -> None:
    req = make_request()
    notify(req, "erasure")
    notice = PartnerNotice.objects.get(request=req, partner_key="accounting")
    note = "Ringet til bogholderiet 25/11 kl. 11, sagsnr. 4411"
    with transaction.atomic():
        services.tick(boss, notice.id, now=NOW, note=note)
    notice.refresh_from_db()
    assert notice.state == DONE and notice.channel == "manual" and notice.done_at == NOW
    assert notice.done_by_id == controller.pk and notice.payload_blob is None
    assert services.note_of(notice) == note and note.encode() not in bytes(notice.note_blob)
    entry = AuditEntry.objects.get(action="request.partner_told")
    assert entry.actor == f"staff:{controller.pk}" and entry.target == str(req.id)
    assert entry.details == {
        "partner": "accounting",
        "notice": str(notice.id),
        "channel": "manual",
        "noted": True,
    }
    assert "4411" not in str(entry.details)
    with pytest.raises(PartnerError) as again:
        services.tick(boss, notice.id, now=NOW)
    assert again.value.field == "notice"


def test_tick_off_refuses_a_cpr_number_in_the_note_and_other_roles(
    make_request: Callable[..., Request], boss: Actor, make_staff: Callable[..., Any]
) -> None:
    req = make_request()
    notify(req, "erasure")
    notice = PartnerNotice.objects.filter(request=req).first()
    assert notice is not None
    with pytest.raises(PartnerError) as info:
        services.tick(boss, notice.id, now=NOW, note="kunden har cpr 010190-1234")
    assert info.value.field == "note" and "010190" not in str(info.value)
    clerk = Actor.for_user(make_staff("clerk", ["customer_service"]), "customer_service", "cli")
    with pytest.raises(AccessDenied):
        services.tick(clerk, notice.id, now=NOW)
    with pytest.raises(services.NotFound):
        services.tick(boss, uuid.uuid4(), now=NOW)
    notice.refresh_from_db()
    assert notice.state == PENDING


def test_the_partners_told_can_be_named_to_the_customer(make_request: Callable[..., Request]) -> None:
    req = make_request()
    notify(req, "rectification", changes={"phone": "+45 70 10 20 30"})
    names = {p.key: p.name for p in runtime.policy().partners}
    assert services.told_partners(req) == sorted(
        [("invoicing", names["invoicing"]), ("order_processing", names["order_processing"])]
    )
