"""The request form under load, against the real server: ``persondata serve`` (gunicorn, two workers) on a demo
home, on SQLite or — when the tests run on PostgreSQL — on a PostgreSQL database of its own.

Fifty customers submitting at the same moment all get their thank-you page; a flood from one address stores
exactly the limit, however the submissions interleave across the workers; gunicorn's access log, with the
masking logger, never holds a confirmation token.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from persondata import demo
from persondata.bench.public import bench_match_timing, bench_public_form
from tests.clitools import cli_env, init_home, own_database, persondata

pytestmark = pytest.mark.slow

TEST_URL = settings.DATABASE_URL
ON_POSTGRES = TEST_URL.startswith(("postgres://", "postgresql://"))
FLOOD_ADDRESS = "203.0.113.50"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/health", timeout=2) as r:  # noqa: S310 - loopback
            return bool(r.status == 200)
    except OSError:
        return False


def _wait(condition: Callable[[], object], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


STORED_OR_SPOOLED = (
    "SELECT count(*) FROM rights_request"
    if ON_POSTGRES
    else "SELECT (SELECT count(*) FROM rights_request) + (SELECT count(*) FROM persondata_intake.submission)"
)


class Served:
    def __init__(self, base: str, database_url: str, log: Path) -> None:
        self.base, self.database_url, self.log = base, database_url, log

    def count(self, sql: str) -> int:
        if ON_POSTGRES:
            import psycopg

            with psycopg.connect(self.database_url) as con:
                row = con.execute(sql).fetchone()
        else:
            path = Path(urlsplit(self.database_url).path)
            con = sqlite3.connect(path, timeout=30)
            try:  # the intake spool beside it (a submission that did not get the write lock in time waits there)
                con.execute(
                    "ATTACH DATABASE ? AS persondata_intake", [str(path.parent / "intake-spool.sqlite3")]
                )
                row = con.execute(sql).fetchone()
            finally:
                con.close()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("public-serve")
    databases = own_database(home, "_serve")
    database_url = next(databases)
    try:
        env = cli_env(home, database_url)
        init_home(env=env, timeout=300)
        persondata(
            "demo", "--customers", "100", env=env, timeout=300
        )  # the customers alone: no demo requests
        env.update(
            PERSONDATA_BEHIND_PROXY="1",  # the clients' addresses come in X-Forwarded-For, as from the proxy
            PERSONDATA_JOBS="0",
            PERSONDATA_PUBLIC_LIMIT_GLOBAL="1000",  # this module sends more than the default 60 in a minute
        )
        port = _free_port()
        log = home / "serve.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "persondata",
                    "serve",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                _wait(lambda: proc.poll() is not None or _healthy(base), "the server", 90)
                assert proc.poll() is None, log.read_text()
                yield Served(base, database_url, log)
            finally:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
    finally:
        databases.close()


def test_fifty_customers_at_once_all_get_through(served: Served) -> None:
    before = served.count(STORED_OR_SPOOLED)
    ok, failed, median_ms = bench_public_form(served.base, 50)
    assert (ok, failed) == (50, 0), served.log.read_text()[-3000:]
    # each stored, or (SQLite, the write lock busy past its wait on a loaded machine) spooled to be moved in
    assert served.count(STORED_OR_SPOOLED) == before + 50
    assert median_ms > 0
    assert "Traceback" not in served.log.read_text()


def test_a_customers_submission_and_nobodys_are_answered_alike_then_matched(served: Served) -> None:
    """The bench's comparison (its figures are in ``persondata bench``; no timing is asserted here): every
    submission is accepted, and the customers' are matched afterwards, in the background."""
    # the customers of `init --demo 100` (its seed)
    emails = [r["email"] for r in demo.customers(100, seed=1, today=datetime.now(UTC).date())][:6]
    before = served.count("SELECT count(*) FROM rights_request WHERE match = 'single'")
    matched_ms, unmatched_ms, failed = bench_match_timing(served.base, emails)
    assert failed == 0 and matched_ms > 0 and unmatched_ms > 0, served.log.read_text()[-3000:]
    _wait(
        lambda: served.count("SELECT count(*) FROM rights_request WHERE match = 'pending'") == 0,
        "the matches after the answers",
        60,
    )
    assert served.count("SELECT count(*) FROM rights_request WHERE match = 'single'") == before + 6


def _submit(
    base: str, address: str, barrier: threading.Barrier, statuses: list[int], lock: threading.Lock
) -> None:
    form_url = base + "/privacy/request/"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    headers = {"X-Forwarded-For": address}
    with opener.open(urllib.request.Request(form_url, headers=headers), timeout=60) as r:  # noqa: S310 - loopback
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.read().decode())
    assert token
    data = {"csrfmiddlewaretoken": token.group(1), "kind": "erasure", "name": "Flood Test", "language": "da"}
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(form_url, data=body, headers=headers)  # noqa: S310 - loopback
    barrier.wait(60)
    try:
        with opener.open(request, timeout=60) as r:
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    with lock:
        statuses.append(status)


def test_a_concurrent_flood_from_one_address_stores_exactly_the_limit(served: Served) -> None:
    before = served.count(STORED_OR_SPOOLED)
    n = 16
    barrier, lock = threading.Barrier(n), threading.Lock()
    statuses: list[int] = []
    threads = [
        threading.Thread(target=_submit, args=(served.base, FLOOD_ADDRESS, barrier, statuses, lock))
        for _ in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(statuses) == [200] * 5 + [429] * (n - 5), statuses
    assert served.count(STORED_OR_SPOOLED) == before + 5  # stored, or spooled when the lock was busy
    log = served.log.read_text()
    assert FLOOD_ADDRESS not in log  # gunicorn logs the peer (127.0.0.1), the app logs no address


def test_the_access_log_never_holds_a_confirmation_token(tmp_path: Path, served: Served) -> None:
    """gunicorn with the masking logger (``logger_class`` in persondata.gunicorn_conf) and serve's log format."""
    token = "Zx9-secret_" + os.urandom(8).hex()
    port = _free_port()
    # the served installation's home: its master key (the WSGI app refuses to serve without it) and database
    env = {**cli_env(served.log.parent, served.database_url), "PERSONDATA_JOBS": "0"}
    log = tmp_path / "access.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "persondata.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--logger-class",
                "persondata.gunicorn_log.MaskingLogger",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(t)s "%(m)s %(U)s" %(s)s %(M)sms "%(r)s" "%(f)s"',
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(lambda: proc.poll() is not None or _healthy(base), "gunicorn", 90)
            link = f"{base}/privacy/confirm/{token}/"
            with pytest.raises(urllib.error.HTTPError) as refused:
                request = urllib.request.Request(link, headers={"Referer": link})  # noqa: S310 - loopback
                urllib.request.urlopen(request, timeout=30)  # noqa: S310 - loopback
            assert refused.value.code == 400  # unknown token
            answer = f"{base}/privacy/answer/{token}/"  # an answer's download link (answers/delivery.py)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(answer, timeout=30)  # noqa: S310 - loopback
            assert refused.value.code == 400
        finally:
            proc.terminate()
            proc.wait(20)
    text = log.read_text()
    assert '"GET /privacy/confirm/***/" 400' in text, text
    assert '"GET /privacy/answer/***/" 400' in text, text
    assert token not in text
