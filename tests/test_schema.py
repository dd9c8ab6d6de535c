"""A database created before the apps were renamed (staff → access, rights → requests) migrates in place."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clitools import cli_env, persondata

pytestmark = pytest.mark.slow

#: the migrations that did not exist before the rename, and the labels the older rows carried
NEW_MIGRATIONS = [
    ("register", "0004_staff_and_access_log_to_access"),
    ("access", "0002_staff_profile_and_access_log"),
    ("retention", "0002_job_runner_to_jobs"),
    ("jobs", "0001_initial"),
    ("jobs", "0002_outbox"),
]


def _as_before_the_rename(db: Path) -> None:
    with sqlite3.connect(db) as con:
        for app, name in NEW_MIGRATIONS:
            con.execute("DELETE FROM django_migrations WHERE app = ? AND name = ?", (app, name))
        con.execute("DROP TABLE IF EXISTS jobs_outbox")
        con.execute("UPDATE django_migrations SET app = 'staff' WHERE app = 'access'")
        con.execute("UPDATE django_migrations SET app = 'rights' WHERE app = 'requests'")
        con.execute("UPDATE django_content_type SET app_label = 'rights' WHERE app_label = 'requests'")


def test_a_database_from_before_the_rename_migrates_and_keeps_its_data(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    persondata("init", "--demo", "20", env=env)
    db = tmp_path / "persondata.sqlite3"
    # before the rename there was no key store either: its migrations go back first (the keys return to the rows)
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "keys", "zero"], env=env, check=True, timeout=120
    )
    _as_before_the_rename(db)
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
