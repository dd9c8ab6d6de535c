"""A database created before the apps were renamed (staff → access, rights → requests) migrates in place."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clitools import cli_env, persondata

pytestmark = pytest.mark.slow

#: Where each app stood when the apps were renamed: the database is taken back there with Django's own reverse
#: migrations (so every later migration — today's and those still to come — is undone as it would be), then its
#: bookkeeping is given the labels it carried then. There was no key store either: it goes first (the keys return to
#: the rows).
BEFORE_THE_RENAME = [
    ("keys", "zero"),
    ("jobs", "zero"),
    ("register", "0003"),
    ("access", "0001"),
    ("retention", "0001"),
]


def _as_before_the_rename(db: Path, env: dict[str, str]) -> None:
    for app, target in BEFORE_THE_RENAME:
        back = subprocess.run(
            [sys.executable, "-m", "django", "migrate", app, target, "--verbosity", "0"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert back.returncode == 0, back.stdout + back.stderr
    with sqlite3.connect(db) as con:
        con.execute("UPDATE django_migrations SET app = 'staff' WHERE app = 'access'")
        con.execute("UPDATE django_migrations SET app = 'rights' WHERE app = 'requests'")
        con.execute("UPDATE django_content_type SET app_label = 'rights' WHERE app_label = 'requests'")


def test_a_database_from_before_the_rename_migrates_and_keeps_its_data(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    persondata("init", env=env)
    persondata("demo", "--customers", "20", env=env)  # the customers alone: no demo requests
    db = tmp_path / "persondata.sqlite3"
    _as_before_the_rename(db, env)
    with sqlite3.connect(db) as con:
        customers = con.execute("SELECT count(*) FROM customer").fetchone()[0]
        staff = con.execute("SELECT count(*) FROM staff_profile").fetchone()[0]
        assert con.execute("SELECT count(*) FROM django_migrations WHERE app = 'rights'").fetchone()[0] == 1

    persondata("init", env=env)

    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM customer").fetchone()[0] == customers > 0
        assert con.execute("SELECT count(*) FROM staff_profile").fetchone()[0] == staff > 0
        apps = {row[0] for row in con.execute("SELECT DISTINCT app FROM django_migrations")}
        labels = {row[0] for row in con.execute("SELECT DISTINCT app_label FROM django_content_type")}
    assert {"access", "requests", "jobs"} <= apps and not {"staff", "rights"} & apps
    assert not {"staff", "rights"} & labels
    # every migration is recorded as applied, under its new app name
    check = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--check", "--plan"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
