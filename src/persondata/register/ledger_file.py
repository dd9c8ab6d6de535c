"""The ledger file outside the database, and the restrictions of processing it remembers.

The deletion ledger's file (``$PERSONDATA_DELETION_LEDGER``, by default ``<home>/deletion-ledger.jsonl``;
``persondata.retention.ledger`` writes its deletion entries) also records every restriction of processing put on
or lifted (GDPR Art. 18): a database restored from a backup has lost the restrictions recorded since the backup,
the file has not, and ``persondata retention reapply`` (run by ``persondata restore``) puts them back.

A restriction line holds a random id, the time, the customer's pseudonymous id, ``restrict`` or ``lift``, and the
reason, purposes and categories as the policy's codes — nothing about the person. It is written once the
transaction that recorded the restriction has committed (the caller may still roll it back).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from persondata.rawsql import Hex, as_datetime, as_uuid
from persondata.register.models import new_id_hex

RESTRICT, LIFT = "restrict", "lift"
_MARK = '"restriction":'  # only restriction lines hold this (a deletion entry's keys are fixed)


def path() -> Path:
    """Where the ledger file is kept: ``$PERSONDATA_DELETION_LEDGER``, else ``<home>/deletion-ledger.jsonl``."""
    configured = settings.PERSONDATA_DELETION_LEDGER
    return Path(configured) if configured else Path(settings.HOME) / "deletion-ledger.jsonl"


def append(lines: Sequence[str], where: Path | None = None) -> None:
    """Append lines and sync to disk: once this returns, they survive a crash of the machine."""
    if not lines:
        return
    where = where or path()
    where.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(where, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, "".join(line + "\n" for line in lines).encode())
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class RestrictionEvent:
    id: Hex
    at: datetime
    customer_id: Hex
    action: str  # restrict | lift
    reason: str = ""
    purposes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "at": self.at.isoformat(),
                "customer": self.customer_id,
                "restriction": self.action,
                "reason": self.reason,
                "purposes": list(self.purposes),
                "categories": list(self.categories),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, doc: dict[str, object]) -> RestrictionEvent:
        action = str(doc["restriction"])
        if action not in (RESTRICT, LIFT):
            raise ValueError(action)
        return cls(
            as_uuid(doc["id"]).hex,
            as_datetime(doc["at"]),
            as_uuid(doc["customer"]).hex,
            action,
            str(doc.get("reason") or ""),
            tuple(str(p) for p in doc.get("purposes") or ()),  # type: ignore[attr-defined]
            tuple(str(c) for c in doc.get("categories") or ()),  # type: ignore[attr-defined]
        )


def record(
    action: str,
    customer_id: Hex,
    *,
    at: datetime,
    reason: str = "",
    purposes: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> None:
    """Remember a restriction put on or lifted, in the file, once the caller's transaction commits."""
    event = RestrictionEvent(
        new_id_hex(), at, customer_id, action, reason, tuple(purposes), tuple(categories)
    )
    line = event.to_json()
    transaction.on_commit(lambda: append([line]))


def restrictions(where: Path | None = None) -> Iterator[RestrictionEvent]:
    """The restriction events of the file, oldest first; a line torn by a crash mid-write is skipped."""
    where = where or path()
    if not where.exists():
        return
    with where.open(encoding="utf-8") as f:
        for line in f:
            if _MARK not in line:
                continue
            try:
                yield RestrictionEvent.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue
