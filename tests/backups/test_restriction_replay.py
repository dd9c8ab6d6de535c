"""Restrictions of processing (Art. 18) recorded after a backup survive its restore: the ledger file outside the
database remembers each one put on and lifted, and the replay puts them back in order, each once. And a ledger
entry the replay does not know stops it, changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from persondata.access.actor import Actor
from persondata.register import ledger_file
from persondata.register.models import Customer, Restriction
from persondata.register.restrictions import lift_restriction, restrict_customer
from persondata.register.services import find_customers
from persondata.retention import ledger
from persondata.retention.models import DeletionLedgerEntry
from persondata.retention.reapply import LedgerReplayError, reapply, replay_restrictions
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _state() -> list[tuple[str, str, bool]]:
    return sorted(
        (str(r.customer_id), r.reason, r.lifted_at is None)
        for r in Restriction.objects.all().order_by("created_at")
    )


def test_restrictions_put_on_and_lifted_after_a_backup_come_back_in_order(
    demo_customers: list[dict[str, Any]],
    controller: Any,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PERSONDATA_DELETION_LEDGER = str(tmp_path / "deletion-ledger.jsonl")
    actor = Actor.for_user(controller, "rights_requests", "web")
    a, b = (find_customers(actor, r["email"], now=NOW)[0].id for r in demo_customers[:2])
    with django_capture_on_commit_callbacks(execute=True):  # the lines are written once the change commits
        restrict_customer(actor, a, reason="objection", now=NOW)
        lift_restriction(actor, a, customer_told_on=date(2026, 11, 25), now=NOW + timedelta(hours=1))
        restrict_customer(actor, a, reason="legal_claims", now=NOW + timedelta(hours=2))
        restrict_customer(actor, b, reason="accuracy_disputed", now=NOW + timedelta(hours=3))
    after = _state()
    events = list(ledger_file.restrictions())
    assert [e.action for e in events] == ["restrict", "lift", "restrict", "restrict"]
    text = (tmp_path / "deletion-ledger.jsonl").read_text()
    assert all(r["email"] not in text and r["name"] not in text for r in demo_customers[:2])  # codes only

    Restriction.objects.all().delete()  # the database as the backup had it: none of them
    assert replay_restrictions() == 4
    assert _state() == after
    active = Restriction.objects.get(customer_id=a, lifted_at__isnull=True)
    assert active.reason == "legal_claims" and active.created_at == NOW + timedelta(hours=2)
    assert replay_restrictions() == 0 and _state() == after  # each event once

    # a restore from a backup that held the first restriction already: only what came after is applied
    Restriction.objects.exclude(reason="objection").delete()
    Restriction.objects.filter(reason="objection").update(lifted_at=None)
    assert replay_restrictions() == 3
    assert _state() == after


def test_an_entry_of_an_unknown_kind_stops_the_replay_and_changes_nothing(
    demo_customers: list[dict[str, Any]], settings: Any, tmp_path: Path
) -> None:
    settings.PERSONDATA_DELETION_LEDGER = str(tmp_path / "deletion-ledger.jsonl")
    ids = [c.hex for c in Customer.objects.values_list("id", flat=True)[:2]]
    ledger.append_to_file(
        [
            ledger.LedgerRow.new(NOW, ids[0], "customer", "bookkeeping", 1),
            ledger.LedgerRow.new(
                NOW, ids[1], "photos", "relevance:activity", 1
            ),  # a kind from a later version
        ]
    )
    customers = Customer.objects.count()
    with pytest.raises(LedgerReplayError, match="'photos'"):
        reapply(now=NOW)
    assert Customer.objects.count() == customers and not DeletionLedgerEntry.objects.exists()
