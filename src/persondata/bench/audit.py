"""How fast ``persondata audit verify`` recomputes the chain: fill the audit table, then time :func:`verify`.

Run it only against a throw-away database (``persondata bench`` uses its own home): it needs an empty audit
table, or ``clear=True`` to empty it first — which destroys the audit log of the database it runs on.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from persondata import runtime
from persondata.audit.models import AuditEntry, AuditHead
from persondata.audit.services import verify
from persondata.core.audit_chain import GENESIS, canonical_details, canonical_time, entry_digest

_BATCH = 10_000
# A realistic mix: who did what to which pseudonymous id, with codes and counts.
_ACTORS = ("staff:12", "staff:7", "cli:1", "system", "staff:31")
_ACTIONS = (
    "customer.import",
    "customer.rectify",
    "retention.sweep.delete",
    "staff.roles.change",
    "login.failed",
    "request.answer",
    "policy.change",
)


def bench_audit_verify(entries: int = 1_000_000, *, clear: bool = False) -> tuple[float, float]:
    """Fill a fresh audit table with ``entries`` chained entries, then verify it: (entries per second, seconds)."""
    if AuditEntry.objects.exists() or AuditHead.objects.exists():
        if not clear:
            raise RuntimeError(
                "the audit table is not empty; run the benchmark against a throw-away database "
                "(or pass clear=True there)"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_entry")
            cursor.execute("DELETE FROM audit_head")
    _fill(entries)
    start = time.perf_counter()
    result = verify()
    seconds = time.perf_counter() - start
    if not result.ok or result.checked != entries:
        raise RuntimeError(f"the benchmark's own log did not verify: {result.problem}")
    return entries / seconds, seconds


def _fill(entries: int) -> None:
    """Bulk insert with digests computed here: the insertion speed is not what is measured."""
    key = runtime.vault().audit_key()
    adapt = connection.ops.adapt_datetimefield_value
    start = datetime(2026, 1, 1, tzinfo=UTC)
    sql = (
        "INSERT INTO audit_entry (seq, at, actor, action, target, details, digest) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    prev = GENESIS
    for first in range(1, entries + 1, _BATCH):
        batch = []
        for seq in range(first, min(first + _BATCH, entries + 1)):
            at = start + timedelta(milliseconds=seq * 7)  # every 1000th at a whole second: both spellings
            at_iso = canonical_time(at)
            actor, action = _ACTORS[seq % len(_ACTORS)], _ACTIONS[seq % len(_ACTIONS)]
            target = str(uuid.UUID(bytes=os.urandom(16), version=4)) if seq % 10 else ""
            details = canonical_details({"count": seq % 97, "reason": "R1"} if seq % 3 else {})
            prev = entry_digest(key, prev, seq, at_iso, actor, action, target, details)
            batch.append((seq, adapt(at), actor, action, target, details, prev))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_head (id, seq, digest) VALUES (1, %s, %s)", [entries, prev])
