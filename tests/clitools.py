"""Running the real ``persondata`` command in a subprocess, against its own home and database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.web.crawl import ENGLISH_WORDS, english_msgids

TEST_URL = os.environ.get("PERSONDATA_DATABASE_URL", "")
ON_POSTGRES = TEST_URL.startswith(("postgres://", "postgresql://"))
#: what a command prints that is data, not the app's words: passwords, paths, ids, dates, the policy's texts
#: an error's prefix: the program and the command as typed ("persondata customers: …")
PROGRAM = re.compile(r"^persondata [\w-]+: ")
DATA = re.compile(r"(/[\w./-]+|\b[0-9a-f]{8,}\b|\b[\w-]{16}\b)")


def english_in(output: str) -> list[str]:
    """Each line of ``output`` that shows English (what a Danish run must never print), as the crawl test reads a
    Danish page (:mod:`tests.web.crawl`): an English function word, or an English text of the app's catalogues."""
    msgids = english_msgids()
    found = []
    for line in output.splitlines():
        text = DATA.sub(" ", PROGRAM.sub("", line))
        if m := ENGLISH_WORDS.search(text):
            found.append(f"English word {m[0]!r} in {line!r}")
        for pattern in msgids:
            if m := pattern.search(text):
                found.append(f"untranslated {m[0]!r} in {line!r}")
    return found


def cli_env(home: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONDATA_")}
    env["PERSONDATA_HOME"] = str(home)
    env["PERSONDATA_DATABASE_URL"] = database_url or f"sqlite:///{home / 'persondata.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "persondata.settings"
    return env


def persondata(
    *args: str, env: dict[str, str], check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "persondata", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"persondata {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def spawn(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "persondata", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def own_database(home: Path, suffix: str) -> Iterator[str]:
    """A database of its own for a subprocess: the home's SQLite file, or — when the tests run on PostgreSQL — a
    PostgreSQL database next to the test database, named with ``suffix`` and dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{home / 'persondata.sqlite3'}"
        return
    import psycopg

    name = (os.environ.get("PERSONDATA_TEST_DBNAME") or "test_persondata") + suffix
    with psycopg.connect(TEST_URL, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(TEST_URL)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(TEST_URL, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
