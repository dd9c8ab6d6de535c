"""The retention schedule, pure: RULES R3's worked examples and our own, as tables (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest

from persondata.core.calendar import FinancialYear, accounting_retention
from persondata.core.policy import Policy, load_policy, parse_policy
from persondata.retention.schedule import (
    RelationshipFacts,
    accounting_cutoff,
    accounting_decision,
    claim_cutoff,
    relationship,
    relationship_ended_on,
    relationship_source,
    relevance_cutoff,
    relevance_decision,
    week_of,
)
from tests.core.test_policy import edited

D = date
DEFAULT = load_policy()
FY_JULY = parse_policy(edited(("start_month = 1 ", "start_month = 7 ")))
RELEVANCE_12 = parse_policy(edited(("relevance_months = 36", "relevance_months = 12")))


def days(first: date, last: date, step: int = 1) -> Iterator[date]:
    d = first
    while d <= last:
        yield d
        d += timedelta(days=step)


# --------------------------------------------------------------------------------------- R3's worked examples

R3_EXAMPLES = [
    # policy, invoice date, earliest deletion (= the sweep's day), policy latest, clash
    (DEFAULT, D(2020, 3, 15), D(2026, 1, 1), D(2025, 9, 15), True),
    (DEFAULT, D(2020, 9, 10), D(2026, 1, 1), D(2026, 3, 10), False),
    (FY_JULY, D(2020, 3, 15), D(2025, 7, 1), D(2025, 9, 15), False),
    # our own: the first and last day of a financial year, a leap day, the clash boundary (30 June / 1 July)
    (DEFAULT, D(2020, 1, 1), D(2026, 1, 1), D(2025, 7, 1), True),
    (DEFAULT, D(2020, 6, 30), D(2026, 1, 1), D(2025, 12, 30), True),
    (DEFAULT, D(2020, 7, 1), D(2026, 1, 1), D(2026, 1, 1), False),
    (DEFAULT, D(2020, 12, 31), D(2026, 1, 1), D(2026, 6, 30), False),
    (DEFAULT, D(2020, 2, 29), D(2026, 1, 1), D(2025, 8, 29), True),
    (DEFAULT, D(2019, 8, 31), D(2025, 1, 1), D(2025, 2, 28), False),
    (FY_JULY, D(2020, 6, 30), D(2025, 7, 1), D(2025, 12, 30), False),
    (FY_JULY, D(2020, 7, 1), D(2026, 7, 1), D(2026, 1, 1), True),
]


@pytest.mark.parametrize(("policy", "invoice", "delete_on", "latest", "clash"), R3_EXAMPLES)
def test_accounting_decision_follows_rules_r3(
    policy: Policy, invoice: date, delete_on: date, latest: date, clash: bool
) -> None:
    d = accounting_decision(policy, "invoice", invoice)
    assert d.delete_on == delete_on
    assert d.keep_until == delete_on - timedelta(days=1)
    assert d.clash is clash
    assert not d.due(delete_on - timedelta(days=1))
    assert d.due(delete_on)
    assert (
        f"kept until {d.keep_until.isoformat()}: bookkeeping act, invoice {invoice.isoformat()}" in d.reason
    )
    assert f"policy's latest day {latest}" in d.reason or (clash and latest.isoformat() in d.reason)
    assert ("the law wins and the policy is flagged" in d.reason) is clash


def test_the_reason_reads_as_the_issue_asks() -> None:
    d = accounting_decision(DEFAULT, "invoice", D(2020, 3, 15))
    assert d.reason.startswith(
        "kept until 2025-12-31: bookkeeping act, invoice 2020-03-15, financial year 2020"
    )
    assert "2025-09-15" in d.reason  # the policy's day, named


def test_a_hold_postpones_accounting_deletion_to_the_day_after_it_ends() -> None:
    d = accounting_decision(DEFAULT, "invoice", D(2020, 3, 15), held_until=D(2026, 3, 31))
    assert d.delete_on == D(2026, 4, 1)
    assert "legal hold through 2026-03-31" in d.reason
    # a hold that ends before the law's day changes nothing
    assert accounting_decision(DEFAULT, "invoice", D(2020, 3, 15), D(2025, 1, 1)).delete_on == D(2026, 1, 1)


# ------------------------------------------------------------- the cutoff: one comparison selects what is due


@pytest.mark.parametrize("policy", [DEFAULT, FY_JULY])
def test_cutoff_selects_exactly_the_due_invoices(policy: Policy) -> None:
    """For every sweep day of two years and every invoice date of eight, ``date <= cutoff`` ⇔ due."""
    fy, r = policy.financial_year, policy.retention
    invoice_days = list(days(D(2018, 1, 1), D(2025, 12, 31), 3))
    for today in days(D(2024, 1, 1), D(2025, 12, 31), 5):
        cutoff = accounting_cutoff(policy, today)
        assert cutoff is not None
        for invoice in invoice_days:
            due = (
                accounting_retention(invoice, fy, r.bookkeeping_years, r.policy_max_months).delete_on <= today
            )
            assert (invoice <= cutoff) is due, (today, invoice)


@pytest.mark.parametrize(
    ("policy", "today", "cutoff"),
    [
        (DEFAULT, D(2025, 12, 31), D(2019, 12, 31)),
        (DEFAULT, D(2026, 1, 1), D(2020, 12, 31)),
        (FY_JULY, D(2025, 6, 30), D(2019, 6, 30)),
        (FY_JULY, D(2025, 7, 1), D(2020, 6, 30)),
    ],
)
def test_cutoff_is_the_end_of_the_last_due_financial_year(policy: Policy, today: date, cutoff: date) -> None:
    assert accounting_cutoff(policy, today) == cutoff


def test_never_a_deletion_before_the_bookkeeping_minimum() -> None:
    """Whatever the sweep day, nothing it selects is younger than 5 years after its financial year ended."""
    for policy in (DEFAULT, FY_JULY):
        fy = policy.financial_year
        for today in days(D(2024, 1, 1), D(2027, 12, 31), 7):
            cutoff = accounting_cutoff(policy, today)
            assert cutoff is not None
            end_of_fy = fy.end_of(cutoff)
            assert end_of_fy.replace(year=end_of_fy.year + 5) < today  # five full years have passed
            assert cutoff == end_of_fy  # and the cutoff never splits a financial year


def test_nothing_is_due_before_the_register_can_hold_anything() -> None:
    assert accounting_cutoff(DEFAULT, D(1901, 1, 1)) is None


# --------------------------------------------------------------------------- the relationship and R2 relevance

R = RelationshipFacts
REG = D(2018, 5, 1)

RELATIONSHIPS = [
    # facts, ended on (None: ongoing), words
    (R(REG), REG, "the day of the import; the source system gave no customer-since or last-activity date"),
    # the source system's dates (issue 16): the import day only where none is given
    (R(REG, customer_since=D(2017, 2, 1)), D(2017, 2, 1), "customer since this date in the source system"),
    (
        R(REG, customer_since=D(2017, 2, 1), last_activity=D(2017, 9, 3)),
        D(2017, 9, 3),
        "last activity in the source system",
    ),
    (R(REG, last_order=D(2022, 3, 1), last_activity=D(2021, 1, 1)), D(2022, 3, 1), "last order"),
    (R(REG, last_order=D(2019, 1, 1), last_activity=D(2021, 1, 1)), D(2021, 1, 1), "last activity"),
    (R(REG, last_order=D(2022, 3, 1)), D(2022, 3, 1), "last order"),
    (R(REG, last_order=D(2022, 3, 1), last_delivery=D(2022, 3, 9)), D(2022, 3, 9), "last delivery"),
    (
        R(REG, last_order=D(2022, 3, 1), last_agreement_end=D(2023, 1, 31)),
        D(2023, 1, 31),
        "service agreement",
    ),
    (R(REG, last_order=D(2022, 3, 1), last_payment=D(2022, 5, 2)), D(2022, 5, 2), "last payment"),
    (
        R(REG, last_invoice=D(2022, 3, 9), last_delivery=D(2022, 3, 9)),
        D(2022, 3, 9),
        "delivery and last invoice",
    ),
    (R(REG, last_order=D(2019, 1, 1), open_agreements=1), None, "1 open service agreement"),
    (R(REG, last_order=D(2019, 1, 1), unpaid_invoices=2), None, "2 invoices not fully paid, the claim still"),
    # forældelsesloven § 3: a time-barred claim keeps nothing (the default "delete")
    (
        R(REG, last_invoice=D(2021, 1, 4), barred_invoices=1),
        D(2021, 1, 4),
        "1 unpaid invoice whose claim is time-barred (forældelsesloven § 3) no longer keep",
    ),
    (R(REG, last_order=D(2019, 1, 1), recorded_end=D(2021, 6, 1)), D(2021, 6, 1), "recorded end"),
]


@pytest.mark.parametrize(("facts", "ended", "words"), RELATIONSHIPS)
def test_relationship_end(facts: RelationshipFacts, ended: date | None, words: str) -> None:
    rel = relationship(facts)
    assert rel.ended_on == ended
    assert words in rel.because
    if ended is not None:  # the sweep's hot path reaches the same day, and names the same source
        records = (facts.last_order, facts.last_delivery, facts.last_agreement_end, facts.last_invoice,
                   facts.last_payment, facts.recorded_end)  # fmt: skip
        fast = relationship_ended_on(
            (*records, facts.last_activity, facts.customer_since), lambda: facts.registered_on, ongoing=False
        )
        assert fast == ended
        assert relationship_source(ended, records, facts.last_activity, facts.customer_since) == rel.source


def test_a_time_barred_claim_keeps_contact_data_restricted_when_the_policy_says_restrict() -> None:
    facts = R(REG, last_invoice=D(2021, 1, 4), barred_invoices=1)
    rel = relationship(facts, claim_after="restrict")
    assert rel.ended_on is None
    assert "restricted to the bookkeeping act until the invoice is deleted" in rel.because


@pytest.mark.parametrize(
    ("years", "today", "cutoff"),
    [
        (3, D(2025, 3, 20), D(2022, 3, 19)),  # due 2022-03-19: enforceable through 2025-03-19
        (3, D(2025, 3, 19), D(2022, 3, 18)),
        (5, D(2025, 3, 20), D(2020, 3, 19)),
    ],
)
def test_the_claim_cutoff_is_the_latest_due_date_already_time_barred(
    years: int, today: date, cutoff: date
) -> None:
    policy = replace(DEFAULT, retention=replace(DEFAULT.retention, claim_years=years))
    assert claim_cutoff(policy, today) == cutoff


@pytest.mark.parametrize(
    ("policy", "ended", "delete_on"),
    [
        (DEFAULT, D(2022, 3, 9), D(2025, 3, 10)),  # 36 months: kept through 2025-03-09
        (
            DEFAULT,
            D(2021, 2, 28),
            D(2024, 2, 29),
        ),  # 28 Feb + 36 months = 28 Feb 2024; the day after is a leap day
        (DEFAULT, D(2020, 2, 29), D(2023, 3, 1)),  # a leap day: the month's last day, then the day after
        (RELEVANCE_12, D(2022, 3, 9), D(2023, 3, 10)),
    ],
)
def test_relevance_decision(policy: Policy, ended: date, delete_on: date) -> None:
    rel = relationship(R(REG, last_delivery=ended))
    for category in ("contact", "customer_number", "order_history"):
        d = relevance_decision(policy, category, rel)
        assert d.delete_on == delete_on
        assert not d.due(delete_on - timedelta(days=1)) and d.due(delete_on)
        assert d.reason.startswith(f"kept until {(delete_on - timedelta(days=1)).isoformat()}: ")
        assert f"relationship ended on {ended.isoformat()} (last delivery)" in d.reason


def test_an_ongoing_relationship_has_no_deletion_date() -> None:
    for facts in (R(REG, last_order=D(2010, 1, 1), open_agreements=1), R(REG, unpaid_invoices=1)):
        d = relevance_decision(DEFAULT, "contact", relationship(facts))
        assert d.delete_on is None and not d.due(D(2099, 1, 1))
        assert d.reason.startswith("kept: the customer relationship is ongoing")


def test_a_hold_keeps_contact_data_through_its_last_day() -> None:
    rel = relationship(R(REG, last_delivery=D(2022, 3, 9)))
    d = relevance_decision(DEFAULT, "contact", rel, held_until=D(2025, 6, 30))
    assert d.delete_on == D(2025, 7, 1)
    assert "legal hold" in d.reason


def test_relevance_cutoff_agrees_with_the_calendar() -> None:
    for today in days(D(2025, 1, 1), D(2025, 12, 31), 11):
        cutoff = relevance_cutoff(DEFAULT, "contact", today)
        assert cutoff is not None
        rel = relationship(R(REG, last_order=cutoff))
        later = relationship(R(REG, last_order=cutoff + timedelta(days=1)))
        assert relevance_decision(DEFAULT, "contact", rel).due(today)
        assert not relevance_decision(DEFAULT, "contact", later).due(today)


def test_week_of_is_the_monday() -> None:
    assert week_of(D(2026, 1, 1)) == D(2025, 12, 29)
    assert week_of(D(2025, 12, 29)) == D(2025, 12, 29)
    assert FinancialYear().label(D(2026, 1, 1)) == "2026"
