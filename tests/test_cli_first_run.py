"""The command as a new installer meets it: before ``init``, on a closed pipe, and before the declarations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clitools import cli_env, init_home, persondata

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "command",
    [
        ("customers", "find", "x", "--user", "controller"),
        ("staff", "list", "--as", "controller"),
        ("audit", "verify"),
        ("retention", "plan"),
        ("requests", "list", "--user", "controller"),
    ],
)
def test_a_command_before_init_says_so_in_one_line_and_leaves_no_database(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    env = cli_env(tmp_path)
    result = persondata(*command, env=env, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "persondata init" in line and "no database" in line
    assert not (tmp_path / "persondata.sqlite3").exists(), "an empty database was left behind"


def test_an_empty_database_file_is_not_set_up(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "persondata.sqlite3").close()
    result = persondata("audit", "verify", env=cli_env(tmp_path), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not set up yet" in result.stderr and "persondata init" in result.stderr


def test_commands_that_need_no_database_run_before_init(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    assert "Datatilsynet" in persondata("policy", "render", env=env).stdout
    out = tmp_path / "demo"
    persondata("demo", "--customers", "3", "--out", str(out), env=env)
    assert any(out.iterdir())
    assert not (tmp_path / "persondata.sqlite3").exists()


def test_a_closed_pipe_ends_the_command_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "persondata", "policy", "render"],
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the command has written (it is still starting Django)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_staff_member_accepts_the_declarations_on_the_command_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    init_home(env=env)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from django.db import transaction; from django.utils import timezone\n"
            "from persondata.access.staff import ensure_default_texts\n"
            "with transaction.atomic(): ensure_default_texts(timezone.now())\n",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    refused = persondata("customers", "find", "x", "--user", "controller", env=env, check=False)
    assert refused.returncode == 3
    assert "/staff/declarations/" in refused.stderr and "persondata staff accept" in refused.stderr

    unconfirmed = persondata("staff", "accept", "--as", "controller", env=env, check=False)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert (
        "Confidentiality declaration" in unconfirmed.stdout
    )  # the texts in the command's language (English)
    in_danish = persondata("staff", "accept", "--as", "controller", "--language", "da", env=env, check=False)
    assert in_danish.returncode == 2 and "Fortrolighedserklæring" in in_danish.stdout

    accepted = persondata("staff", "accept", "--as", "controller", "--yes", "--language", "en", env=env)
    assert "accepted: confidentiality version 1, guidance version 1" in accepted.stdout
    found = persondata("customers", "find", "x", "--user", "controller", env=env, check=False)
    assert found.returncode == 1 and "0 found" in found.stderr  # searched (none match), not refused
    again = persondata("staff", "accept", "--as", "controller", env=env)
    assert "nothing to do" in again.stdout
    trail = persondata("audit", "show", env=env).stdout
    assert trail.count("declaration.acknowledge") == 2
