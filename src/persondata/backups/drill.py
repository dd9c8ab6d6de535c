"""``persondata backup drill``: the newest backup restored into a scratch database, checked, and recorded.

The drill runs the real ``persondata restore`` in a child process whose database is a scratch one (SQLite: a
file in a temporary folder; PostgreSQL: the database ``<name>_drill``), with a *copy* of the key store and of
the deletion ledger file — so its replay and sweep destroy keys and append entries only in the copies, never
in this installation's. It then checks what the restore reports: the counts against the backup's manifest, the
ledger replayed (no customer the ledger removed is present), the audit chain. The result (``Drill``) is what the
half-yearly control shows (``governance.evidence``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.audit import services as audit
from persondata.backups import dumps, service
from persondata.backups.models import Drill
from persondata.keys import store
from persondata.retention import ledger


def _scratch_url(home: Path) -> str:
    if dumps.vendor() == "sqlite":
        return f"sqlite:///{home / 'drill.sqlite3'}"
    s = connection.settings_dict
    auth = quote(str(s.get("USER") or ""), safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(str(s["PASSWORD"]), safe="")
    host = f"{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"
    return f"postgresql://{auth}@{host}/{scratch_name()}"


def scratch_name() -> str:
    return f"{connection.settings_dict['NAME']}_drill"


def _prepare(home: Path) -> dict[str, str]:
    """The scratch environment: a copy of the key store and of the ledger file, the real master key."""
    if dumps.vendor() == "sqlite":
        dumps.sqlite_snapshot(home / "keys.sqlite3", schema=store.SCHEMA)
    else:
        dumps.pg_create_database(scratch_name())
        dumps.pg_dump_key_store(home / "keys.pgdump")
        dumps.pg_copy_key_store(home / "keys.pgdump", scratch_name())
    if ledger.ledger_path().exists():
        shutil.copyfile(ledger.ledger_path(), home / "deletion-ledger.jsonl")
    env = dumps.child_env("PERSONDATA_")
    env |= {
        "PERSONDATA_HOME": str(home),
        "PERSONDATA_DATABASE_URL": _scratch_url(home),
        "PERSONDATA_MASTER_KEY": str(settings.PERSONDATA_MASTER_KEY_FILE),
        "PERSONDATA_DELETION_LEDGER": str(home / "deletion-ledger.jsonl"),
        "PERSONDATA_JOBS": "0",
        "DJANGO_SETTINGS_MODULE": "persondata.settings",
    }
    source = runtime.policy().source
    if source and Path(source).is_file():
        env["PERSONDATA_POLICY"] = str(source)
    return env


def _checks(report: dict[str, Any]) -> tuple[dict[str, Any], str]:
    checks = {
        "counts_match": report.get("counts_match", False),
        "ledger_entries": report.get("ledger_entries", 0),
        "ledger_imported": report.get("ledger_imported", 0),
        "erased_present": report.get("erased_present", -1),
        "audit_ok": report.get("audit_ok", False),
        "audit_checked": report.get("audit_checked", 0),
        "customers": report.get("after", {}).get("customer", 0),
        "access_log_entries": report.get("access_log_entries"),
    }
    problems = []
    if not checks["counts_match"]:
        problems.append(_("the restored counts differ from the backup's manifest"))
    if checks["erased_present"] != 0:
        problems.append(_("customers the deletion ledger removed are present after the replay"))
    if report.get("access_log_match") is False:
        problems.append(_("the restored access log differs from the backup's"))
    if not checks["audit_ok"]:
        problems.append(
            _("the audit chain does not verify: %(problem)s")
            % {"problem": report.get("audit_problem") or "?"}
        )
    return checks, "; ".join(problems)


def drill(*, now: datetime, actor: str, folder: Path | None = None) -> Drill:
    """Restore the newest backup of ``folder`` (default ``<home>/backups``) into a scratch database; record it."""
    started = time.monotonic()
    newest = service.newest(folder)
    checks: dict[str, Any] = {}
    report: dict[str, Any] = {}
    if newest is None:
        problem = _("there is no backup in %(folder)s to restore; run 'persondata backup' first") % {
            "folder": service.backups_dir(folder)
        }
    else:
        home = Path(tempfile.mkdtemp(prefix=".drill-", dir=settings.HOME))
        try:
            env = _prepare(home)
            result = subprocess.run(  # noqa: S603 - our own command, a fixed argument list
                # in the drill's language: its refusal becomes the drill's problem
                [
                    sys.executable,
                    "-m",
                    "persondata",
                    "--lang",
                    runtime.language(),
                    "restore",
                    str(newest),
                    "--json",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode == 0:
                report = json.loads(result.stdout)
                checks, problem = _checks(report)
            else:
                problem = _("the restore failed: %(output)s") % {"output": result.stderr.strip()[-400:]}
        except dumps.DumpError as exc:
            problem = str(exc)
        finally:
            shutil.rmtree(home, ignore_errors=True)
            if dumps.vendor() != "sqlite":
                dumps.pg_drop_database(scratch_name())
    with transaction.atomic():
        drilled = Drill.objects.create(
            at=now,
            backup_id=report.get("backup_id") or None,
            backup_created_at=report.get("backup_created_at") or None,
            ok=not problem,
            seconds=time.monotonic() - started,
            checks=checks,
            problem=problem,
            actor=actor,
        )
        audit.record("backup.drill", actor=actor, target=str(drilled.id), details={"ok": drilled.ok}, now=now)
    return drilled
