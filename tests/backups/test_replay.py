"""The set-based ledger replay misses no kind of record (SQLite, the real commands in their own processes).

A database file is copied as the backup; then an erasure request, a restriction request and the sweep delete and
restrict — with legal holds on single records so that the ledger holds every kind of entry: whole customers, the
relevance class, contact data and customer numbers alone, single orders, a financial year's accounting material
whole and single invoices and payments. The copy is put back and ``retention reapply`` replays the ledger file:
afterwards every personal table, the key store, the tombstones, the queued mail and the active restrictions are
exactly as they were before the copy was put back. Dropping any kind from the replay breaks the equality.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.clitools import ON_POSTGRES, persondata, spawn
from tests.conftest import TODAY
from tests.retention.test_process import checkpoint, copy_home, half_deleted, installation, sql

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        ON_POSTGRES, reason="the file copy is the backup here; PostgreSQL: the end-to-end test"
    ),
]
USER = ("--user", "controller")


def fingerprint(db: Path) -> dict[str, Any]:
    """What the ledger's replay must bring back to the state before the restore, table by table."""
    return {
        "customer": sorted(
            sql(
                db,
                "SELECT lower(id), contact_blob IS NULL, number_blob IS NULL, name_bidx IS NULL, "
                "email_bidx IS NULL, phone_bidx IS NULL, number_bidx IS NULL FROM customer",
            )
        ),
        "name_tokens": sorted(
            sql(db, "SELECT lower(customer_id), count(*) FROM customer_name_token GROUP BY 1")
        ),
        **{
            table: sorted(r[0].lower() for r in sql(db, f"SELECT id FROM {table}"))
            for table in ("customer_order", "service_agreement", "invoice", "payment", "retention_ledger")
        },
        "keys": sorted(sql(db, "SELECT lower(customer_id), klass FROM persondata_keys.data_key")),
        "tombstones": sorted(sql(db, "SELECT kind, hex(token), reason FROM deletion_tombstone")),
        "mail": sorted(sql(db, "SELECT subject FROM jobs_outbox WHERE subject LIKE 'customer:%'")),
        "restrictions": sorted(
            sql(
                db,
                "SELECT lower(customer_id), reason, purposes, categories, created_at FROM restriction "
                "WHERE lifted_at IS NULL",
            )
        ),
    }


def _request(env: dict[str, str], kind: str, number: str, *answer: str) -> None:
    out = persondata("requests", "new", "--kind", kind, "--customer-number", number, *USER, env=env).stdout
    ref = re.search(r"PD-[0-9A-Z]{4}-[0-9A-Z]{4}", out).group(0)  # type: ignore[union-attr]
    persondata("requests", "verify", ref, "--method", "in_person", *USER, env=env)
    persondata("requests", "answer", ref, *answer, *USER, env=env, timeout=300)


def _hold(env: dict[str, str], customer: str, record: str) -> None:
    persondata(
        "retention", "hold", str(uuid.UUID(customer)), "--record", str(uuid.UUID(record)),
        "--reason", "case 17", "--until", "2099-01-01", *USER, env=env,
    )  # fmt: skip


def _number(db: Path, records: list[dict[str, Any]], cid: str) -> str:
    """The customer number of customer ``cid`` (the source's, matched by the order numbers)."""
    orders = {
        str(r[0]) for r in sql(db, f"SELECT order_number FROM customer_order WHERE customer_id = '{cid}'")
    }
    return next(
        str(r["customer_number"]) for r in records if {o["order_number"] for o in r["orders"]} & orders
    )


def test_the_replay_brings_back_exactly_what_was_deleted_and_restricted(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env, db = installation(home, 400, seed=11)
    persondata("staff", "accept", "--as", "controller", "--yes", "--language", "en", env=env)
    records = [json.loads(line) for line in (home / "in.jsonl").read_text().splitlines()]

    # what the sweep will delete, from a copy swept first: there, hold single records so every kind occurs
    checkpoint(db)
    copy_home(home, tmp_path / "control")
    control = tmp_path / "control" / "persondata.sqlite3"
    persondata(
        "retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=_env(env, tmp_path / "control")
    )
    shredded = [
        r[0]
        for r in sql(control, "SELECT DISTINCT customer_id FROM retention_ledger WHERE klass = 'relevance'")
    ]
    with_orders = [
        (c, o)
        for c in shredded
        for o in [r[0] for r in sql(db, f"SELECT id FROM customer_order WHERE customer_id = '{c}'")]
    ]
    held_order = next((c, o) for c, o in with_orders if sum(1 for x, _ in with_orders if x == c) >= 2)
    _hold(env, *held_order)
    whole = sql(
        control,
        "SELECT customer_id, klass FROM retention_ledger WHERE klass LIKE 'fy%' AND record_id IS NULL",
    )
    fy = [
        (c, k, ids)
        for c, k in whole
        if c != held_order[0]
        and len(
            ids := [
                r[0]
                for r in sql(db, f"SELECT id FROM invoice WHERE customer_id = '{c}' AND key_class = '{k}'")
            ]
        )
        and len(ids)
        + sql(db, f"SELECT count(*) FROM payment WHERE customer_id = '{c}' AND key_class = '{k}'")[0][0]
        >= 2
    ]
    assert fy, "the demo register has a financial year due with an invoice and another record"
    _hold(env, fy[0][0], fy[0][2][0])

    # the backup; then an erasure request, a restriction request and the sweep
    checkpoint(db)
    backup = tmp_path / "backup.sqlite3"
    shutil.copy2(db, backup)
    ordering = sql(db, "SELECT DISTINCT customer_id FROM customer_order ORDER BY customer_id")
    active = [r[0] for r in ordering if r[0] not in shredded]
    erased, restricted = active[0], active[1]
    _request(env, "erasure", _number(db, records, erased), "--confirm-erasure")
    _request(env, "restriction", _number(db, records, restricted), "--reason", "objection")
    persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env)
    checkpoint(db)
    kinds = {
        (str(k), r is not None, str(rule) == "erasure")
        for k, r, rule in sql(db, "SELECT klass, record_id, rule FROM retention_ledger")
    }
    for kind in [
        ("customer", False),
        ("relevance", False),
        ("contact", False),
        ("customer_number", False),
        ("order_history", True),
    ]:
        assert any(k[:2] == kind for k in kinds), f"the ledger has no entry of the kind {kind}"
    assert any(k.startswith("fy") and not rec for k, rec, _e in kinds), "no financial year deleted whole"
    assert any(k.startswith("fy") and rec for k, rec, _e in kinds), "no single invoice or payment deleted"
    assert any(e for *_k, e in kinds), "no erasure request's entry"
    expected = fingerprint(db)
    assert expected["restrictions"] and expected["tombstones"]

    # the restore: the database file as it was, the ledger file and the key store as they are
    for leftover in home.glob("persondata.sqlite3-*"):
        leftover.unlink()
    shutil.copy2(backup, db)
    assert fingerprint(db) != expected
    # killed half-way (chunks of 10 entries), each chunk's deletions and entries are committed together, and the
    # next run completes it (the restored database stays closed meanwhile: tests/backups/test_backups.py)
    recorded = int(sql(db, "SELECT count(*) FROM retention_ledger")[0][0])
    proc = spawn("retention", "reapply", "--no-progress", "--chunk-size", "10", env=env)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and _chunks(db) < 2:
        time.sleep(0.005)
    assert proc.poll() is None, "the replay finished before it could be killed; use more customers"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    added = int(sql(db, "SELECT count(*) FROM retention_ledger")[0][0]) - recorded
    assert added == 10 * _chunks(db) and 0 < added < len(expected["retention_ledger"]) - recorded
    out = persondata("retention", "reapply", "--no-progress", env=env).stdout
    assert "deleted again" in out
    checkpoint(db)
    got = fingerprint(db)
    for part in expected:
        assert got[part] == expected[part], f"the replay left {part} different"
    assert half_deleted(db) == dict.fromkeys(half_deleted(db), 0)
    again = persondata("retention", "reapply", "--no-progress", env=env).stdout
    assert "nothing to delete again" in again and fingerprint(db) == expected


def _chunks(db: Path) -> int:
    try:
        rows = sql(db, "SELECT chunks FROM retention_run WHERE kind = 'reapply'")
    except sqlite3.OperationalError:  # locked for a moment
        return 0
    return int(rows[0][0]) if rows else 0


def _of(customer: object, klass: object) -> str:
    return f"customer_id = '{customer}' AND key_class = '{klass}'"


def _env(env: dict[str, str], home: Path) -> dict[str, str]:
    return {
        **env,
        "PERSONDATA_HOME": str(home),
        "PERSONDATA_DATABASE_URL": f"sqlite:///{home / 'persondata.sqlite3'}",
    }
