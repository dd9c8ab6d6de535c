"""Running the real ``persondata`` command in a subprocess, against its own home and database."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
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


#: an initialised SQLite home for each set of language variables, made once per test run (see :func:`init_home`)
_INITIALISED: dict[tuple[str, ...], Path] = {}
_LANGUAGE_VARIABLES = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


def init_home(env: dict[str, str], timeout: float = 300) -> None:
    """``persondata init`` for the home of ``env``, as a test's starting point. On SQLite the first call of a test
    run initialises a home of its own and every call copies its files (a new home's files name no path of their
    home; the command takes seconds, most of them the migrations); on PostgreSQL, or with any other setting, it runs
    the command. A test of ``init`` itself calls the command."""
    home = Path(env["PERSONDATA_HOME"])
    settings = {k for k in env if k.startswith("PERSONDATA_")}
    plain_sqlite = (
        settings == {"PERSONDATA_HOME", "PERSONDATA_DATABASE_URL"}
        and env["PERSONDATA_DATABASE_URL"] == f"sqlite:///{home / 'persondata.sqlite3'}"
    )
    if not plain_sqlite:
        persondata("init", env=env, timeout=timeout)
        return
    languages = tuple(env.get(k, "") for k in _LANGUAGE_VARIABLES)
    template = _INITIALISED.get(languages)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="persondata-init-")) / "home"
        atexit.register(shutil.rmtree, template.parent, True)
        made = {k: v for k, v in cli_env(template).items() if k not in _LANGUAGE_VARIABLES}
        made.update({k: v for k, v in zip(_LANGUAGE_VARIABLES, languages, strict=True) if v})
        persondata("init", env=made, timeout=timeout)
        _INITIALISED[languages] = template
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copytree(template, home, dirs_exist_ok=True)


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
