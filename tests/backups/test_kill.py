"""A real SIGKILL in the middle of a backup and of a restore (SQLite; PostgreSQL's restore is one transaction):
a killed backup leaves no file a restore or the drill would take; a killed restore leaves the old database."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.clitools import ON_POSTGRES, cli_env, persondata, spawn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ON_POSTGRES, reason="SQLite's file swap; PostgreSQL: one transaction"),
]
USER = ("--user", "controller")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    home = tmp_path / "home"
    env = cli_env(home)
    persondata("init", "--demo", "5", env=env, timeout=300)
    database = home / "persondata.sqlite3"
    with sqlite3.connect(database) as con:  # padding, so that a backup and a restore take a moment
        con.execute("CREATE TABLE zz_padding (b BLOB)")
        con.executemany("INSERT INTO zz_padding VALUES (?)", [(os.urandom(1 << 20),) for _ in range(48)])
    yield env, database


def _kill_when(env: dict[str, str], args: tuple[str, ...], seen: Callable[[], bool]) -> bool:
    """Run the command and SIGKILL it as soon as ``seen()``; True if it was killed half-way."""
    proc = spawn(*args, env=env)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if seen():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    proc.wait()
    return False


def _customers(database: Path) -> int:
    with sqlite3.connect(database) as con:
        return int(con.execute("SELECT COUNT(*) FROM customer").fetchone()[0])


def _logged(access_log: Path) -> int:
    with sqlite3.connect(access_log) as con:
        return int(con.execute("SELECT COUNT(*) FROM access_log").fetchone()[0])


def test_a_killed_backup_leaves_nothing_a_restore_would_take(home: tuple[dict[str, str], Path]) -> None:
    env, _database = home
    folder = Path(env["PERSONDATA_HOME"]) / "backups"
    killed = any(
        _kill_when(env, ("backup", *USER), lambda: any(folder.glob(".*.part")))
        for _ in range(5)
        if not any(folder.glob("*.pdbak"))
    )
    assert killed, "the backup always finished before it could be killed"
    assert not list(folder.glob("*.pdbak")), "a killed backup left a file a restore would take"
    [part] = folder.glob(".*.part")
    refused = persondata("--lang", "en", "restore", str(part), *USER, env=env, check=False)
    assert refused.returncode == 2 and "nothing was changed" in refused.stderr  # cut short, or not even begun
    assert "truncated" in refused.stderr or "does not start as one" in refused.stderr
    drill = persondata("--lang", "en", "backup", "drill", *USER, env=env, check=False, timeout=300)
    assert drill.returncode == 1 and "there is no backup" in drill.stdout


def test_a_killed_restore_leaves_the_old_database(home: tuple[dict[str, str], Path]) -> None:
    env, database = home
    persondata("backup", *USER, env=env, timeout=300)
    [backup] = (Path(env["PERSONDATA_HOME"]) / "backups").glob("*.pdbak")
    with sqlite3.connect(database) as con:  # a change after the backup, which the old database keeps
        con.execute("DELETE FROM zz_padding WHERE rowid = 1")
    access_log = database.parent / "access-log.sqlite3"
    with sqlite3.connect(access_log) as con:  # and one in the access log, which the old access log keeps
        con.execute(
            "INSERT INTO access_log (at, staff_id, customer_id, categories, purpose, channel) "
            "VALUES ('2026-12-01 10:00:00', 1, '0123456789abcdef0123456789abcdef', 'contact', 'delivery', 'cli')"
        )
    logged = _logged(access_log)
    before = _customers(database)
    killed = _kill_when(
        env,
        ("restore", str(backup), *USER),
        lambda: any(database.parent.glob(".persondata.sqlite3.restore-*")),
    )
    assert killed, "the restore finished before it could be killed"
    with sqlite3.connect(database) as con:
        assert con.execute("SELECT COUNT(*) FROM zz_padding").fetchone()[0] == 47  # the old database
        assert con.execute("SELECT COUNT(*) FROM backup_replay_pending").fetchone()[0] == 0
    assert _customers(database) == before
    assert _logged(access_log) == logged  # neither was put back
    assert (
        persondata("audit", "verify", env=env, check=False).returncode == 0
    )  # it opens and serves as before


def test_the_next_restore_removes_the_copy_a_killed_one_left(home: tuple[dict[str, str], Path]) -> None:
    """A killed restore leaves its decrypted copy (``.persondata.sqlite3.restore-<pid>.tmp``); ``restore --resume``
    and the next restore remove it, but not the copy of a restore whose process still runs."""
    env, database = home
    persondata("backup", *USER, env=env, timeout=300)
    [backup] = (Path(env["PERSONDATA_HOME"]) / "backups").glob("*.pdbak")
    running = database.parent / f".persondata.sqlite3.restore-{os.getpid()}.tmp"  # this process: it runs
    running.write_bytes(b"a running restore's copy")

    def left() -> list[Path]:
        return [p for p in database.parent.glob(".persondata.sqlite3.restore-*.tmp") if p != running]

    for then in (("restore", "--resume", *USER), ("restore", str(backup), *USER)):
        assert _kill_when(env, ("restore", str(backup), *USER), lambda: bool(left())), "it finished first"
        [stale] = left()
        persondata(*then, env=env, check=False, timeout=300)
        assert not stale.exists(), then
        assert running.read_bytes() == b"a running restore's copy", then
    assert _customers(database) > 0  # the second restore went through
