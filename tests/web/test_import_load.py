"""An all-or-nothing import does not lock the app out (issue 18), on SQLite, against the real server.

While ``persondata import`` (a subprocess) holds SQLite's write lock in its one transaction, concurrent clients read
customers through the API and the staff page of ``persondata serve`` (gunicorn) and send the public request form:
every read is answered (p99 ≤ 1 s) and written to the access log; every submission is accepted — put in the intake
spool (``persondata.requests.spool``) while the import holds the lock, and moved into the register once it is
gone; and the import, killed at the end, leaves the register as it was.

The short version runs in ``make test`` (an import of 50,000 customers, killed after 10 clients read and submit
beside it for 3 s); the full one (200,000 customers, 50 clients for a minute) with ``--full``. Before issue 18
every read waited for the import's lock (20 s, then 503): no read was answered while it held it.

The full run asserts the issue's p99 of 1 s; a failure's message gives the server's CPU time a request and the
cores the server, the import and the machine used, which tell a read that waited for the CPU from one that
waited for a lock (docs/configuration.md: on two shared cores under heavy load it measured p99 4–7 s, CPU-bound,
with or without the import). The short one allows 5 s: on a shared machine of two cores running several test
suites the same reads measured p99 2–4 s *without* an import beside them (the wait is for CPU, not for the
lock); what it proves is that reads are answered, and logged, while the import holds the lock.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from persondata import demo
from persondata.bench.sustained import Load, holds_write_lock, run_load, staff_session
from tests.clitools import cli_env, persondata, spawn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite's one write lock (PostgreSQL locks rows)",
    ),
]

TODAY = date(2026, 11, 25)
READ_BEFORE = 300  # the customers in the register before the import: the clients read these


def _count(home: Path, sql: str) -> int:
    con = sqlite3.connect(home / "persondata.sqlite3", timeout=30)
    try:
        con.execute("ATTACH DATABASE ? AS persondata_keys", [str(home / "keys.sqlite3")])
        con.execute("ATTACH DATABASE ? AS persondata_access", [str(home / "access-log.sqlite3")])
        con.execute("ATTACH DATABASE ? AS persondata_intake", [str(home / "intake-spool.sqlite3")])
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


COUNTS = {
    "customers": "SELECT count(*) FROM customer",
    "orders": "SELECT count(*) FROM customer_order",
    "keys": "SELECT count(*) FROM persondata_keys.data_key",
    "reads logged": "SELECT count(*) FROM persondata_access.access_log",
    "requests": "SELECT count(*) FROM rights_request",
    "spooled": "SELECT count(*) FROM persondata_intake.submission",
}

# what the job runner does every minute (``requests.spool``; the load test's server runs no jobs)
DRAIN = """
import django
django.setup()
from django.utils import timezone
from persondata.requests import spool
print(spool.drain(timezone.now()))
"""


def _counts(home: Path) -> dict[str, int]:
    return {name: _count(home, sql) for name, sql in COUNTS.items()}


@contextmanager
def _serving(env: dict[str, str], port: int) -> Iterator[tuple[str, int]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "persondata", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=2) as r:  # noqa: S310 - loopback
                    r.read()
                break
            except OSError:
                assert server.poll() is None, "the server did not start"
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(30)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load_beside_an_import(
    home: Path,
    customers: int,
    clients: int,
    seconds: float,
    p99_ms: float,
    submit_every: int = 10,
    pause: float = 0.0,
) -> None:
    env = cli_env(home)
    persondata("init", "--username", "bench", env=env, timeout=300)
    # the import's file holds the register's first customers again (the same records) and the rest new ones
    first = demo.write_csv(demo.customers(READ_BEFORE, seed=42, today=TODAY), home / "first")
    files = demo.write_csv(demo.customers(customers, seed=42, today=TODAY), home / "all")
    persondata("import", "--no-progress", *map(str, first), env=env, timeout=300)
    password = "load-test-password-for-bench"
    persondata("bench", "--phase", "password", "--password", password, env=env, timeout=120)
    out = persondata("token", "create", "--user", "bench", "--label", "load test", env=env).stdout
    token = re.search(r"pd_[A-Za-z0-9_-]{43}", out)
    assert token, "token create printed no token"
    con = sqlite3.connect(home / "persondata.sqlite3")
    ids = [str(uuid.UUID(r[0])) for r in con.execute("SELECT id FROM customer")]
    con.close()
    assert len(ids) == READ_BEFORE
    env.update(PERSONDATA_JOBS="0", PERSONDATA_BEHIND_PROXY="1", PERSONDATA_PUBLIC_LIMIT_GLOBAL="1000000")
    with _serving(env, _free_port()) as (base, server):
        session = staff_session(base, "bench", password)
        before = _counts(home)
        importing = spawn("import", "--no-progress", *map(str, files), env=env)
        try:
            deadline = time.monotonic() + 120
            while not holds_write_lock(home / "persondata.sqlite3"):
                assert importing.poll() is None, importing.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "the import never took the write lock"
                time.sleep(0.05)
            load = run_load(
                base, token=token.group(0), session=session, customer_ids=ids, clients=clients,
                seconds=seconds, submit_every=submit_every, server=server, importer=importing.pid, pause=pause,
            )  # fmt: skip
            held = importing.poll() is None and holds_write_lock(home / "persondata.sqlite3")
            importing.send_signal(signal.SIGKILL)
        finally:
            importing.kill()
            importing.wait(30)
    # the import still in its transaction when the clients stopped: the reads were answered beside it
    assert held, (
        f"the import of {customers:,} customers finished inside the {seconds} s window: make it larger"
    )
    spooled = _counts(home)
    moved = subprocess.run(
        [sys.executable, "-c", DRAIN], env=env, capture_output=True, text=True, timeout=600
    )
    assert moved.returncode == 0, moved.stderr[-2000:]
    _check(load, before, spooled, _counts(home), p99_ms)


def _check(
    load: Load, before: dict[str, int], spooled: dict[str, int], after: dict[str, int], p99_ms: float
) -> None:
    sys.stdout.write(f"\nbeside the import: {load.summary()}\n")  # the figures (`pytest -s`), passed or not
    # nothing refused: a read is answered, a submission beside the import is spooled (a 503 only if even the
    # spool's lock does not come in 3 s: not under this load)
    assert load.errors == [], load.errors[:20]
    assert load.reads >= 10 and load.busy == 0 and load.accepted >= 1, load.summary()
    assert load.percentile(99) <= p99_ms, load.summary()
    # every read answered is in the access log; every submission accepted was spooled beside the import, then
    # moved into the register, each once
    assert after["reads logged"] == before["reads logged"] + load.reads
    assert (
        spooled["spooled"] - before["spooled"] == load.accepted and spooled["requests"] == before["requests"]
    )
    assert after["requests"] == before["requests"] + load.accepted and after["spooled"] == 0
    registered = ("customers", "orders", "keys")  # all or nothing: the killed import left nothing
    assert {k: after[k] for k in registered} == {k: before[k] for k in registered}


def test_reads_go_on_beside_an_all_or_nothing_import(tmp_path: Path) -> None:
    # every other call a submission: in 3 s on a loaded machine a client makes only a few calls
    _load_beside_an_import(tmp_path, customers=50_000, clients=10, seconds=3, p99_ms=5000, submit_every=2)


@pytest.mark.full
def test_fifty_clients_beside_an_import_of_200000_customers(tmp_path: Path) -> None:
    _load_beside_an_import(tmp_path, customers=200_000, clients=50, seconds=60, p99_ms=1000)


@pytest.mark.full
def test_fifty_people_beside_an_import_of_200000_customers(tmp_path: Path) -> None:
    """The same fifty, each pausing a second after an answer, as a person reading it does: the answer time is then
    the server's work, not the queue that fifty clients calling without a pause make on two cores."""
    _load_beside_an_import(tmp_path, customers=200_000, clients=50, seconds=60, p99_ms=1000, pause=1.0)
