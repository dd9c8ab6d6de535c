"""The real command in its own process and database file: a kill half-way, the file after shredding, a restore."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from persondata import demo
from tests.clitools import cli_env, init_home, persondata, spawn
from tests.conftest import TODAY

TABLES = (
    "customer",
    "customer_name_token",
    "persondata_keys.data_key",
    "customer_order",
    "invoice",
    "payment",
)


def sql(db: Path, query: str) -> list[tuple[object, ...]]:
    """``query`` on the database file, with the key store beside it attached as the app attaches it."""
    con = sqlite3.connect(db, timeout=30)
    try:
        con.execute("ATTACH DATABASE ? AS persondata_keys", [str(db.parent / "keys.sqlite3")])
        return con.execute(query).fetchall()
    finally:
        con.close()


def counts(db: Path) -> dict[str, int]:
    return {t: int(sql(db, f"SELECT count(*) FROM {t}")[0][0]) for t in TABLES}


def checkpoint(db: Path) -> None:
    """Write the WAL into the file and truncate it; fails if it could not (a checkpoint that was busy returns
    quietly and would leave old page images in the WAL, which the tests below read as "still in a file")."""
    con = sqlite3.connect(db, timeout=30)
    try:
        for _ in range(60):
            busy, _log, _done = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.5)
        raise AssertionError(f"{db.name}: the WAL checkpoint stayed busy for 30 s")
    finally:
        con.close()


def half_deleted(db: Path) -> dict[str, int]:
    """What must never be seen, whenever the process stops: each must be 0."""
    return {
        # contact data without the key that reads it (the key went, the data stayed)
        "contact_without_key": sql(
            db,
            "SELECT count(*) FROM customer c WHERE (c.name_bidx IS NOT NULL OR c.number_bidx IS NOT NULL) AND NOT "
            "EXISTS (SELECT 1 FROM persondata_keys.data_key k WHERE k.customer_id = c.id AND k.klass = 'relevance')",
        )[0][0],
        # orders whose key is gone
        "orders_without_key": sql(
            db,
            "SELECT count(*) FROM customer_order o WHERE NOT EXISTS (SELECT 1 FROM persondata_keys.data_key k WHERE "
            "k.customer_id = o.customer_id AND k.klass = 'relevance')",
        )[0][0],
        # invoices and payments whose financial year's key is gone while they are kept (their day has not come)
        "invoices_without_key": sql(
            db,
            "SELECT count(*) FROM invoice i WHERE NOT EXISTS (SELECT 1 FROM persondata_keys.data_key k WHERE "
            "k.customer_id = i.customer_id AND k.klass = i.key_class)",
        )[0][0],
        "payments_without_key": sql(
            db,
            "SELECT count(*) FROM payment p WHERE NOT EXISTS (SELECT 1 FROM persondata_keys.data_key k WHERE "
            "k.customer_id = p.customer_id AND k.klass = p.key_class)",
        )[0][0],
        # name tokens of a customer whose contact data is gone
        "tokens_without_contact": sql(
            db,
            "SELECT count(*) FROM customer_name_token t JOIN customer c ON c.id = t.customer_id "
            "WHERE c.name_bidx IS NULL",
        )[0][0],
        # ledger entries in the database that the file outside it does not have are checked by the caller
    }


def installation(tmp_path: Path, customers: int, seed: int) -> tuple[dict[str, str], Path]:
    env = cli_env(tmp_path)
    init_home(env=env)
    path = demo.write_jsonl(demo.customers(customers, seed=seed, today=TODAY), tmp_path / "in.jsonl")
    persondata("import", str(path), "--no-progress", env=env, timeout=600)
    return env, tmp_path / "persondata.sqlite3"


def copy_home(src: Path, dst: Path) -> None:
    dst.mkdir()
    checkpoint(src / "keys.sqlite3")
    for name in ("persondata.sqlite3", "keys.sqlite3", "master.key", "django-secret.key"):
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)


@pytest.mark.slow
def test_a_run_killed_half_way_is_completed_by_the_next(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env, db = installation(home, 12_000, seed=3)
    checkpoint(db)
    copy_home(home, tmp_path / "control")  # the same data, swept without interruption, for comparison
    control_env = cli_env(tmp_path / "control")

    proc = spawn(
        "retention", "run", "--date", TODAY.isoformat(), "--chunk-size", "100", "--no-progress", env=env
    )
    deadline = time.monotonic() + 120
    chunks = 0
    while time.monotonic() < deadline and chunks < 20:
        assert proc.poll() is None, "the run finished before it could be killed; use more customers"
        rows = sql(db, "SELECT chunks FROM retention_run WHERE kind = 'sweep'") if db.exists() else []
        chunks = int(rows[0][0]) if rows else 0
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert sql(db, "SELECT status FROM retention_run WHERE kind = 'sweep'") == [("running",)]
    assert half_deleted(db) == dict.fromkeys(half_deleted(db), 0)
    committed = int(sql(db, "SELECT count(*) FROM retention_ledger")[0][0])
    in_file = len((home / "deletion-ledger.jsonl").read_text().splitlines())
    assert 0 < committed <= in_file  # written ahead: the file never misses a committed deletion
    assert counts(db) != counts(tmp_path / "control" / "persondata.sqlite3")  # it had started …

    out = persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env).stdout
    assert "Deleted:" in out
    statuses = sorted(r[0] for r in sql(db, "SELECT status FROM retention_run WHERE kind = 'sweep'"))
    assert statuses == ["done", "interrupted"]
    assert half_deleted(db) == dict.fromkeys(half_deleted(db), 0)

    persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=control_env)
    assert counts(db) == counts(tmp_path / "control" / "persondata.sqlite3")  # … and ended where it should
    again = persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env).stdout
    assert "nothing is due" in again


#: the keys whose deletion the database's ledger records (a customer removed: all of theirs)
NAMED_KEYS = (
    "SELECT count(*) FROM persondata_keys.data_key k WHERE EXISTS (SELECT 1 FROM retention_ledger l WHERE "
    "l.customer_id = k.customer_id AND l.record_id IS NULL AND l.klass IN ('customer', k.klass))"
)


@pytest.mark.slow
def test_keys_a_kill_left_behind_are_destroyed_by_the_next_run(tmp_path: Path) -> None:
    """SQLite (WAL) commits a transaction file by file, the database before the key store: a run killed between
    the two leaves the deleted customers' keys behind, which would open a backup taken before. The worst case —
    every key-store commit of the run lost — is the key store as it was before the run, put back."""
    env, db = installation(tmp_path, 1_500, seed=7)
    keys = tmp_path / "keys.sqlite3"
    checkpoint(keys)
    before = keys.read_bytes()
    persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env)
    after = counts(db)
    assert int(sql(db, NAMED_KEYS)[0][0]) == 0
    for part in tmp_path.glob("keys.sqlite3*"):
        part.unlink()
    keys.write_bytes(before)
    keys.chmod(0o600)
    left = int(sql(db, NAMED_KEYS)[0][0])
    assert left > 100, "the run should have destroyed keys"

    again = persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env)
    assert int(sql(db, NAMED_KEYS)[0][0]) == 0
    assert counts(db) == after
    assert f"destroyed {left} keys" in again.stderr  # a count, never who


@pytest.mark.slow
def test_after_shredding_the_database_file_holds_nothing_readable(tmp_path: Path) -> None:
    env, db = installation(tmp_path, 400, seed=5)
    checkpoint(db)
    blobs = {
        str(cid): (bytes(contact), bytes(number))
        for cid, contact, number in sql(db, "SELECT id, contact_blob, number_blob FROM customer")
    }
    keys = {
        (str(c), str(k)): bytes(w)
        for c, k, w in sql(db, "SELECT customer_id, klass, wrapped FROM persondata_keys.data_key")
    }
    persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env)
    shredded = [
        str(r[0]) for r in sql(db, "SELECT customer_id FROM retention_ledger WHERE klass = 'relevance'")
    ]
    assert len(shredded) > 50
    checkpoint(tmp_path / "keys.sqlite3")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("persondata.sqlite3*"))
    files = {p.name: p.read_bytes() for p in tmp_path.glob("*.sqlite3*")}  # the database, key store, logs
    for cid in shredded:
        contact, number = blobs[cid]
        assert contact not in raw and number not in raw, "a shredded ciphertext is still in the file"
        key = keys[(cid, "relevance")]
        holding = [name for name, content in files.items() if key in content]
        assert not holding, f"a destroyed data key is still in {holding}"
    # what stays under the bookkeeping minimum stays readable: its rows and keys are all there
    kept = sql(
        db,
        "SELECT count(*) FROM invoice i JOIN persondata_keys.data_key k "
        "ON k.customer_id = i.customer_id AND k.klass = i.key_class "
        f"WHERE i.customer_id IN ({', '.join(repr(c) for c in shredded)})",
    )[0][0]
    assert kept > 0
    assert sql(db, "SELECT count(*) FROM customer WHERE contact_blob IS NOT NULL AND name_bidx IS NULL") == [
        (0,)
    ]


@pytest.mark.slow
def test_reapply_after_restoring_a_backup_taken_before_the_sweep(tmp_path: Path) -> None:
    env, db = installation(tmp_path, 600, seed=6)
    checkpoint(db)
    backup = tmp_path / "backup.sqlite3"
    shutil.copy2(db, backup)
    before = counts(db)
    persondata("retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=env)
    after = counts(db)
    assert after["customer"] < before["customer"] and after["invoice"] < before["invoice"]
    checkpoint(db)

    # the restore: the database file as it was, the deletion ledger file as it is
    for leftover in tmp_path.glob("persondata.sqlite3-*"):
        leftover.unlink()
    shutil.copy2(backup, db)
    restored = counts(db)
    keys = "persondata_keys.data_key"
    # the rows come back with the old file; the keys do not: the key store is not in the database's backup
    assert {t: n for t, n in restored.items() if t != keys} == {t: n for t, n in before.items() if t != keys}
    assert restored[keys] == after[keys] < before[keys]
    out = persondata("retention", "reapply", "--no-progress", env=env).stdout
    assert "ledger entries added from the file" in out and "deleted again" in out
    assert counts(db) == after
    assert half_deleted(db) == dict.fromkeys(half_deleted(db), 0)
    again = persondata("retention", "reapply", "--no-progress", env=env).stdout
    assert "nothing to delete again" in again
    plan = persondata("retention", "plan", "--date", TODAY.isoformat(), "--no-progress", env=env).stdout
    assert "nothing is due" in plan
