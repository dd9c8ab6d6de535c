"""Disclosures (who received what): recorded for webhook notices, ticks and by hand; the access answer
(Art. 15(1)(c)) and the Art. 19 notices name exactly the partners that received this customer's data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from persondata import runtime
from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.partners import disclosures
from persondata.partners.errors import PartnerError
from persondata.partners.models import Disclosure, PartnerNotice
from persondata.partners.webhooks import deliver_due
from persondata.requests.answers import answering as answers
from persondata.requests.models import Request
from tests.conftest import NOW
from tests.partners.conftest import Receiver, notify
from tests.requests.answering import letter_texts, load_json, register

pytestmark = pytest.mark.django_db


def by_hand(
    boss: Actor, partner: str, customers: list[uuid.UUID], categories: list[str], **kw: Any
) -> Disclosure:
    known = runtime.policy().partner(partner)
    purpose = kw.pop("purpose", sorted(known.purposes)[0] if known else "delivery")
    with transaction.atomic():
        return disclosures.record_by_hand(
            boss,
            partner,
            categories=categories,
            purpose=purpose,
            customer_ids=customers,
            occurred_at=NOW - timedelta(days=3),
            now=NOW,
            **kw,
        )


def customer_ids(make_request: Callable[..., Request], *indexes: int) -> list[uuid.UUID]:
    ids = []
    for i in indexes:
        cid = make_request("access", index=i).customer_id
        assert cid is not None
        ids.append(cid)
    return ids


def test_the_access_answer_names_exactly_the_partners_that_received_this_customers_data(
    boss: Actor, make_request: Callable[..., Request], demo_customers: list[dict[str, Any]]
) -> None:
    me, other = customer_ids(make_request, 0, 1)
    by_hand(boss, "order_processing", [me], ["contact"])
    by_hand(boss, "invoicing", [me, other], ["payment"], export=True)
    by_hand(boss, "accounting", [other], ["payment"])  # someone else's data went to the third partner
    policy = runtime.policy()
    names = {p.key: p.name for p in policy.partners}
    record = demo_customers[0]
    request = register(boss, "access", {"customer_number": record["customer_number"], "email": record["email"]},
                       language="en")  # fmt: skip
    assert request.customer_id == me
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    copy = load_json(boss, answer.document("access_json", "json"))
    assert [(r["key"], r["categories"]) for r in copy["recipients"]] == [
        ("order_processing", ["contact"]),
        ("invoicing", ["payment"]),
    ]
    html, _pdf = letter_texts(boss, answer)
    assert names["order_processing"] in html and names["invoicing"] in html
    assert names["accounting"] not in html


def test_art_19_notices_go_exactly_to_the_partners_that_received_the_data(
    boss: Actor, make_request: Callable[..., Request]
) -> None:
    [me] = customer_ids(make_request, 0)
    by_hand(boss, "invoicing", [me], ["contact"])
    by_hand(boss, "accounting", [me], ["customer_number"])
    req = make_request("erasure")
    told = notify(req, "erasure")
    # order_processing receives erasable data by the policy file, but the records show it got none of this
    # customer's
    assert sorted(k for k, _ in told) == ["accounting", "invoicing"]
    assert set(PartnerNotice.objects.values_list("partner_key", flat=True)) == {"accounting", "invoicing"}


def test_without_any_record_the_policy_files_list_is_used(make_request: Callable[..., Request]) -> None:
    assert not Disclosure.objects.exists()
    told = notify(make_request("erasure"), "erasure")
    assert sorted(k for k, _ in told) == ["accounting", "invoicing", "order_processing"]


def test_a_webhook_delivery_and_a_tick_are_recorded_as_disclosures(
    boss: Actor, make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", receiver.url)
    req = make_request()
    notify(req, "rectification", changes={"email": "ny@example.com"})
    assert deliver_due(NOW).delivered == 1
    [sent] = Disclosure.objects.filter(channel="webhook")
    assert (sent.partner_key, sent.purpose, sent.categories) == ("order_processing", "art19", ["contact"])
    assert list(sent.customers.values_list("customer_id", flat=True)) == [req.customer_id]
    from persondata.partners import services

    invoicing = PartnerNotice.objects.get(partner_key="invoicing")
    with transaction.atomic():
        services.tick(boss, invoicing.id, now=NOW)
    assert Disclosure.objects.filter(channel="manual", partner_key="invoicing", purpose="art19").count() == 1
    # the records are evidence of telling the partner: they cannot be deleted
    with pytest.raises(PartnerError), transaction.atomic():
        disclosures.delete(boss, sent.id, now=NOW)


@pytest.mark.usefixtures("no_agreements")
def test_an_export_to_a_partner_without_a_complete_agreement_is_refused(
    boss: Actor, make_request: Callable[..., Request]
) -> None:
    [me] = customer_ids(make_request, 0)
    with pytest.raises(PartnerError) as caught:
        by_hand(boss, "invoicing", [me], ["payment"], export=True)
    assert caught.value.field == "partner" and "agreement:missing" in caught.value.message
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("partner", "categories", "kw", "field"),
    [
        ("nobody", ["contact"], {}, "partner"),
        (
            "accounting",
            ["contact"],
            {},
            "categories",
        ),  # the policy file does not let accounting receive contact
        ("accounting", [], {}, "categories"),
        ("accounting", ["payment"], {"purpose": "delivery"}, "purpose"),
    ],
)
def test_bad_records_name_the_field(
    boss: Actor,
    make_request: Callable[..., Request],
    partner: str,
    categories: list[str],
    kw: Any,
    field: str,
) -> None:
    [me] = customer_ids(make_request, 0)
    before = AuditEntry.objects.count()
    with pytest.raises(PartnerError) as caught:
        by_hand(boss, partner, [me], categories, **kw)
    assert caught.value.field == field
    assert not Disclosure.objects.exists() and AuditEntry.objects.count() == before


def test_a_standing_disclosure_covers_every_customer(
    boss: Actor, make_request: Callable[..., Request]
) -> None:
    me, other = customer_ids(make_request, 0, 1)
    with transaction.atomic():
        disclosures.record_by_hand(
            boss,
            "order_processing",
            categories=["contact", "order_history"],
            purpose="delivery",
            standing=True,
            occurred_at=NOW - timedelta(days=300),
            now=NOW,
        )
    assert (
        disclosures.received_by(me)
        == disclosures.received_by(other)
        == {"order_processing": frozenset({"contact", "order_history"})}
    )


def test_policy_check_warns_of_a_partner_the_records_would_leave_out(boss: Actor) -> None:
    from persondata.partners.checks import disclosure_gaps

    policy = runtime.policy()
    assert disclosure_gaps(policy) == []  # nothing recorded: the policy file's list is used
    by_hand(boss, "invoicing", [uuid.uuid4()], ["payment"])
    assert {f.key for f in disclosure_gaps(policy)} == {f"partners.{p.key}" for p in policy.partners}
    for key, categories, purpose in (
        ("order_processing", ["contact"], "delivery"),
        ("invoicing", ["payment"], "invoicing"),
        ("accounting", ["payment"], "bookkeeping"),
    ):
        with transaction.atomic():
            disclosures.record_by_hand(boss, key, categories=categories, purpose=purpose, standing=True,
                                       occurred_at=NOW, now=NOW)  # fmt: skip
    assert disclosure_gaps(policy) == []
