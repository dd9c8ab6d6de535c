"""The audit log on the real database (SQLite or PostgreSQL): append, verify, and tampering with raw SQL."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction

from persondata.audit import services
from persondata.audit.models import AppendOnlyError, AuditEntry, AuditHead
from persondata.audit.services import TransactionRequired, export_head, record, verify
from persondata.core.audit_chain import GENESIS, Head
from tests.conftest import NOW

CUSTOMER = "0192f3a4-5b6c-7d8e-9f01-234567890123"  # a pseudonymous id whose digits look like many things


def _append(n: int, start: int = 0, actor: str = "staff:12") -> list[AuditEntry]:
    return [
        record(
            "customer.import",
            actor=actor,
            target=CUSTOMER if i % 2 else "",
            details={"count": i, "run": 7, "note": "æøå"},
            now=NOW + timedelta(seconds=i, microseconds=i % 2),
        )
        for i in range(start + 1, start + n + 1)
    ]


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.mark.django_db
def test_appended_entries_chain_and_verify() -> None:
    entries = _append(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    result = verify()
    assert (result.ok, result.checked, result.problem) == (True, 5, None)
    head = AuditHead.objects.get()
    assert (
        result.last is not None
        and result.last.seq == 5
        and result.last.digest_hex == bytes(head.digest).hex()
    )
    assert result.last.at_iso == "2026-11-25T10:00:05.000001+00:00"
    stored = AuditEntry.objects.get(seq=2)
    assert stored.details == {"count": 2, "run": 7, "note": "æøå"}
    assert stored.at == NOW + timedelta(seconds=2) and stored.target == ""


@pytest.mark.django_db
def test_empty_log_verifies_and_exports_the_genesis_head() -> None:
    assert verify().ok and verify().checked == 0
    head = export_head(NOW)
    assert head == Head(0, GENESIS.hex(), "2026-11-25T10:00:00.000000+00:00")
    assert verify(head).ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "sql"),
    [
        ("action", "UPDATE audit_entry SET action = 'customer.imporu' WHERE seq = 3"),
        (
            "details",
            "UPDATE audit_entry SET details = replace(details, '\"count\":3', '\"count\":4') WHERE seq = 3",
        ),
        ("actor", "UPDATE audit_entry SET actor = 'staff:13' WHERE seq = 3"),
        ("target", "UPDATE audit_entry SET target = replace(target, '0123', '0124') WHERE seq = 3"),
    ],
)
def test_one_changed_byte_names_that_entry(column: str, sql: str) -> None:
    _append(6)
    _sql(sql)
    result = verify()
    assert not result.ok
    assert result.first_broken_seq == 3 and result.checked == 2
    assert result.problem is not None and "entry 3" in result.problem and "changed" in result.problem


@pytest.mark.django_db
def test_changed_time_and_changed_digest_are_named() -> None:
    _append(6)
    if connection.vendor == "postgresql":
        _sql("UPDATE audit_entry SET at = at + interval '1 microsecond' WHERE seq = 4")
    else:
        _sql("UPDATE audit_entry SET at = replace(at, '10:00:04', '10:00:05') WHERE seq = 4")
    assert verify().first_broken_seq == 4
    _sql(
        "UPDATE audit_entry SET at = %s WHERE seq = 4",
        [connection.ops.adapt_datetimefield_value(NOW.replace(second=4))],
    )
    assert verify().ok  # restored: the same instant
    digest = bytearray(AuditEntry.objects.get(seq=2).digest)
    digest[0] ^= 1
    _sql("UPDATE audit_entry SET digest = %s WHERE seq = 2", [bytes(digest)])
    assert verify().first_broken_seq == 2


@pytest.mark.django_db
def test_deleted_entry_is_named() -> None:
    _append(6)
    _sql("DELETE FROM audit_entry WHERE seq = 4")
    result = verify()
    assert not result.ok and result.first_broken_seq == 4 and result.checked == 3
    assert result.problem is not None and "entry 4 is missing" in result.problem


@pytest.mark.django_db
def test_deleted_tail_is_caught_by_the_head_record() -> None:
    _append(6)
    _sql("DELETE FROM audit_entry WHERE seq > 4")
    result = verify()
    assert not result.ok and result.first_broken_seq == 5
    assert result.problem is not None and "head record says 6" in result.problem


@pytest.mark.django_db
def test_deleted_tail_with_head_record_fixed_is_caught_by_an_exported_head() -> None:
    _append(6)
    exported = export_head(NOW + timedelta(hours=1))
    digest4 = AuditEntry.objects.get(seq=4).digest
    _sql("DELETE FROM audit_entry WHERE seq > 4")
    _sql("UPDATE audit_head SET seq = 4, digest = %s WHERE id = 1", [digest4])
    assert verify().ok  # consistent on its own: only a head kept outside can tell
    result = verify(exported)
    assert not result.ok and result.first_broken_seq == 5 and result.checked == 4
    assert result.problem is not None and "ends at entry 4" in result.problem


@pytest.mark.django_db
def test_rewrite_by_someone_holding_the_key_is_caught_by_an_exported_head() -> None:
    _append(8)
    exported = export_head(NOW + timedelta(hours=1))
    assert verify(exported).ok
    # The attacker deletes the last entries and recomputes the chain with the master key, adding more entries.
    digest5 = AuditEntry.objects.get(seq=5).digest
    _sql("DELETE FROM audit_entry WHERE seq > 5")
    _sql("UPDATE audit_head SET seq = 5, digest = %s WHERE id = 1", [digest5])
    _append(5, start=5, actor="system")
    assert verify().ok and verify().checked == 10
    result = verify(exported)
    assert not result.ok and result.first_broken_seq == 8
    assert result.problem is not None and "rewritten" in result.problem


@pytest.mark.django_db
def test_changed_or_missing_head_record_is_named() -> None:
    _append(3)
    _sql("UPDATE audit_head SET digest = %s WHERE id = 1", [b"\x07" * 32])
    result = verify()
    assert not result.ok and result.first_broken_seq == 3
    _sql("DELETE FROM audit_head")
    result = verify()
    assert not result.ok and result.problem is not None and "no head record" in result.problem
    with pytest.raises(RuntimeError, match="head record is missing"):
        _append(1, start=3)


@pytest.mark.django_db
def test_verify_streams_in_chunks_and_reports_progress() -> None:
    _append(10)
    seen: list[tuple[int, int]] = []
    result = verify(progress=lambda done, total: seen.append((done, total)), chunk_size=3)
    assert result.ok and result.checked == 10
    assert seen == [(3, 10), (6, 10), (9, 10), (10, 10)]


@pytest.mark.django_db
def test_export_head_names_the_last_entry() -> None:
    entries = _append(4)
    head = export_head(NOW + timedelta(days=1))
    assert head == Head(4, bytes(entries[-1].digest).hex(), "2026-11-26T10:00:00.000000+00:00")
    assert services.entry_count() == 4
    assert [e.seq for e in services.latest_entries(2)] == [3, 4]
    record("login.failed", actor="system", now=NOW, details={"count": 1})
    assert [e.seq for e in services.latest_entries(10, "login.")] == [5]


# -- guards -------------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused() -> None:
    with pytest.raises(TransactionRequired, match=r"inside the transaction"):
        record("customer.import", actor="system", now=NOW)
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("details", "target", "where", "kind"),
    [
        ({"email": "kunde@example.dk"}, "", "details['email']", "e-mail"),
        ({"note": "skrevet til <kunde@example.dk>, intet svar"}, "", "details['note']", "e-mail"),
        ({"phone": "20 30 40 50"}, "", "details['phone']", "phone"),
        ({"phone": "+45 20304050"}, "", "details['phone']", "phone"),
        ({"who": "010190-1234"}, "", "details['who']", "CPR"),
        ({"old": {"fields": ["name", "ring 0045 20304050"]}}, "", "details['old']['fields'][1]", "phone"),
        ({"card": "4111 1111 1111 1111"}, "", "details['card']", "card"),
        ({}, "kunde@example.dk", "target", "e-mail"),
    ],
)
def test_personal_data_is_refused_naming_the_key(
    details: dict[str, Any], target: str, where: str, kind: str
) -> None:
    with pytest.raises(ValueError, match=kind) as exc:
        record("customer.rectify", actor="staff:1", target=target, details=details, now=NOW)
    message = str(exc.value)
    assert where in message
    assert "example.dk" not in message and "2030" not in message and "1234" not in message
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_pseudonymous_ids_codes_dates_and_counts_are_accepted() -> None:
    details = {
        "customers": [str(uuid.UUID(int=i * 10**30 + 101901234)) for i in range(1, 20)] + [CUSTOMER],
        "digest": "0101901234" * 6 + "abcd",
        "due": "2026-12-28",
        "at": "2026-11-25T10:00:00+00:00",
        "rule": "R3",
        "fields": ["email", "phone"],
        "count": 20304050,
        "categories": "contact,orders",
    }
    entry = record("retention.sweep", actor="system", target=uuid.UUID(CUSTOMER), details=details, now=NOW)
    assert entry.target == CUSTOMER
    assert verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"action": "Customer Import"}, "action"),
        ({"action": "customer"}, "action"),
        ({"actor": "Jens Hansen"}, "actor"),
        ({"target": "Jens Hansen"}, "target"),
        ({"details": {"x": float("inf")}}, "JSON|Out of range"),
        ({"details": {"x": "y" * 5000}}, "characters"),
        ({"now": datetime(2026, 1, 1)}, "timezone-aware"),  # noqa: DTZ001
    ],
)
def test_malformed_entries_are_refused(kwargs: dict[str, Any], words: str) -> None:
    args: dict[str, Any] = {"action": "customer.import", "actor": "system", "now": NOW} | kwargs
    with pytest.raises(ValueError, match=words):
        record(args.pop("action"), **args)


@pytest.mark.django_db
def test_the_log_is_append_only_through_the_orm() -> None:
    (entry,) = _append(1)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(action="x.y")
    assert verify().ok


# -- concurrency --------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_valid_chain() -> None:
    per_writer, writers = 15, 3
    if connection.vendor != "postgresql":
        # SQLite's in-memory test database cannot be shared between threads' connections; its appends are
        # serialised by the IMMEDIATE write lock, so sequential transactions exercise the same path.
        for w in range(writers):
            for _ in range(per_writer):
                with transaction.atomic():
                    _append(1, actor=f"staff:{w}")
    else:
        errors: list[BaseException] = []
        barrier = threading.Barrier(writers)

        def write(w: int) -> None:
            try:
                barrier.wait()
                for _ in range(per_writer):
                    with transaction.atomic():
                        _append(1, actor=f"staff:{w}")
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
    result = verify()
    assert result.ok and result.checked == per_writer * writers
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(
        range(1, per_writer * writers + 1)
    )
    assert {a for a in AuditEntry.objects.values_list("actor", flat=True)} == {
        f"staff:{w}" for w in range(writers)
    }
