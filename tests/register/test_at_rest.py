"""Personal data at rest: nothing readable in the database file; an interrupted import changes nothing."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from persondata import demo
from persondata.register.importer import import_files
from tests.clitools import cli_env, init_home, persondata, spawn
from tests.conftest import NOW, TODAY


def _needles(record: dict[str, Any]) -> list[bytes]:
    return [
        s.encode()
        for s in (record["email"], record["name"], record["address"]["street"], record["customer_number"])
    ]


def _phone_digits(record: dict[str, Any]) -> bytes:
    return "".join(c for c in record["phone"] if c.isdigit())[-8:].encode()


@pytest.mark.slow
def test_sqlite_file_holds_no_personal_data_in_clear(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    records = list(demo.customers(50, seed=11, today=TODAY))
    path = demo.write_jsonl(iter(records), tmp_path / "in.jsonl")
    init_home(env=env)
    persondata("import", str(path), "--no-progress", env=env)
    db = tmp_path / "persondata.sqlite3"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM customer").fetchone() == (50,)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("persondata.sqlite3*"))
    for record in records[:10]:
        for needle in [*_needles(record), _phone_digits(record)]:
            assert needle not in raw, "personal data found in clear text in the database file"
    # the test can fail: the same bytes are found in the import file itself
    source = path.read_bytes()
    assert all(n in source for n in _needles(records[0]))


@pytest.mark.django_db
def test_postgresql_rows_hold_no_personal_data_in_clear(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL run checks the PostgreSQL tables")
    records = list(demo.customers(30, seed=12, today=TODAY))
    assert import_files([demo.write_jsonl(iter(records), tmp_path / "in.jsonl")], now=NOW).status == "done"
    text = []
    with connection.cursor() as cur:
        for table in (
            "customer",
            "customer_name_token",
            "persondata_keys.data_key",
            "customer_order",
            "invoice",
            "payment",
            "service_agreement",
            "import_run",
            "access_log",
        ):
            cur.execute(f"SELECT t::text FROM {table} t")
            text.extend(r[0] for r in cur.fetchall())
    dump = "\n".join(text).encode()
    assert len(dump) > 1000
    for record in records[:10]:
        for needle in [*_needles(record), _phone_digits(record)]:
            assert needle not in dump


@pytest.mark.slow
def test_killed_all_or_nothing_import_changes_nothing(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    init_home(env=env)
    small = demo.write_jsonl(demo.customers(10, seed=1, today=TODAY), tmp_path / "small.jsonl")
    persondata("import", str(small), "--no-progress", env=env)
    db = tmp_path / "persondata.sqlite3"

    def counts() -> tuple[int, ...]:
        with sqlite3.connect(db) as con:
            con.execute("ATTACH DATABASE ? AS persondata_keys", [str(tmp_path / "keys.sqlite3")])
            return tuple(
                con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("customer", "customer_order", "invoice", "payment", "persondata_keys.data_key")
            )

    before = counts()
    big = demo.write_jsonl(demo.customers(60_000, seed=2, today=TODAY, start=500_000), tmp_path / "big.jsonl")
    proc = spawn("import", str(big), "--no-progress", env=env)
    wal = tmp_path / "persondata.sqlite3-wal"
    deadline = time.monotonic() + 60
    # wait until the import has written well into the database (its uncommitted pages reach the WAL)
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 4_000_000):
        assert proc.poll() is None, "the import finished before it could be interrupted; make the file bigger"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert counts() == before
    # and a re-run completes
    persondata("import", str(small), "--no-progress", env=env)
    assert counts() == before
