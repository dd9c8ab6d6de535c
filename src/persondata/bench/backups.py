"""The benchmark's backup rows (issue 12): ``persondata backup`` and ``persondata restore`` of the bench register
as the real commands, and the deletion ledger's replay rate inside that restore.

Run on the full bench home twice: the backup before the retention run, the restore after it — so the ledger
holds the run's deletions, which the restore replays (the file outside the database brings them back in).
Targets: backup and restore of 1,000,000 customers in under 2 minutes each on SQLite; the replay at 50,000
ledger entries per second or more. ``bench_replay`` measures the replay alone on a ledger of 100,000 entries or
more (``persondata bench --phase replay --customers N``).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from persondata.bench import Row

BACKUP_LIMIT = RESTORE_LIMIT = 120.0
REPLAY_RATE = 50_000


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "persondata", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"persondata {args[0]} exited {result.returncode}: {result.stderr[-300:]}")
    return time.monotonic() - start, result.stdout


def take_backup(env: dict[str, str], login: str) -> tuple[float, Path]:
    """``persondata backup`` on the bench home; its time and the file."""
    print("backup …", file=sys.stderr, flush=True)
    seconds, _out = _timed(["backup", "--user", login, "--no-prune"], env)
    newest = sorted((Path(env["PERSONDATA_HOME"]) / "backups").glob("*.pdbak"))[-1]
    return seconds, newest


def restore_rows(env: dict[str, str], login: str, backup: Path, customers: int, backup_s: float) -> list[Row]:
    """``persondata restore`` of ``backup`` (taken before the retention run) and the rows of both."""
    from persondata.bench import Row  # the table's row type; this module is imported by it

    print("restore …", file=sys.stderr, flush=True)
    seconds, out = _timed(["restore", str(backup), "--json", "--user", login], env)
    report: dict[str, Any] = json.loads(out)
    # the entries replayed: those the restored database lacked (the ones it had are done already)
    entries, replay = int(report["ledger_imported"]), float(report["replay_seconds"]) or 1e-9
    rate = entries / replay
    size = backup.stat().st_size / 1e6
    return [
        Row(
            f"backup, {customers:,} customers (SQLite, encrypted, {size:,.0f} MB)",
            f"{backup_s:.1f} s",
            f"< {BACKUP_LIMIT:.0f} s",
            backup_s < BACKUP_LIMIT,
        ),
        Row(
            f"restore incl. ledger replay and sweep, {customers:,} customers",
            f"{seconds:.1f} s",
            f"< {RESTORE_LIMIT:.0f} s",
            seconds < RESTORE_LIMIT,
        ),
        Row(
            f"ledger replay after the restore ({entries:,} entries replayed)",
            f"{rate:,.0f} entries/s ({replay:.1f} s)",
            f">= {REPLAY_RATE:,} entries/s",
            rate >= REPLAY_RATE,
        ),
    ]


REPLAY_ENTRIES = 100_000  # the ledger the replay row builds, at least


def bench_replay(base: Path, customers: int, entries: int = REPLAY_ENTRIES) -> list[Row]:
    """The ledger replay alone, on a ledger of at least ``entries`` entries: ``retention reapply`` as the real
    command on an imported register whose ledger file names deletions its database has not seen — what a restore
    from a backup taken before them finds.

    The ledger is built from the register as the sweep would have written it: a third of the customers deleted
    whole (the relevance class, each financial year's accounting material, the row); the others lose the relevance
    class and their oldest financial year and stay, with their newer accounting material; and every tenth
    customer's orders go one by one with their contact data and number alone (a held order). The time is the
    command's own (its run's start and end, without the process's start-up); the rows deleted are checked.
    """
    from persondata.bench import Row, _data, _env, _reset, _run_measured

    home = base / "home-replay"
    _reset(home)
    env = _env(home)
    _run_measured(["init", "--username", "bench"], env)
    files, _records = _data(base / f"data-{customers}", customers)
    print(f"importing {customers:,} customers for the replay …", file=sys.stderr, flush=True)
    _run_measured(["import", "--no-progress", *map(str, files)], env)
    database = home / "bench.sqlite3"
    built, named = _write_ledger(database, home / "deletion-ledger.jsonl", entries)
    print(f"replaying {built:,} ledger entries …", file=sys.stderr, flush=True)
    _run_measured(["retention", "reapply", "--no-progress"], env)
    with closing(sqlite3.connect(database)) as con:
        started, finished = con.execute(
            "SELECT started_at, finished_at FROM retention_run WHERE kind = 'reapply'"
        ).fetchone()
        left = con.execute(f"SELECT COUNT(*) FROM customer WHERE id IN ({named})").fetchone()[0]  # noqa: S608
        recorded = con.execute("SELECT COUNT(*) FROM retention_ledger").fetchone()[0]
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds() or 1e-9
    rate = built / seconds
    done = left == 0 and recorded >= built
    return [
        Row(
            f"ledger replay, {built:,} entries ({customers:,}-customer register), SQLite",
            f"{rate:,.0f} entries/s ({seconds:.1f} s)" + ("" if done else " — deletions missing"),
            f">= {REPLAY_RATE:,} entries/s",
            done and rate >= REPLAY_RATE,
        )
    ]


def _write_ledger(database: Path, path: Path, entries: int) -> tuple[int, str]:
    """Ledger entries for the register's customers, in customer order, until there are ``entries``; the file,
    and the SQL list of the customers deleted whole."""
    from persondata.retention.ledger import LedgerRow

    at = datetime.now(UTC) - timedelta(days=1)
    run = uuid.uuid4().hex
    rows: list[LedgerRow] = []
    whole: list[str] = []
    with closing(sqlite3.connect(database)) as con:
        classes: dict[str, set[str]] = {}
        for table in ("invoice", "payment"):
            for cid, klass in con.execute(f"SELECT DISTINCT customer_id, key_class FROM {table}"):  # noqa: S608
                classes.setdefault(cid, set()).add(klass)
        orders: dict[str, list[str]] = {}
        for cid, oid in con.execute("SELECT customer_id, id FROM customer_order"):
            orders.setdefault(cid, []).append(oid)
        for n, (cid,) in enumerate(con.execute("SELECT id FROM customer ORDER BY id")):
            if len(rows) >= entries:
                break
            if n % 10 == 9:  # a held order: contact data, the number and the other orders one by one
                rows += [
                    LedgerRow.new(at, cid, k, "relevance:activity", 1, run_id=run)
                    for k in ("contact", "customer_number")
                ]
                rows += [
                    LedgerRow.new(at, cid, "order_history", "relevance:activity", 1, o, run)
                    for o in orders.get(cid, [])[1:]
                ]
                continue
            rows.append(LedgerRow.new(at, cid, "relevance", "relevance:activity", 1, run_id=run))
            years = sorted(classes.get(cid, ()))
            if (
                n % 3
            ):  # the relationship ended: contact data and history go, the newer accounting material stays
                rows += [LedgerRow.new(at, cid, k, "bookkeeping", 1, run_id=run) for k in years[:1]]
                continue
            rows += [LedgerRow.new(at, cid, k, "bookkeeping", 1, run_id=run) for k in years]
            rows.append(LedgerRow.new(at, cid, "customer", "bookkeeping", 1, run_id=run))
            whole.append(cid)
    if len(rows) < entries:
        raise RuntimeError(f"{len(rows):,} ledger entries from this register; bench with more customers")
    with path.open("w", encoding="utf-8") as f:
        f.writelines(r.to_json() + "\n" for r in rows)
    return len(rows), ", ".join(f"'{c}'" for c in whole)
