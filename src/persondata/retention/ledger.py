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
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from persondata.rawsql import Hex, as_datetime, as_uuid, batches, executemany, fetch_in, hx
from persondata.register import ledger_file
from persondata.register.models import new_id_hex

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
        record, run = doc.get("record"), doc.get("run")
        return cls(
            _hex(doc["id"]),
            _at(doc["at"]),
            _hex(doc["customer"]),
            str(doc["klass"]),
            str(doc["rule"]),
            int(doc["count"]),
            _hex(record) if record else None,
            _hex(run) if run else None,
        )


_HEX = re.compile(r"[0-9a-f]{32}")


def _hex(value: Any) -> Hex:
    """An id as the file spells it (32 hex digits); anything else as a UUID (a hand-edited line)."""
    if type(value) is str and _HEX.fullmatch(value):
        return value
    return as_uuid(value).hex


_stamps: dict[str, datetime] = {}  # a chunk's entries share their time: parse it once


def _at(value: Any) -> datetime:
    found = _stamps.get(value)
    if found is None:
        if len(_stamps) > 10_000:
            _stamps.clear()
        found = _stamps[value] = as_datetime(value)
    return found


def ledger_path() -> Path:
    """Where the ledger file is kept: ``$PERSONDATA_DELETION_LEDGER``, else ``<home>/deletion-ledger.jsonl``."""
    return ledger_file.path()


def append_to_file(rows: Sequence[LedgerRow], path: Path | None = None) -> None:
    """Append and sync to disk: once this returns, the entries survive a crash of the machine."""
    ledger_file.append([r.to_json() for r in rows], path)


#: a line as :meth:`LedgerRow.to_json` writes it; read without the JSON parser (a replay reads every line)
_LINE = re.compile(
    r'\{"id":"([0-9a-f]{32})","at":"([^"]+)","customer":"([0-9a-f]{32})","klass":"([a-z0-9_]+)",'
    r'"rule":"([a-z0-9_:]+)","count":(\d+),"record":(?:null|"([0-9a-f]{32})"),"run":(?:null|"([0-9a-f]{32})")\}\n?'
)


def read_file(path: Path | None = None) -> Iterator[LedgerRow]:
    """Every deletion entry of the ledger file, oldest first. A line torn by a crash mid-write, and the file's
    restriction lines (``register.ledger_file``), are skipped."""
    path = path or ledger_path()
    if not path.exists():
        return
    match, loads, parse = _LINE.fullmatch, json.loads, LedgerRow.from_json
    with path.open(encoding="utf-8") as f:
        for line in f:
            m = match(line)
            if m is not None:
                i, at, cid, klass, rule, count, record, run = m.groups()
                yield LedgerRow(i, _at(at), cid, klass, rule, int(count), record, run)
                continue
            try:  # written otherwise (by hand, by another version): the JSON parser decides
                yield parse(loads(line))
            except (ValueError, KeyError, TypeError, AttributeError):
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


def missing(rows: Sequence[LedgerRow]) -> list[LedgerRow]:
    """The entries (of the file) that the database's ledger lacks, in their order."""
    known = {
        hx(r[0]) for r in fetch_in("SELECT id FROM retention_ledger WHERE id IN ({})", [r.id for r in rows])
    }
    return [r for r in rows if r.id not in known]


def insert(rows: Sequence[LedgerRow]) -> None:
    """Add entries to the database's ledger (inside the caller's transaction), not to the file. In id order: the
    primary key's pages are then each written once (the ids are random)."""
    executemany(_INSERT, sorted(_db_rows(rows)))


def import_missing(rows: Iterable[LedgerRow]) -> int:
    """Add the file's entries that the database lacks, without deleting anything; returns how many were added."""
    added = 0
    for part in batches(rows, 1000):
        fresh = missing(part)
        insert(fresh)
        added += len(fresh)
    return added
