"""``erase_customer_now``: what is not accounting material goes at once, through the sweep's deletion code."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.audit.services import TransactionRequired
from persondata.keys import store
from persondata.register.services import show_customer
from persondata.retention import holds
from persondata.retention.erasure import CustomerNotFound, erase_customer_now
from persondata.retention.models import DeletionLedgerEntry, RetentionRun
from tests.retention.conftest import agreement, at_noon, customer, invoice, order, payment
from tests.retention.test_sweep import items, run_on

D = date
NOW = at_noon(D(2026, 2, 10))


def shopper(number: str) -> dict[str, Any]:
    return customer(
        number,
        orders=[order(f"O{number}", D(2025, 11, 3), D(2025, 11, 5))],
        invoices=[invoice(f"F{number}a", D(2024, 3, 1)), invoice(f"F{number}b", D(2025, 11, 5))],
        payments=[
            payment(f"P{number}a", f"F{number}a", D(2024, 3, 4)),
            payment(f"P{number}b", f"F{number}b", D(2025, 11, 9)),
        ],
        agreements=[agreement(f"A{number}", D(2025, 1, 1))],
    )


@pytest.mark.django_db
def test_erasure_deletes_all_but_the_accounting_material_and_says_until_when(
    load: Callable[..., dict[str, uuid.UUID]],
    controller: Any,
    ledger_file: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cid = load([shopper("E1")])["E1"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        result = erase_customer_now(
            cid, actor=f"staff:{controller.pk}", now=NOW, reason_code="erasure_request"
        )
    # the open agreement would keep the relationship alive for the sweep; an erasure request does not wait
    assert items(cid) == {"customer", "FE1a", "FE1b", "PE1a", "PE1b", "key:fy2024", "key:fy2025"}
    assert result.erased["contact"] == 1 and result.erased["orders"] == 1 and result.erased["agreements"] == 1
    assert result.erased["keys_relevance"] == 1 and not result.customer_removed
    kept = {k.klass: k for k in result.kept}
    assert (kept["fy2024"].delete_on, kept["fy2025"].delete_on) == (D(2030, 1, 1), D(2031, 1, 1))
    assert (kept["fy2024"].invoices, kept["fy2024"].payments) == (1, 1)
    assert kept["fy2025"].reason.startswith("kept until 2030-12-31: bookkeeping act, ")
    # the invoices still read under their own keys
    with transaction.atomic():
        view = show_customer(Actor.for_user(controller, "bookkeeping", "cli"), cid, now=NOW)
    assert view.contact is None and len(view.invoices) == 2 and view.invoices[0]["billing"]
    # the same ledger as the sweep (rule "erasure"), in the database and in the file once committed
    entries = list(DeletionLedgerEntry.objects.filter(customer_id=cid))
    assert [(e.klass, e.rule, e.count) for e in entries] == [("relevance", "erasure", 4)]
    assert json.loads(ledger_file.read_text().splitlines()[0])["rule"] == "erasure"
    assert RetentionRun.objects.get(pk=result.run_id).kind == "erasure"
    entry = AuditEntry.objects.get(action="retention.erasure")
    assert entry.target == str(cid) and entry.details["reason"] == "erasure_request"
    # the daily sweep later deletes the accounting material on its own day, and then the customer
    run_on(D(2030, 1, 1))
    assert items(cid) == {"customer", "FE1b", "PE1b", "key:fy2025"}
    run_on(D(2031, 1, 1))
    assert items(cid) == set()


@pytest.mark.django_db
def test_a_customer_without_accounting_material_is_removed_entirely(
    load: Callable[..., dict[str, uuid.UUID]],
) -> None:
    cid = load([customer("E2", orders=[order("OE2", D(2025, 11, 3))])])["E2"]
    with transaction.atomic():
        result = erase_customer_now(cid, actor="system", now=NOW, reason_code="erasure_request")
    assert result.customer_removed and result.kept == [] and items(cid) == set()
    assert {e.klass for e in DeletionLedgerEntry.objects.filter(customer_id=cid)} == {"relevance", "customer"}


@pytest.mark.django_db
def test_a_legal_hold_stops_an_erasure(load: Callable[..., dict[str, uuid.UUID]], controller: Any) -> None:
    cid = load([shopper("E3")])["E3"]
    with transaction.atomic():
        holds.create_hold(
            customer_id=cid, reason="Retssag", ends_on=D(2026, 12, 31), created_by=controller.pk, now=NOW
        )
        result = erase_customer_now(cid, actor="system", now=NOW, reason_code="erasure_request")
    assert result.held_until == D(2026, 12, 31) and not result.erased
    assert "contact" in items(cid) and store.customer_keys([cid.hex], "relevance")


@pytest.mark.django_db
def test_erasure_needs_a_code_and_a_customer(load: Callable[..., dict[str, uuid.UUID]]) -> None:
    cid = load([shopper("E4")])["E4"]
    with transaction.atomic(), pytest.raises(ValueError, match="short lower-case code"):
        erase_customer_now(cid, actor="system", now=NOW, reason_code="Kunden ringede")
    with transaction.atomic(), pytest.raises(CustomerNotFound):
        erase_customer_now(uuid.uuid4(), actor="system", now=NOW, reason_code="erasure_request")
    assert "contact" in items(cid)


@pytest.mark.django_db(transaction=True)
def test_erasure_runs_inside_the_callers_transaction(load: Callable[..., dict[str, uuid.UUID]]) -> None:
    cid = load([shopper("E5")])["E5"]
    with pytest.raises(TransactionRequired):
        erase_customer_now(cid, actor="system", now=NOW, reason_code="erasure_request")
    assert "contact" in items(cid)
