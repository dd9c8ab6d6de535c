"""Issue 16 in the letters: Art. 15(2) in the access answer, the customer's own deletion dates per category and
financial year, "no data" sent as a confirmation (not a refusal), and a refusal after the one-month limit
refused by the service with the reason. Real database, real WeasyPrint."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from persondata.access.actor import Actor
from persondata.requests import services
from persondata.requests.answers import answering as answers
from tests.conftest import NOW
from tests.requests.answering import letter_texts, register, squash
from tests.retention.conftest import (  # noqa: F401 - fixtures
    agreement,
    customer,
    invoice,
    ledger_file,
    load,
    order,
    payment,
)

pytestmark = pytest.mark.django_db
Loader = Callable[..., dict[str, uuid.UUID]]


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, "rights_requests", "web")


def two_years() -> dict[str, Any]:
    """Invoices in financial years 2024 and 2025, and no open agreement: the relationship ended 2025-03-10."""
    return customer(
        "Y1",
        orders=[
            order("OY1", date(2024, 6, 1), date(2024, 6, 3)),
            order("OY2", date(2025, 3, 1), date(2025, 3, 3)),
        ],
        invoices=[invoice("FY1", date(2024, 6, 3)), invoice("FY2", date(2025, 3, 3))],
        payments=[payment("PY1", "FY1", date(2024, 6, 20)), payment("PY2", "FY2", date(2025, 3, 10))],
    )


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_access_answer_gives_this_customers_deletion_dates_and_art_15_2(
    load: Loader,  # noqa: F811
    boss: Actor,
    lang: str,
) -> None:
    ids = load([two_years()], now=NOW - timedelta(days=300))
    request = register(boss, "access", {"customer_number": "Y1"}, customer_id=ids["Y1"], language=lang)
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    html, pdf = letter_texts(boss, answer)
    expected = {
        "da": (
            "Hvornår vi sletter dine oplysninger",
            "opgjort 25. november 2026",
            # accounting material: 5 years from the end of each financial year (RULES R1)
            "Betalingsinformationer, regnskabsåret 2024 1. januar 2030",
            "Betalingsinformationer, regnskabsåret 2025 1. januar 2031",
            # contact data: 3 years after the last payment, 10 March 2025
            "Navn, adresse, telefonnummer og e-mail 11. marts 2028",
            "Ordrehistorik 11. marts 2028",
            "artikel 15, stk. 2",
            "overfører ikke dine oplysninger til lande uden for EU/EØS",
            # the retention criteria as the published policy prints them, forældelsesloven § 3 among them
            "3 år fra fakturaens forfaldsdag (forældelsesloven § 3)",
        ),
        "en": (
            "When we delete your data",
            "as of 25 November 2026",
            "Payment information, financial year 2024 1 January 2030",
            "Payment information, financial year 2025 1 January 2031",
            "Name, address, telephone number and e-mail 11 March 2028",
            "Order history 11 March 2028",
            "Article 15(2)",
            "We do not transfer your data to countries outside the EU/EEA",
            "3 years from the invoice's due date (the Danish Limitation Act, forældelsesloven § 3)",
        ),
    }[lang]
    for text in (squash(html), squash(pdf)):
        for needle in expected:
            assert squash(needle) in text, needle
    # the general rule is the one the published policy states: no "at the latest 5½ years" with an exception
    assert "5½" not in html


def test_an_ongoing_relationship_has_no_date_yet(load: Loader, boss: Actor) -> None:  # noqa: F811
    ids = load(
        [
            customer(
                "Z1",
                invoices=[invoice("FZ1", date(2026, 3, 5))],
                agreements=[agreement("AZ1", date(2025, 1, 1))],
            )
        ],
        now=NOW - timedelta(days=200),
    )
    request = register(boss, "access", {"customer_number": "Z1"}, customer_id=ids["Z1"], language="en")
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    html, _pdf = letter_texts(boss, answer)
    assert squash("Payment information, financial year 2026 1 January 2032") in squash(html)
    assert squash("3 years after our customer relationship has ended; it is still ongoing") in squash(html)


# ruff: noqa: E501 -- below: a table of the two languages' wording, one row per line
@pytest.mark.parametrize(("lang", "title", "confirms"), [
    ("da", "Svar på din anmodning: vi har ingen oplysninger om dig", "kan bekræfte, at vi ikke behandler personoplysninger om dig"),
    ("en", "Answer to your request: we hold no data about you", "we can confirm that we do not process any personal data about you"),
])  # fmt: skip
def test_no_data_is_answered_as_a_confirmation_not_a_refusal(
    boss: Actor, lang: str, title: str, confirms: str
) -> None:
    # not a customer: nobody to match, so no identity to verify (nothing is disclosed)
    details = {"email": "ingen.kunde@example.dk", "name": "Ingen Kunde"}
    request = register(boss, "access", details, verify=False, language=lang)
    assert request.customer_id is None
    with transaction.atomic(), pytest.raises(services.RequestError) as refused, translation.override("en"):
        services.refuse(
            boss, request, "no_data", "We searched every system and found nothing at all.", now=NOW
        )
    assert refused.value.field == "ground" and "Art. 15(1)" in str(refused.value)
    with transaction.atomic():
        answer = answers.answer_no_data(boss, request, now=NOW)
    request.refresh_from_db()
    assert request.state == "answered" and request.outcome == {"no_data": True, "documents": 2}
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        assert squash(title) in text and squash(confirms) in text
        assert squash({"da": "artikel 15, stk. 1", "en": "Article 15(1)"}[lang]) in text
        assert "Afslag" not in text and "refused" not in text.casefold()


def test_no_data_cannot_be_claimed_for_a_matched_customer(load: Loader, boss: Actor) -> None:  # noqa: F811
    ids = load([two_years()], now=NOW - timedelta(days=300))
    request = register(boss, "access", {"customer_number": "Y1"}, customer_id=ids["Y1"])
    with transaction.atomic(), pytest.raises(services.RequestError) as refused:
        answers.answer_no_data(boss, request, now=NOW)
    assert refused.value.field == "customer"


@pytest.mark.parametrize(("days", "allowed"), [(20, True), (31, True), (33, False), (60, False)])
def test_a_refusal_after_the_one_month_limit_is_refused_with_the_reason(
    boss: Actor, days: int, allowed: bool
) -> None:
    # received 25 October 2026 (days=31): due Wednesday 25 November 2026; 33 days: due Monday 23 November
    received = NOW - timedelta(days=days)
    request = register(boss, "access", {"email": "x@example.dk"}, verify=False, now=received)
    reasons = "You have asked for the same copy four times this month."
    if allowed:
        with transaction.atomic():
            services.refuse(boss, request, "excessive", reasons, now=NOW)
        request.refresh_from_db()
        assert request.state == "refused"
        return
    with transaction.atomic(), pytest.raises(services.RequestError) as refused, translation.override("en"):
        services.refuse(boss, request, "excessive", reasons, now=NOW)
    assert refused.value.field == "state"
    assert "Art. 12(4)" in str(refused.value) and "must be answered" in str(refused.value)
    request.refresh_from_db()
    assert request.state != "refused"
