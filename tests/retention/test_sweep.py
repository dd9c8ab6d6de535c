"""The sweep against a real database: a year-end simulated day by day, holds, the clash, crypto-shredding."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.cli import main
from persondata.register.models import Customer, DataKey, Invoice, Order, Payment, ServiceAgreement
from persondata.register.services import show_customer
from persondata.retention import holds
from persondata.retention.models import DeletionLedgerEntry, RetentionRun
from persondata.retention.sweep import sweep
from persondata.retention.sweep_report import COUNT_KEYS, SweepReport
from tests.retention.conftest import agreement, at_noon, customer, invoice, order, payment

D = date
FIRST_SWEEP = D(2025, 6, 1)  # the first sweep ever catches up on everything overdue
DAILY = [D(2025, 12, 28) + timedelta(days=i) for i in range(8)]  # 2025-12-28 … 2026-01-04


def run_on(day: date, **kw: Any) -> SweepReport:
    return sweep(now=at_noon(day), dry_run=False, **kw)


def plan_on(day: date, **kw: Any) -> SweepReport:
    return sweep(now=at_noon(day), dry_run=True, **kw)


def items(cid: uuid.UUID) -> set[str]:
    """What the register holds of a customer: categories, records by number, and its keys."""
    row = Customer.objects.filter(pk=cid).values("name_bidx", "number_bidx").first()
    if row is None:
        return set()
    out = {"customer"}
    if row["name_bidx"] is not None:
        out.add("contact")
    if row["number_bidx"] is not None:
        out.add("number")
    out |= set(Order.objects.filter(customer_id=cid).values_list("order_number", flat=True))
    out |= set(ServiceAgreement.objects.filter(customer_id=cid).values_list("agreement_ref", flat=True))
    out |= set(Invoice.objects.filter(customer_id=cid).values_list("invoice_number", flat=True))
    out |= set(Payment.objects.filter(customer_id=cid).values_list("payment_ref", flat=True))
    out |= {f"key:{k}" for k in DataKey.objects.filter(customer_id=cid).values_list("klass", flat=True)}
    return out


# What goes when, for the sweeps on FIRST_SWEEP and then every day of DAILY: (customer, item) → first sweep day
# on which it is gone; None: still there after the last sweep. Each line says the rule.
GONE_ON: dict[tuple[str, str], date | None] = {
    # RULES R3 example 1 (the clash): invoice 2020-03-15 is kept past the policy's 2025-09-15, deleted 2026-01-01
    ("K1", "F1"): D(2026, 1, 1),
    ("K1", "P1"): D(2026, 1, 1),
    ("K1", "key:fy2020"): D(2026, 1, 1),
    ("K1", "contact"): FIRST_SWEEP,  # relationship ended 2020-03-20 (payment) + 36 months
    ("K1", "number"): FIRST_SWEEP,
    ("K1", "O1"): FIRST_SWEEP,
    ("K1", "key:relevance"): FIRST_SWEEP,
    ("K1", "customer"): D(2026, 1, 1),  # nothing left
    # RULES R3 example 2: 2020-09-10, deleted on the first day of the window 2026-01-01 … 2026-03-10
    ("K2", "F2"): D(2026, 1, 1),
    ("K2", "P2"): D(2026, 1, 1),
    ("K2", "customer"): D(2026, 1, 1),
    # the last day of a financial year; its payment falls in the next financial year and stays a year more
    ("K3", "F3"): D(2026, 1, 1),
    ("K3", "P3"): None,
    ("K3", "key:fy2020"): D(2026, 1, 1),
    ("K3", "key:fy2021"): None,
    ("K3", "customer"): None,
    ("K3", "contact"): FIRST_SWEEP,
    # relevance: last payment 2022-12-30 + 36 months → kept through 2025-12-30, deleted 2025-12-31
    ("K4", "contact"): D(2025, 12, 31),
    ("K4", "number"): D(2025, 12, 31),
    ("K4", "O4"): D(2025, 12, 31),
    ("K4", "key:relevance"): D(2025, 12, 31),
    ("K4", "F4"): None,
    ("K4", "key:fy2022"): None,
    # an open service agreement keeps the relationship alive, however old the last order
    ("K5", "contact"): None,
    ("K5", "O5"): None,
    ("K5", "A5"): None,
    # an agreement that ended 2022-12-29: deleted 36 months later, and the customer with it (no invoices)
    ("K6", "contact"): D(2025, 12, 30),
    ("K6", "A6"): D(2025, 12, 30),
    ("K6", "O6"): D(2025, 12, 30),
    ("K6", "customer"): D(2025, 12, 30),
    # an unpaid invoice, and one paid only in part, keep the relationship alive while the claim can be enforced
    ("K7", "contact"): None,
    ("K7", "O7"): None,
    ("K8", "contact"): None,
    # a legal hold on the customer through 2026-01-02 stops everything; it all goes the day after
    ("K9", "contact"): D(2026, 1, 3),
    ("K9", "O9"): D(2026, 1, 3),
    ("K9", "F9"): D(2026, 1, 3),
    ("K9", "P9"): D(2026, 1, 3),
    ("K9", "customer"): D(2026, 1, 3),
    # a hold on one invoice keeps that invoice and its financial year's key; the rest of the year goes
    ("K10", "F10a"): None,
    ("K10", "F10b"): D(2026, 1, 1),
    ("K10", "P10a"): D(2026, 1, 1),
    ("K10", "P10b"): D(2026, 1, 1),
    ("K10", "key:fy2020"): None,
    ("K10", "contact"): FIRST_SWEEP,
    ("K10", "customer"): None,
    # a hold on one order keeps the order and the relevance key; the contact data goes all the same
    ("K11", "O11"): None,
    ("K11", "key:relevance"): None,
    ("K11", "contact"): FIRST_SWEEP,
    ("K11", "number"): FIRST_SWEEP,
    ("K11", "F11"): None,
}


def year_end_customers() -> list[dict[str, Any]]:
    return [
        customer(
            "K1",
            orders=[order("O1", D(2020, 3, 1), D(2020, 3, 14))],
            invoices=[invoice("F1", D(2020, 3, 15))],
            payments=[payment("P1", "F1", D(2020, 3, 20))],
        ),
        customer(
            "K2",
            orders=[order("O2", D(2020, 9, 1), D(2020, 9, 9))],
            invoices=[invoice("F2", D(2020, 9, 10))],
            payments=[payment("P2", "F2", D(2020, 9, 12))],
        ),
        customer(
            "K3", invoices=[invoice("F3", D(2020, 12, 31))], payments=[payment("P3", "F3", D(2021, 1, 4))]
        ),
        customer(
            "K4",
            orders=[order("O4", D(2022, 12, 20), D(2022, 12, 28))],
            invoices=[invoice("F4", D(2022, 12, 28))],
            payments=[payment("P4", "F4", D(2022, 12, 30))],
        ),
        customer(
            "K5",
            orders=[order("O5", D(2019, 5, 1), D(2019, 5, 2))],
            agreements=[agreement("A5", D(2018, 1, 1))],
        ),
        customer(
            "K6",
            orders=[order("O6", D(2019, 5, 1), D(2019, 5, 2))],
            agreements=[agreement("A6", D(2018, 1, 1), D(2022, 12, 29))],
        ),
        # invoiced 2023-01-10: the claims can be enforced through 2026-01-10 (forældelsesloven § 3)
        customer("K7", orders=[order("O7", D(2022, 6, 1))], invoices=[invoice("F7", D(2023, 1, 10))]),
        customer(
            "K8",
            invoices=[invoice("F8", D(2023, 1, 10))],
            payments=[payment("P8", "F8", D(2023, 1, 15), amount="50.00")],
        ),
        customer(
            "K9",
            orders=[order("O9", D(2020, 5, 1), D(2020, 5, 1))],
            invoices=[invoice("F9", D(2020, 5, 1))],
            payments=[payment("P9", "F9", D(2020, 5, 5))],
        ),
        customer(
            "K10",
            invoices=[invoice("F10a", D(2020, 6, 1)), invoice("F10b", D(2020, 7, 1))],
            payments=[payment("P10a", "F10a", D(2020, 6, 2)), payment("P10b", "F10b", D(2020, 7, 2))],
        ),
        customer(
            "K11",
            orders=[order("O11", D(2021, 1, 10), D(2021, 1, 12))],
            invoices=[invoice("F11", D(2021, 1, 12))],
            payments=[payment("P11", "F11", D(2021, 1, 13))],
        ),
    ]


def record_id(model: Any, **where: str) -> uuid.UUID:
    return uuid.UUID(str(model.objects.values_list("id", flat=True).get(**where)))


@pytest.fixture
def year_end(load: Callable[..., dict[str, uuid.UUID]], controller: Any) -> dict[str, uuid.UUID]:
    ids = load(year_end_customers())
    with transaction.atomic():
        for cid, record, until in (
            (ids["K9"], None, D(2026, 1, 2)),
            (ids["K10"], record_id(Invoice, invoice_number="F10a"), D(2026, 6, 30)),
            (ids["K11"], record_id(Order, order_number="O11"), D(2027, 1, 1)),
        ):
            holds.create_hold(
                customer_id=cid,
                record_id=record,
                reason="Verserende sag om reklamation",
                ends_on=until,
                created_by=controller.pk,
                now=at_noon(D(2025, 5, 1)),
            )
    return ids


@pytest.mark.django_db
def test_a_year_end_day_by_day(year_end: dict[str, uuid.UUID]) -> None:
    """Never before the law allows, never later than the sweep on the day it is due, holds respected; and the
    plan for each day predicts exactly what the run on that day deletes."""
    tracked = {(n, item) for n, item in GONE_ON}
    gone: dict[tuple[str, str], date] = {}
    for day in [FIRST_SWEEP, *DAILY]:
        planned = plan_on(day)
        done = run_on(day)
        assert {k: planned.counts[k] for k in COUNT_KEYS} == {k: done.counts[k] for k in COUNT_KEYS}, day
        for number, cid in year_end.items():
            present = items(cid)
            for n, item in tracked:
                if n == number and item not in present:
                    gone.setdefault((n, item), day)
    # everything expected to be there at the start was there (a typo in the table would pass silently otherwise)
    assert {k: gone.get(k) for k in GONE_ON} == GONE_ON
    assert run_on(DAILY[-1]).deleted_records() == 0  # the sweep is idempotent


@pytest.mark.django_db
def test_the_clash_invoice_survives_the_policy_day_and_goes_on_the_law_day(
    load: Callable[..., dict[str, uuid.UUID]], controller: Any
) -> None:
    ids = load(year_end_customers()[:1])
    report = run_on(D(2025, 9, 15))
    assert items(ids["K1"]) >= {"F1", "P1", "key:fy2020"}
    assert report.clash is not None and (report.clash.affected, report.clash.kept_past_policy) == (2, 0)
    report = run_on(D(2025, 12, 31))
    assert "F1" in items(ids["K1"])
    assert (
        report.clash is not None and report.clash.kept_past_policy == 2
    )  # past the policy's day, kept by law
    # the invoice reads fine through the register's own read service after the contact data is shredded
    actor = Actor.for_user(controller, "bookkeeping", "cli")
    with transaction.atomic():
        view = show_customer(actor, ids["K1"], now=at_noon(D(2025, 12, 31)))
    assert view.contact is None and view.customer_number is None
    assert [i["billing"]["name"] for i in view.invoices] == ["Faktura F1"]
    run_on(D(2026, 1, 1))
    assert items(ids["K1"]) == set()
    # and `policy check` names the clash
    out = io.StringIO()
    with redirect_stdout(out):
        main(["policy", "check"])
    assert "retention-clash" in out.getvalue() and "1 January – 30 June" in out.getvalue()


@pytest.mark.django_db
def test_a_held_order_keeps_its_key_and_reads_after_the_contact_data_is_gone(
    year_end: dict[str, uuid.UUID], controller: Any
) -> None:
    run_on(FIRST_SWEEP)
    cid = year_end["K11"]
    assert items(cid) >= {"O11", "key:relevance", "F11"} and "contact" not in items(cid)
    with transaction.atomic():
        view = show_customer(
            Actor.for_user(controller, "customer_service", "cli"), cid, now=at_noon(FIRST_SWEEP)
        )
    assert not view.contact and view.customer_number is None  # an empty record, not an error
    assert [o["order_number"] for o in view.orders] == ["O11"] and view.orders[0]["lines"]
    # once the hold is ended, the next sweep deletes the order and destroys the key
    hold = holds.holds_in_force(FIRST_SWEEP)
    with transaction.atomic():
        for h in hold:
            if h.customer_id == cid:
                holds.end_hold(h.id, ended_by=controller.pk, now=at_noon(FIRST_SWEEP))
    run_on(FIRST_SWEEP + timedelta(days=1))
    assert items(cid) == {"customer", "F11", "P11", "key:fy2021"}


@pytest.mark.django_db
def test_a_hold_stops_the_sweep_and_the_plan_says_so(year_end: dict[str, uuid.UUID]) -> None:
    report = plan_on(D(2026, 1, 2))
    assert report.held["invoices"] >= 2  # F9 (whole customer) and F10a (one invoice)
    assert report.held["contact"] == 1
    assert report.ongoing["open_agreement"] == 1 and report.ongoing["unpaid_invoice"] == 2


@pytest.mark.django_db
def test_the_ledger_proves_each_deletion_and_holds_no_personal_data(
    year_end: dict[str, uuid.UUID], ledger_file: Path
) -> None:
    for day in [FIRST_SWEEP, *DAILY]:
        run_on(day)
    entries = list(DeletionLedgerEntry.objects.all())
    by = {(e.customer_id, e.klass) for e in entries}
    assert (year_end["K1"], "relevance") in by and (year_end["K1"], "fy2020") in by
    assert (year_end["K1"], "customer") in by
    assert {e.rule for e in entries} == {"relevance", "bookkeeping"}
    # the held invoice's year is deleted record by record: the entries name the records, not the class
    k10 = [e for e in entries if e.customer_id == year_end["K10"] and e.klass == "fy2020"]
    assert k10 and all(e.record_id is not None for e in k10) and sum(e.count for e in k10) == 3
    # the file holds the same entries, and nothing about the people
    lines = [json.loads(x) for x in ledger_file.read_text().splitlines()]
    assert {x["id"] for x in lines} == {e.id.hex for e in entries}
    text = ledger_file.read_text()
    for record in year_end_customers():
        for value in (
            record["name"],
            record["email"],
            record["customer_number"],
            record["address"]["street"],
        ):
            assert value not in text
    # each chunk that deleted something, and each run, is in the audit log, without personal data either
    actions = list(
        AuditEntry.objects.filter(action__startswith="retention.").values_list("action", flat=True)
    )
    assert actions.count("retention.run") == 1 + len(DAILY) and "retention.chunk" in actions
    assert "retention.hold_created" in actions
    assert "Verserende" not in json.dumps(list(AuditEntry.objects.values_list("details", flat=True)))


@pytest.mark.django_db
def test_chunks_do_not_change_the_outcome(load: Callable[..., dict[str, uuid.UUID]]) -> None:
    load(year_end_customers())
    one = plan_on(D(2026, 1, 1), chunk_size=1000)
    three = plan_on(D(2026, 1, 1), chunk_size=3)
    assert one.counts == three.counts and three.chunks == 4
    done = run_on(D(2026, 1, 1), chunk_size=2)
    assert {k: done.counts[k] for k in COUNT_KEYS} == {k: one.counts[k] for k in COUNT_KEYS}
    run = RetentionRun.objects.get(pk=done.run_id)
    assert run.status == "done" and run.chunks == 6 and run.customers_scanned == 11


@pytest.mark.django_db
def test_demo_data_plan_matches_the_run(demo_customers: list[dict[str, Any]]) -> None:
    planned = plan_on(D(2026, 11, 25), chunk_size=7)
    done = run_on(D(2026, 11, 25), chunk_size=7)
    assert done.deleted_records() > 0
    assert {k: planned.counts[k] for k in COUNT_KEYS} == {k: done.counts[k] for k in COUNT_KEYS}
    assert planned.forecast == done.forecast
    assert run_on(D(2026, 11, 25)).deleted_records() == 0
