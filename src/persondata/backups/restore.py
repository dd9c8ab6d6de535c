"""``persondata restore FILE``: a backup back in the database's place, and every deletion since re-applied
before anything is served (RULES R5).

1. The backup is checked before anything is touched: its manifest, its key (still in the key store?), every
   chunk's tag and the checksum of the whole, decrypting into a temporary copy. A corrupted, truncated or
   unreadable backup, or one whose key is gone, is refused and nothing is overwritten.
2. The copy is marked "ledger replay pending" (``ReplayPending``) and swapped in at once: SQLite by one
   ``rename``; PostgreSQL by ``pg_restore``'s script and the marker in one transaction. Killed before the swap,
   the old database stays as it was; killed after it, the marker stays, and the app refuses to serve.
3. :func:`finish` replays the deletion ledger from the file outside the database (``retention reapply``),
   runs the day's sweep so that customers past their deletion day go too, verifies the audit chain, and only
   then removes the marker. ``persondata restore --resume`` runs it again after an interruption.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access import log_store
from persondata.audit import services as audit
from persondata.backups import container, dumps
from persondata.backups.container import BackupFileError
from persondata.backups.models import ReplayPending
from persondata.backups.service import KEY_CLASS
from persondata.core.formats import format_datetime
from persondata.keys import ring
from persondata.keys.check import KeyCheckError
from persondata.keys.check import verify as verify_key
from persondata.rawsql import fetch
from persondata.retention.reapply import LedgerReplayError, reapply
from persondata.retention.sweep import sweep


def _engine(vendor: str) -> str:
    """The database engine as its makers spell it."""
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)


class RestoreError(Exception):
    """The restore was refused or failed; the message says why and whether anything was changed, in the active
    language."""


@dataclass
class RestoreReport:
    backup_id: str = ""
    backup_created_at: str = ""
    before: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    ledger_imported: int = 0
    ledger_entries: int = 0
    replay_seconds: float = 0.0  # the ledger replay alone (the benchmark's entries per second)
    reapplied: dict[str, int] = field(default_factory=dict)
    swept: dict[str, int] = field(default_factory=dict)
    audit_ok: bool = False
    audit_checked: int = 0
    audit_problem: str = ""
    counts_match: bool = False  # the restored tables hold what the manifest says, before the replay
    erased_present: int = 0  # customers the ledger removed that are present after the replay (must be 0)
    #: SQLite: the access log's entries in the backup (None: a backup without it — the access log stayed as it
    #: was), and whether the restored access log holds exactly those
    access_log_entries: int | None = None
    access_log_match: bool | None = None
    seconds: float = 0.0


#: the tables the report compares (counts only)
REPORTED = ("customer", "customer_order", "invoice", "payment", "retention_ledger", "audit_entry")


def _counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {t: int(fetch(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in REPORTED if t in tables}  # noqa: S608


def _key_for(manifest: dict[str, Any]) -> AESGCM:
    owner = str(manifest.get("key") or "")
    key = ring.own_key(owner, KEY_CLASS) if owner else None
    if key is None:
        raise BackupFileError(
            _(
                "the key of this backup (taken %(taken)s) is no longer in the key store: its retention has run "
                "out and the key was destroyed, or the key store is not this installation's. Take a newer "
                "backup; this one can no longer be read by anyone"
            )
            % {"taken": when_taken(manifest.get("created_at"))}
        )
    return key


def when_taken(created_at: object) -> str:
    """When a backup was taken (its manifest's ``created_at``), as the reader's language writes it."""
    try:
        return format_datetime(datetime.fromisoformat(str(created_at)), runtime.language())
    except ValueError:
        return "?"


def check(path: Path, into: Path) -> dict[str, Any]:
    """Decrypt the backup ``path`` into the new file ``into`` and check it; returns its manifest."""
    if not path.is_file() and not path.is_fifo():
        raise RestoreError(
            _("there is no backup file at %(path)s; give the path of a .pdbak file") % {"path": path}
        )
    try:
        fd = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            manifest = container.decrypt_to(path, out, _key_for)
            out.flush()
            os.fsync(out.fileno())
    except BackupFileError as exc:
        raise RestoreError(_("%(problem)s; nothing was changed") % {"problem": exc}) from None
    if manifest.get("engine") != dumps.vendor():
        raise RestoreError(
            _(
                "this is a backup of a %(engine)s database and this installation uses %(ours)s; nothing was changed"
            )
            % {"engine": _engine(str(manifest.get("engine"))), "ours": _engine(dumps.vendor())}
        )
    return manifest


def restore(path: Path, *, now: datetime, actor: str, replay: bool = True) -> RestoreReport:
    """Restore the backup ``path`` in place of the database, then (``replay``) :func:`finish`."""
    started = time.monotonic()
    report = RestoreReport(before=_counts() if _set_up() else {})
    database = _database()
    on_file = dumps.vendor() == "sqlite" and database.is_absolute()
    remove_stale_copies(database)
    tmp = _copy(database, os.getpid())
    tmp.unlink(missing_ok=True)
    try:
        manifest = check(path, tmp)
        if dumps.vendor() == "sqlite" and not on_file:
            raise RestoreError(
                _("a restore needs a database file (PERSONDATA_DATABASE_URL=sqlite:////path/file)")
            )
        marker = (manifest["backup_id"], manifest["created_at"], now.astimezone(UTC).isoformat())
        try:
            if dumps.vendor() == "sqlite":
                report.access_log_entries = dumps.sqlite_prepare(tmp, manifest, marker)
                dumps.sqlite_swap(tmp, database)  # from here on, the marker closes the database …
                dumps.sqlite_swap_access_log(manifest["backup_id"].replace("-", ""))  # … until both are back
            else:
                dumps.pg_restore(tmp, marker)
        except dumps.DumpError as exc:
            raise RestoreError(_("%(problem)s; the database was not replaced") % {"problem": exc}) from None
    except BaseException:
        if dumps.vendor() == "sqlite" and not pending_here(database):
            live = Path(log_store.file_path())
            for prepared in live.parent.glob(f".{live.name}.restore-*"):
                prepared.unlink(missing_ok=True)  # the database was not swapped: neither is the access log
        raise
    finally:
        tmp.unlink(missing_ok=True)
    report.access_log_match = _access_log_matches(report.access_log_entries)
    report.backup_id, report.backup_created_at = manifest["backup_id"], manifest["created_at"]
    report.restored = {t: int(manifest["counts"].get(t, 0)) for t in REPORTED if t in manifest["counts"]}
    report.counts_match = _counts() == report.restored
    if replay:
        finish(now=now, actor=actor, report=report)
    report.seconds = time.monotonic() - started
    return report


def _database() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def _copy(database: Path, pid: int | str) -> Path:
    """The decrypted copy the restore run by process ``pid`` writes: beside an SQLite database (the swap is a rename
    within one file system), else in the installation's folder."""
    on_file = dumps.vendor() == "sqlite" and database.is_absolute()
    return (database.parent if on_file else Path(settings.HOME)) / f".{database.name}.restore-{pid}.tmp"


def remove_stale_copies(database: Path) -> None:
    """Remove the decrypted copies of a backup that killed restores left behind (0600, but a whole database each):
    those whose process is gone. A running restore's copy stays."""
    every = _copy(database, "*")
    for stale in every.parent.glob(every.name):
        pid = stale.name.rpartition(".restore-")[2].removesuffix(".tmp")
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            stale.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def pending_here(database: Path) -> bool:
    """SQLite: does the database file hold the "replay pending" marker (was the restored copy swapped in)?"""
    if not database.exists():
        return False
    with closing(sqlite3.connect(database)) as con:
        try:
            return bool(con.execute(f"SELECT COUNT(*) FROM {dumps.MARKER_TABLE}").fetchone()[0])  # noqa: S608
        except sqlite3.Error:
            return False


def _access_log_matches(entries: int | None) -> bool | None:
    if entries is None:
        return None
    return int(fetch(f"SELECT COUNT(*) FROM {log_store.TABLE}")[0][0]) == entries  # noqa: S608 - constant


def _set_up() -> bool:
    try:
        return "customer" in connection.introspection.table_names()
    except Exception:  # no database yet (a restore onto a new machine)
        return False


def pending() -> ReplayPending | None:
    return ReplayPending.objects.order_by("restored_at").first()


def finish(*, now: datetime, actor: str, report: RestoreReport | None = None) -> RestoreReport:
    """Replay the deletion ledger, sweep, verify the audit chain, then lift the marker."""
    remove_stale_copies(_database())
    report = report or RestoreReport()
    marker = pending()
    if marker is None:
        raise RestoreError(_("this database is not waiting for a ledger replay (no restore is pending)"))
    report.backup_id = report.backup_id or str(marker.backup_id)
    report.backup_created_at = report.backup_created_at or marker.backup_created_at.isoformat()
    try:
        verify_key(now=now)
    except KeyCheckError as exc:
        raise RestoreError(
            _("%(problem)s; the ledger was not replayed and the database stays closed") % {"problem": exc}
        ) from None
    if dumps.vendor() == "sqlite":  # a restore killed between the two swaps: the access log's now
        dumps.sqlite_swap_access_log(marker.backup_id.hex)
    replay_started = time.monotonic()
    try:
        replayed = reapply(now=now, actor=actor)
    except LedgerReplayError as exc:
        raise RestoreError(_("%(problem)s; the database stays closed") % {"problem": exc}) from None
    report.replay_seconds = time.monotonic() - replay_started
    report.ledger_imported, report.ledger_entries = replayed.imported, replayed.entries
    report.reapplied = {k: v for k, v in replayed.counts.items() if v}
    swept = sweep(now=now, dry_run=False, actor=actor)
    report.swept = {k: v for k, v in swept.counts.items() if v}
    result = audit.verify()
    report.audit_ok, report.audit_checked, report.audit_problem = (
        result.ok,
        result.checked,
        result.words(_) or "",  # in the command's language, as the rest of its report
    )
    report.after = _counts()
    report.erased_present = int(
        fetch(
            "SELECT COUNT(*) FROM customer WHERE id IN "
            "(SELECT customer_id FROM retention_ledger WHERE klass = 'customer')"
        )[0][0]
    )
    with transaction.atomic():
        ReplayPending.objects.all().delete()
        audit.record(
            "backup.restore",
            actor=actor,
            target=report.backup_id,
            details={
                "ledger_imported": report.ledger_imported,
                "reapplied": report.reapplied,
                "swept": report.swept,
                "audit_ok": report.audit_ok,
            },
            now=now,
        )
    return report
