"""A killed import's run does not stay ``running``: the next import marks it ``interrupted``."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from persondata import demo
from persondata.jobs import locks
from persondata.register import import_runs
from persondata.register.models import ImportRun
from tests.clitools import cli_env, init_home, own_database, persondata, spawn
from tests.conftest import NOW, TODAY


def _runs(url: str) -> list[tuple[int, str]]:
    query = "SELECT id, status FROM import_run ORDER BY id"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            return [(int(i), str(s)) for i, s in con.execute(query).fetchall()]
    import psycopg

    with psycopg.connect(url) as con:
        return [(int(i), str(s)) for i, s in con.execute(query).fetchall()]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    yield from own_database(tmp_path, "_import_runs")


@pytest.mark.slow
def test_an_import_killed_with_sigkill_is_marked_interrupted_by_the_next(
    tmp_path: Path, database: str
) -> None:
    env = cli_env(tmp_path, database)
    init_home(env=env)
    big = demo.write_jsonl(demo.customers(40_000, seed=3, today=TODAY), tmp_path / "big.jsonl")
    proc = spawn("import", str(big), "--no-progress", env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _runs(database):
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.05)
    time.sleep(1.0)  # well into its transaction
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    [(killed, status)] = _runs(database)
    assert status == "running"  # the process could not write its end

    small = demo.write_jsonl(demo.customers(5, seed=4, today=TODAY), tmp_path / "small.jsonl")
    persondata("import", str(small), "--no-progress", env=env)
    assert _runs(database) == [(killed, "interrupted"), (killed + 1, "done")]


@pytest.mark.django_db
def test_a_run_of_a_process_that_is_gone_is_marked_and_a_live_one_on_sqlite_is_not() -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_holder = f"{locks.current_holder().split(':')[0]}:{int(gone.stdout)}:1"
    dead = ImportRun.objects.create(started_at=NOW, mode="good-rows", holder=dead_holder)
    legacy = ImportRun.objects.create(started_at=NOW, mode="good-rows", holder="")
    live = ImportRun.objects.create(started_at=NOW, mode="good-rows", holder=locks.current_holder())
    finished = ImportRun.objects.create(started_at=NOW, mode="good-rows", status="done", holder=dead_holder)

    marked = import_runs.interrupt_stale(NOW)

    status = dict(ImportRun.objects.values_list("pk", "status"))
    assert status[dead.pk] == status[legacy.pk] == "interrupted"
    assert status[finished.pk] == "done"
    if connection.vendor == "postgresql":
        # every import holds the sweep's lock while it runs, so the holder of that lock finds only dead runs
        assert status[live.pk] == "interrupted" and marked == 3
    else:
        # good-rows imports may run side by side on SQLite: a live process's run stays running
        assert status[live.pk] == "running" and marked == 2
    assert ImportRun.objects.get(pk=dead.pk).finished_at == NOW
