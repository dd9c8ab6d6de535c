"""The deletion ledger: proof that, when and why something was deleted — and the list a restore re-applies.

RULES R5: "re-apply every deletion when a backup is restored, from a log of deletions that itself holds no
personal data". The ledger lives in the database (``retention_ledger``) *and* in an append-only JSON Lines file
outside it (``$PERSONDATA_DELETION_LEDGER``, by default ``<home>/deletion-ledger.jsonl``). A database restored
from a backup has lost the entries written since the backup; the file has not. Back the file up with the
master key, not with the database.

Entries hold a random entry id, the time, the customer's pseudonymous id, the retention class, the rule, a
count, optionally one record's id, and the run — nothing about the person.

The sweep writes its entries to the file *before* the chunk's transaction commits (and syncs it to disk): the
file may then name a deletion that a crash rolled back, but never misses one that committed. Such an entry is
harmless: it was due, and the next sweep deletes it anyway. An erasure request's entries are written once its
transaction has committed, because the request may still be rolled back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from persondata.rawsql import Hex, as_datetime, as_uuid, batches, executemany, hx
from persondata.register.models import new_id_hex
from persondata.retention.models import DeletionLedgerEntry

ENV = "PERSONDATA_DELETION_LEDGER"


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One entry; ids as 32 hex digits (``Hex``), the time as an aware datetime."""

    id: Hex
    at: datetime
    customer_id: Hex
    klass: str
    rule: str
    count: int
    record_id: Hex | None
    run_id: Hex | None

    @classmethod
    def new(
        cls,
        at: datetime,
        customer_id: Hex,
        klass: str,
        rule: str,
        count: int,
        record_id: Hex | None = None,
        run_id: Hex | None = None,
    ) -> LedgerRow:
        return cls(new_id_hex(), at, customer_id, klass, rule, count, record_id, run_id)

    def to_json(self) -> str:
        # written by hand: every value is an id, a time, a code or a count (json.dumps costs more than the rest)
        record = f'"{self.record_id}"' if self.record_id else "null"
        run = f'"{self.run_id}"' if self.run_id else "null"
        return (
            f'{{"id":"{self.id}","at":"{self.at.isoformat()}","customer":"{self.customer_id}",'
            f'"klass":"{self.klass}","rule":"{self.rule}","count":{self.count},"record":{record},"run":{run}}}'
        )

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LedgerRow:
        return cls(
            as_uuid(doc["id"]).hex,
            as_datetime(doc["at"]),
            as_uuid(doc["customer"]).hex,
            str(doc["klass"]),
            str(doc["rule"]),
            int(doc["count"]),
            as_uuid(doc["record"]).hex if doc.get("record") else None,
            as_uuid(doc["run"]).hex if doc.get("run") else None,
        )


def ledger_path() -> Path:
    """Where the ledger file is kept: ``$PERSONDATA_DELETION_LEDGER``, else ``<home>/deletion-ledger.jsonl``."""
    configured = settings.PERSONDATA_DELETION_LEDGER
    return Path(configured) if configured else Path(settings.HOME) / "deletion-ledger.jsonl"


def append_to_file(rows: Sequence[LedgerRow], path: Path | None = None) -> None:
    """Append and sync to disk: once this returns, the entries survive a crash of the machine."""
    if not rows:
        return
    path = path or ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(r.to_json() + "\n" for r in rows)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_file(path: Path | None = None) -> Iterator[LedgerRow]:
    """Every entry of the ledger file, oldest first. A line torn by a crash mid-write is skipped."""
    path = path or ledger_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                yield LedgerRow.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue


_INSERT = (
    "INSERT INTO retention_ledger (id, at, customer_id, klass, rule, count, record_id, run_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)


def _db_rows(rows: Sequence[LedgerRow]) -> list[tuple[Any, ...]]:
    adapt = connection.ops.adapt_datetimefield_value
    stamps: dict[datetime, Any] = {}  # one adaptation per time: a chunk's entries share theirs
    out = []
    for r in rows:
        at = stamps.get(r.at)
        if at is None:
            at = stamps[r.at] = adapt(r.at)
        out.append((r.id, at, r.customer_id, r.klass, r.rule, r.count, r.record_id, r.run_id))
    return out


def save(rows: Sequence[LedgerRow], *, write_ahead: bool) -> None:
    """Store entries in the database (inside the caller's transaction) and in the file.

    ``write_ahead``: write the file now, before the transaction commits (the sweep); otherwise once it has
    committed (an erasure request, which its caller may still roll back).
    """
    if not rows:
        return
    executemany(_INSERT, _db_rows(rows))
    if write_ahead:
        append_to_file(rows)
    else:
        frozen = list(rows)
        transaction.on_commit(lambda: append_to_file(frozen))


def import_missing(rows: Iterable[LedgerRow]) -> int:
    """Add the file's entries that the database lacks (after a restore); returns how many were added."""
    added = 0
    for part in batches(rows, 1000):
        known = {
            hx(v)
            for v in DeletionLedgerEntry.objects.filter(id__in=[r.id for r in part]).values_list(
                "id", flat=True
            )
        }
        fresh = [r for r in part if r.id not in known]
        executemany(_INSERT, _db_rows(fresh))
        added += len(fresh)
    return added
