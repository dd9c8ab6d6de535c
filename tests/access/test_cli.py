"""``persondata staff …`` in a subprocess, against its own home and SQLite database."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clitools import cli_env, init_home, persondata

pytestmark = [pytest.mark.slow, pytest.mark.second_job]  # no database: in the PostgreSQL job of `make test`

PUBLISH_DEFAULTS = (
    "import django; django.setup()\n"
    "from django.db import transaction; from django.utils import timezone\n"
    "from persondata.access.staff import ensure_default_texts\n"
    "with transaction.atomic(): ensure_default_texts(timezone.now())\n"
)


def test_staff_commands(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    init_home(env=env)  # creates the login 'controller'
    # the default texts (init publishes them once it calls ensure_default_texts; publishing is idempotent)
    subprocess.run([sys.executable, "-c", PUBLISH_DEFAULTS], env=env, check=True, capture_output=True)

    # nobody to act as
    result = persondata("staff", "list", env=env, check=False)
    assert result.returncode == 2 and "--as LOGIN" in result.stderr

    added = persondata("staff", "add", "kirsten", "--role", "customer_service", "--as", "controller", env=env)
    password = added.stdout.strip()
    assert len(password) >= 16 and "\n" not in password
    assert "kirsten" in added.stderr and "only this once" in added.stderr

    unknown = persondata("staff", "add", "bo", "--role", "chef", "--as", "controller", env=env, check=False)
    assert unknown.returncode == 2
    assert (
        "'chef'" in unknown.stderr and "controller, customer_service, accounting, it_admin" in unknown.stderr
    )
    assert password not in unknown.stderr

    refused = persondata("staff", "list", "--as", "kirsten", env=env, check=False)
    assert refused.returncode == 3 and "manage_staff" in refused.stderr

    as_controller = {**env, "PERSONDATA_USER": "controller"}  # --as defaults to $PERSONDATA_USER
    roles = persondata(
        "staff", "roles", "kirsten", "--role", "accounting", "--role", "customer_service", env=as_controller
    )
    assert roles.stdout.strip() == "kirsten: customer_service, accounting"

    listing = persondata("staff", "list", env=as_controller).stdout
    assert "kirsten" in listing and "customer_service,accounting" in listing
    assert "missing: confidentiality, guidance" in listing

    overview = persondata("staff", "declarations", env=as_controller).stdout
    assert "confidentiality version 1" in overview and "guidance version 1" in overview
    kirsten_line = next(line for line in overview.splitlines() if line.startswith("kirsten"))
    assert kirsten_line.count("MISSING") == 2
    assert "2 of 2 active logins have not accepted every current text" in overview

    reset = persondata("staff", "password", "kirsten", env=as_controller)
    assert reset.stdout.strip() not in ("", password)

    last = persondata("staff", "roles", "controller", "--role", "accounting", env=as_controller, check=False)
    assert last.returncode == 1 and "no active staff who may manage staff" in last.stderr

    persondata("staff", "deactivate", "kirsten", env=as_controller)
    assert "kirsten" not in persondata("staff", "list", env=as_controller).stdout
    assert re.search(
        r"^kirsten +\(deactivated\)$", persondata("staff", "list", "--all", env=as_controller).stdout, re.M
    )
    gone = persondata("staff", "password", "kirsten", env=as_controller, check=False)
    assert gone.returncode == 1 and "no active staff login named 'kirsten'" in gone.stderr

    # every change is in the audit log, under user ids only, and the chain verifies
    with sqlite3.connect(tmp_path / "persondata.sqlite3") as con:
        rows = con.execute("SELECT actor, action, target, details FROM audit_entry ORDER BY seq").fetchall()
    actions = [r[1] for r in rows]
    for action in ("staff.create", "staff.roles.change", "staff.password.reset", "staff.deactivate"):
        assert action in actions
    assert all("kirsten" not in "".join(r) and password not in "".join(r) for r in rows)
    persondata("audit", "verify", env=env)
