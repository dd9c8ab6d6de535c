"""``persondata backup``: the database and the key store, each copied on its own and kept on its own rotation.

A database backup is a snapshot (``dumps``) encrypted under a data key of its own, made for it and kept in the
key store as ``backup:<id>`` (``container``). The key store is then copied beside, into its own folder: it holds
the keys of every customer and of every backup, wrapped by the master key, which is in neither.

Retention (policy ``[backups]``): database backups older than ``database_retention_days`` are deleted and their
keys destroyed — a copy of such a file kept anywhere else can then no longer be read; key-store backups older
than ``key_store_rotation_days`` are deleted. So a data key destroyed by an erasure survives in no copy once the
key-store backups taken before the erasure are gone (the date the erasure letter gives).

Files are written under a temporary name, synced, and renamed: a backup killed half-way leaves at most a
``.part`` or ``.tmp`` file, which a restore does not take and the next backup removes.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction

from persondata import runtime
from persondata.audit import services as audit
from persondata.backups import container, dumps
from persondata.backups.models import BackupRecord
from persondata.keys import ring, store
from persondata.retention import ledger

KEY_CLASS = "backup"
KEY_PREFIX = "backup:"
SUFFIX = ".pdbak"
STALE = timedelta(hours=1)  # a temporary file this old belongs to a backup that was killed


def backups_dir(to: Path | None = None) -> Path:
    return to or Path(settings.HOME) / "backups"


def key_backups_dir(to: Path | None = None) -> Path:
    return to or Path(settings.HOME) / "key-backups"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sync_rename(tmp: Path, final: Path) -> None:
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    tmp.replace(final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself survives a crash of the machine
    finally:
        os.close(fd)


@dataclass
class BackupResult:
    path: Path
    key_store_path: Path
    manifest: dict[str, Any]
    seconds: float
    pruned: dict[str, int] = field(default_factory=dict)


def take(*, now: datetime, actor: str, to: Path | None = None, keys_to: Path | None = None) -> BackupResult:
    """Back up the database (encrypted, with its manifest) and then the key store; returns where they went."""
    started = time.monotonic()
    folder, key_folder = _private_dir(backups_dir(to)), _private_dir(key_backups_dir(keys_to))
    backup_id = uuid.uuid4()
    owner = f"{KEY_PREFIX}{backup_id.hex}"
    with transaction.atomic():  # the key is stored (and committed) before any file needs it
        key = AESGCM(ring.new_own_key(owner, KEY_CLASS, now))
    base = f"persondata-{_stamp(now)}-{backup_id.hex[:8]}"
    plain, part = folder / f".{base}.tmp", folder / f".{base}{SUFFIX}.part"
    final = folder / f"{base}{SUFFIX}"
    ledger_file = ledger.ledger_path()
    ledger_bytes = ledger_file.stat().st_size if ledger_file.exists() else 0
    try:
        if dumps.vendor() == "sqlite":
            dumps.sqlite_snapshot(plain)
            dumps.sqlite_add_access_log(plain)  # the access log's own file, in the same backup
            facts = dumps.sqlite_facts(plain)
        else:
            facts = dumps.pg_dump_database(plain)
        manifest = {
            "format": container.FORMAT,
            "backup_id": str(backup_id),
            "created_at": now.astimezone(UTC).isoformat(),
            "engine": dumps.vendor(),
            "counts": facts["counts"],
            "audit_head": facts["audit_head"],
            "ledger": {
                "last_entry_id": facts["last_ledger_entry"],
                "entries": facts["counts"].get("retention_ledger", 0),
                "file_bytes": ledger_bytes,
            },
            "checksum": {"sha256": container.sha256_file(plain), "bytes": plain.stat().st_size},
            "key": owner,
        }
        with part.open("wb") as out:
            container.write(plain, out, manifest, key)
        _sync_rename(part, final)
    finally:
        plain.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    key_path = _key_store_backup(key_folder, now, backup_id.hex[:8])
    seconds = time.monotonic() - started
    with transaction.atomic():
        BackupRecord.objects.create(
            id=backup_id,
            created_at=now,
            file_name=final.name,
            size=final.stat().st_size,
            seconds=seconds,
            customers=manifest["counts"].get("customer", 0),
            actor=actor,
        )
        audit.record(
            "backup.create",
            actor=actor,
            target=str(backup_id),
            details={"customers": manifest["counts"].get("customer", 0), "bytes": final.stat().st_size},
            now=now,
        )
    return BackupResult(final, key_path, manifest, seconds)


def _key_store_backup(folder: Path, now: datetime, tag: str) -> Path:
    """A copy of the key store, apart from the database's backups (the data keys are wrapped by the master key,
    which is not in it)."""
    suffix = ".sqlite3" if dumps.vendor() == "sqlite" else ".pgdump"
    final = folder / f"keys-{_stamp(now)}-{tag}{suffix}"
    tmp = folder / f".{final.name}.tmp"
    try:
        if dumps.vendor() == "sqlite":
            dumps.sqlite_snapshot(tmp, schema=store.SCHEMA)
        else:
            dumps.pg_dump_key_store(tmp)
        _sync_rename(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _created(path: Path, prefix: str) -> datetime | None:
    """When a backup file was made, from its name (``<prefix><stamp>``)."""
    try:
        return datetime.strptime(path.name[len(prefix) : len(prefix) + 16], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC
        )
    except ValueError:
        return None


def prune(
    *, now: datetime, actor: str, to: Path | None = None, keys_to: Path | None = None
) -> dict[str, int]:
    """Delete the backups past their retention (policy ``[backups]``) and destroy the keys of the database
    backups past it; remove temporary files left by killed backups. Returns the counts."""
    rules = runtime.policy().backups
    db_limit = now - timedelta(days=rules.database_retention_days)
    key_limit = now - timedelta(days=rules.key_store_rotation_days)
    counts = {"database_backups": 0, "backup_keys": 0, "key_store_backups": 0, "temporary_files": 0}
    for folder, prefix, limit, what in (
        (backups_dir(to), "persondata-", db_limit, "database_backups"),
        (key_backups_dir(keys_to), "keys-", key_limit, "key_store_backups"),
    ):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name.startswith(".") and (path.suffix in (".tmp", ".part")):
                if datetime.fromtimestamp(path.stat().st_mtime, UTC) < now - STALE:
                    path.unlink(missing_ok=True)
                    counts["temporary_files"] += 1
                continue
            created = _created(path, prefix) if path.name.startswith(prefix) else None
            if created is not None and created < limit:
                path.unlink(missing_ok=True)
                counts[what] += 1
    with transaction.atomic():
        owners = store.own_key_owners(KEY_PREFIX, KEY_CLASS, db_limit)
        counts["backup_keys"] = store.destroy_own_keys(owners, KEY_CLASS) if owners else 0
        if any(counts.values()):
            audit.record("backup.prune", actor=actor, details=counts, now=now)
    return counts


def newest(folder: Path | None = None) -> Path | None:
    """The newest complete database backup in ``folder`` (never a ``.part`` file)."""
    found = sorted(p for p in backups_dir(folder).glob(f"persondata-*{SUFFIX}") if _created(p, "persondata-"))
    return found[-1] if found else None
