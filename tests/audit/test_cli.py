"""``persondata audit verify|head|show`` end to end: a real installation, then tampering with its SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clitools import cli_env, init_home, persondata

pytestmark = pytest.mark.second_job  # no database: in the PostgreSQL job of `make test`

# Appends entries the way an entry point does: inside one transaction, through the service.
_APPEND = """
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from persondata.audit.services import record
with transaction.atomic():
    for i in range(5):
        record("customer.import", actor="cli:1", target="0192f3a4-5b6c-7d8e-9f01-23456789abc" + str(i),
               details={"count": i}, now=timezone.now())
"""


@pytest.mark.slow
def test_verify_head_show_then_tampering_is_named(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    init_home(env=env)
    subprocess.run([sys.executable, "-c", _APPEND], env=env, check=True, timeout=60)
    db = tmp_path / "persondata.sqlite3"
    with sqlite3.connect(db) as con:
        (last,) = con.execute("SELECT max(seq) FROM audit_entry").fetchone()
    assert last >= 5  # other commands (init) may record entries of their own

    ok = persondata("audit", "verify", env=env)
    assert f"OK: {last:,} entries" in ok.stdout and f"head: entry {last}" in ok.stdout

    head_file = tmp_path / "head.json"
    written = persondata("audit", "head", "--out", str(head_file), env=env)
    assert "accountant" in written.stdout
    head = json.loads(head_file.read_text())
    assert head["seq"] == last and head["entries"] == last and len(head["digest"]) == 64 and head["at"]
    printed = persondata("audit", "head", env=env)
    assert json.loads(printed.stdout)["digest"] == head["digest"]  # standard output is the JSON alone
    assert "accountant" in printed.stderr

    shown = persondata("audit", "show", "--last", "3", "--action", "customer.", env=env)
    lines = shown.stdout.splitlines()
    assert len(lines) == 3 and lines[-1].split()[0] == str(last) and "customer.import" in lines[-1]

    assert (
        "contains the exported head"
        in persondata("audit", "verify", "--head", str(head_file), env=env).stdout
    )

    # One byte of one entry's action, changed behind the application's back.
    with sqlite3.connect(db) as con:
        con.execute("UPDATE audit_entry SET action = 'customer.imporu' WHERE seq = ?", (last - 1,))
    broken = persondata("audit", "verify", env=env, check=False)
    assert broken.returncode == 1
    assert f"BROKEN at entry {last - 1}" in broken.stdout and "changed" in broken.stdout
    refused = persondata("audit", "head", env=env, check=False)
    assert refused.returncode == 1 and "does not verify" in refused.stderr

    # Restored, then the last entry deleted along with a fixed head record: only the exported head catches it.
    with sqlite3.connect(db) as con:
        con.execute("UPDATE audit_entry SET action = 'customer.import' WHERE seq = ?", (last - 1,))
        con.execute("DELETE FROM audit_entry WHERE seq = ?", (last,))
        con.execute(
            "UPDATE audit_head SET seq = seq - 1, digest = (SELECT digest FROM audit_entry WHERE seq = ?)",
            (last - 1,),
        )
    assert persondata("audit", "verify", env=env).returncode == 0
    truncated = persondata("audit", "verify", "--head", str(head_file), env=env, check=False)
    assert truncated.returncode == 1 and f"BROKEN at entry {last}" in truncated.stdout


def test_a_bad_head_file_is_explained(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    init_home(env=env)
    bad = tmp_path / "head.json"
    bad.write_text('{"seq": 3}')
    result = persondata("audit", "verify", "--head", str(bad), env=env, check=False)
    assert result.returncode == 2 and "not a head written by 'persondata audit head'" in result.stderr


def test_every_audit_command_is_documented() -> None:
    from persondata.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    audit = next(a for a in commands["audit"]._actions if a.dest == "action").choices
    assert audit is not None
    docs = (Path(__file__).resolve().parents[2] / "docs" / "audit.md").read_text(encoding="utf-8")
    missing = [name for name in audit if f"persondata audit {name}" not in docs]
    assert not missing, f"docs/audit.md does not show {missing}"
