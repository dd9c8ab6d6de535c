"""``persondata serve`` runs the daily jobs in its workers (once in all), and ``PERSONDATA_JOBS=0`` turns them off.

The real command: ``persondata init`` and ``persondata serve`` (gunicorn, two workers) in a temporary home with its
own SQLite database, on a free loopback port.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time as clock_time
from pathlib import Path

import pytest

from persondata.core.calendar import COPENHAGEN
from tests.clitools import cli_env, init_home

STARTED = "persondata jobs: runner started"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rows(db: Path, query: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _wait(condition: Callable[[], object], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/health", timeout=2) as r:  # noqa: S310 - loopback
            return bool(r.status == 200)
    except OSError:
        return False


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Callable[[], str]]:
    """``persondata serve`` until the block ends; yields a function reading what it has logged so far."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "persondata", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(lambda: proc.poll() is not None or _healthy(f"http://127.0.0.1:{port}"), "the server", 90)
            assert proc.poll() is None, log.read_text()
            yield log.read_text
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@pytest.mark.slow
def test_serve_runs_the_daily_sweep_once_unless_turned_off(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    init_home(env=env)
    db = tmp_path / "persondata.sqlite3"

    def job_runs() -> list[tuple[object, ...]]:
        return _rows(db, "SELECT job, status FROM job_run WHERE job = 'retention_sweep'")

    with serving({**env, "PERSONDATA_JOBS": "0"}, tmp_path / "off.log") as logged:
        time.sleep(3)  # a runner would have ticked at once, when each worker started
        assert "daily jobs off (PERSONDATA_JOBS=0)" in logged()
        assert STARTED not in logged()
        assert job_runs() == []

    before = datetime.now(COPENHAGEN)
    with serving(env, tmp_path / "on.log") as logged:
        _wait(lambda: logged().count(STARTED) == 2, "a runner in each of the two workers")
        _wait(
            lambda: "retention_sweep done" in logged() or "retention_sweep not_yet" in logged(),
            "the retention sweep's first outcome",
        )
        if "retention_sweep not_yet" in logged():
            # the daily jobs start at 03:00 in Denmark: before that, the runner checks and waits
            assert before.time() < clock_time(3, 0), logged()
            assert job_runs() == []
            return
        _wait(lambda: job_runs() == [("retention_sweep", "done")], "the job's record")
        time.sleep(2)  # the other worker has checked too, and found it done (or locked)
        assert job_runs() == [("retention_sweep", "done")], "the sweep ran once, not once per worker"
        sweeps = _rows(db, "SELECT status, actor FROM retention_run WHERE kind = 'sweep'")
        assert sweeps == [("done", "system")]
        held = _rows(db, "SELECT holder FROM job_lock WHERE name LIKE '%retention_sweep' AND holder != ''")
        assert held == []  # the job's and the sweep's locks were released
