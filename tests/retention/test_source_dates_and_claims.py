"""Retention from the source system's dates, and unpaid invoices under forældelsesloven § 3 (issue 16).

Customers are imported through the real import with the dates the administrative system gives; the sweep runs
against the real database (SQLite, and PostgreSQL in the PostgreSQL run).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from persondata import runtime
from persondata.core.policy import Policy
from persondata.register.models import Customer, Invoice, Restriction
from persondata.retention.explain import explain_customer
from persondata.retention.models import DeletionLedgerEntry
from persondata.retention.sweep import sweep
from persondata.retention.sweep_report import SweepReport
from tests.retention.conftest import at_noon, customer, invoice, order


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The sweep's reasons in English, as these tests read them (the app's language is Danish)."""
    with translation.override("en"):
        yield


D = date
IMPORTED = D(2025, 5, 1)  # the day of the import
SWEEP_DAY = D(2025, 5, 2)  # the first sweep after it

Load = Callable[..., dict[str, uuid.UUID]]


def _run(day: date, policy: Policy | None = None) -> SweepReport:
    return sweep(now=at_noon(day), dry_run=False, policy=policy)


def _plan(day: date, policy: Policy | None = None) -> SweepReport:
    return sweep(now=at_noon(day), dry_run=True, policy=policy)


def _since(
    number: str, since: date | None = None, last: date | None = None, **records: Any
) -> dict[str, Any]:
    c = customer(number, **records)
    if since is not None:
        c["customer_since"] = since.isoformat()
    if last is not None:
        c["last_activity"] = last.isoformat()
    return c


def _reason(cid: uuid.UUID, what: str, today: date, policy: Policy | None = None) -> str:
    return next(e.decision.reason for e in explain_customer(cid, today, policy) if e.what == what)


@pytest.mark.django_db
def test_a_customer_since_four_years_back_without_activity_goes_on_the_first_sweep(load: Load) -> None:
    ids = load(
        [
            _since("S1", since=D(2021, 3, 1)),  # four years back in the source system, nothing since
            _since("S2", since=D(2021, 3, 1), last=D(2024, 11, 20)),  # active half a year ago
            _since("S3"),  # the export gave no date: counted from the import
        ],
        now=at_noon(IMPORTED),
    )
    # before the sweep, the customer's own schedule names the source date
    assert _reason(ids["S1"], "contact data", SWEEP_DAY) == (
        "kept until 2024-03-01: 3 years after the customer relationship ended on 2021-03-01 "
        "(customer since this date in the source system)"
    )
    assert "ended on 2024-11-20 (last activity in the source system)" in _reason(
        ids["S2"], "contact data", SWEEP_DAY
    )
    assert "ended on 2025-05-01 (the day of the import; the source system gave no" in _reason(
        ids["S3"], "contact data", SWEEP_DAY
    )
    planned = _plan(SWEEP_DAY)
    why = {rule: text for _cat, rule, _n, text in planned.reasons(runtime.policy())}
    assert "1 customers from the source system's customer-since date" in why["relevance"]
    report = _run(SWEEP_DAY)
    assert report.counts["contact"] == 1 and report.counts["customers_removed"] == 1
    assert not Customer.objects.filter(pk=ids["S1"]).exists()
    assert Customer.objects.filter(pk__in=[ids["S2"], ids["S3"]]).count() == 2
    # the ledger says what the relevance period was counted from
    rules = {e.klass: e.rule for e in DeletionLedgerEntry.objects.filter(customer_id=ids["S1"])}
    assert rules == {"relevance": "relevance:since", "customer": "relevance:since"}


@pytest.mark.django_db
def test_the_last_activity_counts_and_the_ledger_says_so(load: Load) -> None:
    ids = load([_since("S4", since=D(2015, 1, 1), last=D(2021, 6, 30))], now=at_noon(IMPORTED))
    assert _run(SWEEP_DAY).counts["contact"] == 1
    assert {e.rule for e in DeletionLedgerEntry.objects.filter(customer_id=ids["S4"])} == {
        "relevance:activity"
    }


@pytest.mark.django_db
def test_the_registers_own_records_win_over_an_older_source_date(load: Load) -> None:
    ids = load(
        [_since("S5", since=D(2019, 1, 1), last=D(2020, 1, 1), orders=[order("OS5", D(2024, 2, 1))])],
        now=at_noon(IMPORTED),
    )
    assert "ended on 2024-02-01 (last order)" in _reason(ids["S5"], "contact data", SWEEP_DAY)
    assert _run(SWEEP_DAY).counts["contact"] == 0


@pytest.mark.django_db
def test_a_reimport_without_the_dates_keeps_those_already_known(load: Load) -> None:
    ids = load([_since("S6", since=D(2021, 3, 1))], now=at_noon(D(2025, 4, 1)))
    load([_since("S6")], now=at_noon(IMPORTED))
    row = Customer.objects.values("customer_since", "last_activity").get(pk=ids["S6"])
    assert row == {"customer_since": D(2021, 3, 1), "last_activity": None}


# ------------------------------------------------------------------------------ unpaid invoices (forældelsesloven)


def _unpaid(number: str, day: date, due: date | None = None) -> dict[str, Any]:
    inv = invoice(f"F{number}", day)
    if due is not None:
        inv["due_date"] = due.isoformat()
    return customer(number, invoices=[inv])


@pytest.mark.django_db
def test_an_invoice_unpaid_for_three_years_no_longer_keeps_contact_data(load: Load) -> None:
    ids = load(
        [
            _unpaid("U1", D(2022, 3, 5), due=D(2022, 3, 19)),  # time-barred from 2025-03-20
            _unpaid("U2", D(2022, 6, 1), due=D(2022, 6, 15)),  # enforceable through 2025-06-15
        ],
        now=at_noon(D(2022, 6, 2)),
    )
    today = D(2025, 4, 1)
    assert "1 unpaid invoice whose claim is time-barred (forældelsesloven § 3) no longer keep" in _reason(
        ids["U1"], "contact data", today
    )
    assert "the claim still enforceable (forældelsesloven § 3)" in _reason(ids["U2"], "contact data", today)
    planned = _plan(today)
    reasons = {rule: (n, text) for _cat, rule, n, text in planned.reasons(runtime.policy())}
    n, why = reasons["time-barred claim"]
    assert n == 1
    assert "unpaid invoices due on or before 2022-03-31" in why
    assert "3 years from the due date, forældelsesloven § 3" in why and "no longer keeps" in why
    assert planned.ongoing["unpaid_invoice"] == 1
    report = _run(today)
    assert report.counts["contact"] == 1 and report.claims_barred == 1
    u1 = Customer.objects.get(pk=ids["U1"])
    assert u1.name_bidx is None and u1.email_bidx is None  # the contact data is gone …
    assert Invoice.objects.filter(customer_id=ids["U1"]).count() == 1  # … the accounting material stays
    assert "bookkeeping act" in _reason(ids["U1"], "invoice FU1", today)
    assert Customer.objects.get(pk=ids["U2"]).name_bidx is not None


@pytest.mark.django_db
def test_without_a_due_date_the_claim_runs_from_the_invoice_date(load: Load) -> None:
    ids = load([_unpaid("U3", D(2022, 3, 5))], now=at_noon(D(2022, 3, 6)))
    assert _run(D(2025, 3, 5)).counts["contact"] == 0  # enforceable through 2025-03-05
    assert _run(D(2025, 3, 6)).counts["contact"] == 1
    assert Customer.objects.get(pk=ids["U3"]).name_bidx is None


@pytest.mark.django_db
def test_a_policy_may_restrict_instead_of_delete(load: Load) -> None:
    base = runtime.policy()
    policy = replace(base, retention=replace(base.retention, claim_after="restrict"))
    ids = load([_unpaid("U4", D(2022, 3, 5), due=D(2022, 3, 19))], now=at_noon(D(2022, 3, 6)))
    today = D(2025, 4, 1)
    planned = _plan(today, policy)
    assert planned.ongoing["claim_restricted"] == 1 and planned.counts["contact"] == 0
    why = {rule: text for _cat, rule, _n, text in planned.reasons(policy)}["time-barred claim"]
    assert "restricted to the bookkeeping act until the invoices are deleted" in why
    assert _run(today, policy).restricted == 1
    assert _run(D(2025, 4, 2), policy).restricted == 0  # idempotent: one restriction, not one per sweep
    assert Customer.objects.get(pk=ids["U4"]).name_bidx is not None
    (restriction,) = Restriction.objects.filter(customer_id=ids["U4"], lifted_at__isnull=True)
    assert restriction.reason == "claim_time_barred"
    assert restriction.purposes == ["bookkeeping", "rights_requests"]
    assert "contact" in restriction.categories


def test_the_policy_files_claim_period_is_validated() -> None:
    from persondata.core.policy import PolicyError, parse_policy
    from tests.core.test_policy import edited

    five = edited(("unpaid_claim_years = 3", "unpaid_claim_years = 5"))
    assert parse_policy(five).retention.claim_years == 5  # another period, with its reason
    without_reason = "\n".join(x for x in five.splitlines() if not x.startswith("unpaid_claim_reason"))
    with pytest.raises(PolicyError) as err:
        parse_policy(without_reason)
    assert "retention.unpaid_claim_years" in str(err.value) and "unpaid_claim_reason" in str(err.value)
    with pytest.raises(PolicyError) as err:
        parse_policy(edited(('unpaid_claim_after = "delete"', 'unpaid_claim_after = "keep"')))
    assert 'write unpaid_claim_after = "delete"' in str(err.value)
    with pytest.raises(PolicyError) as err:
        parse_policy(edited(("unpaid_claim_years = 3", "unpaid_claim_years = 11")))
    assert "outside the allowed range 1–10" in str(err.value)
