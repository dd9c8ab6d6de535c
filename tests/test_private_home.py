"""The server is private: whatever the product writes is its owner's only (files 0600, directories 0700, the home
0700), whatever the umask it was started with; ``persondata serve`` opens no gunicorn control socket."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from persondata import demo
from tests.clitools import cli_env
from tests.conftest import TODAY

pytestmark = pytest.mark.slow
HOLD_OPEN = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
con.execute("SELECT count(*) FROM customer").fetchone()
print("open", flush=True)
time.sleep(60)
"""


def _loose(home: Path) -> list[str]:
    """Everything under ``home`` (and the home itself) that the group or others may read, write or enter."""
    return [
        f"{p.relative_to(home.parent)} {stat.filemode(p.lstat().st_mode)}"
        for p in [home, *home.rglob("*")]
        if p.exists() and p.lstat().st_mode & 0o077
    ]


def _run(*args: str, env: dict[str, str], code: int = 0) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "persondata", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == code, result.stderr


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_file_the_product_writes_is_private(tmp_path: Path) -> None:
    home, user_home = tmp_path / "persondata", tmp_path / "user"
    home.mkdir(mode=0o755)  # as an administrator might have made it
    user_home.mkdir()
    (home / "notes.txt").write_text("left here by an older version")
    (home / "notes.txt").chmod(0o644)
    env = cli_env(home)
    env["HOME"] = str(user_home)  # where gunicorn would put its control socket by default
    env.pop("XDG_RUNTIME_DIR", None)
    env["PERSONDATA_JOBS"] = "0"

    _run("init", "--demo", "30", env=env)
    good = demo.write_jsonl(demo.customers(20, seed=5, today=TODAY, start=900_000), home / "more.jsonl")
    bad = home / "bad.csv"
    bad.write_text("customer_number,name,email\n1,x,not-an-address\n")
    _run("import", str(good), "--no-progress", env=env)
    errors = home / "errors.csv"
    _run(
        "import",
        str(bad),
        "--mode",
        "good-rows",
        "--errors-file",
        str(errors),
        "--no-progress",
        env=env,
        code=1,
    )
    _run("retention", "run", "--no-progress", env=env)
    assert errors.exists()

    port = _port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "persondata", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.umask(0o022),  # the usual umask, which would give 0644 files
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10) as page:
                assert page.status == 200  # a session and a CSRF token written
            assert _loose(home) == []  # while serving
        finally:
            proc.terminate()
            proc.wait(30)
    assert _loose(home) == []
    # the WAL and SHM files exist while a connection is open; SQLite gives them the database's mode, whatever the
    # umask of the process that opens it (here none at all)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(home / "persondata.sqlite3")],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.umask(0),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        assert (home / "persondata.sqlite3-wal").exists() and (home / "persondata.sqlite3-shm").exists()
        assert _loose(home) == []
    finally:
        holder.kill()
        holder.wait(10)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "persondata.sqlite3").stat().st_mode) == 0o600
    assert not (user_home / ".gunicorn").exists()  # no control socket at gunicorn's shared default
    assert not list(tmp_path.rglob("*.ctl"))
