"""``persondata retention reapply``: after a restore from backup, delete again everything the ledger says is gone.

RULES R5. A backup taken before a deletion brings the deleted data back when it is restored — rows, blobs, and
the wrapped data keys that the deletion destroyed. The ledger file outside the database remembers every
deletion since; this command first adds its entries to the restored database's ledger, then walks the ledger's
customers in chunks (one transaction each) and deletes, through the same deletion functions as the sweep,
every class and record an entry names, destroys the emptied keys, and removes emptied customers. Running it
again finds nothing more to do. Run it right after the restore, before new data is imported.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction

from persondata.audit import services as audit
from persondata.jobs.clock import legal_today
from persondata.rawsql import Hex, fetch, fetch_in, hx
from persondata.retention import ledger
from persondata.retention.deletion import Deleter, is_accounting_class
from persondata.retention.models import RetentionRun
from persondata.retention.schedule import RELEVANCE_CATEGORIES

CHUNK_SIZE = 2000
Progress = Callable[[int, int], None]


@dataclass
class ReapplyReport:
    run_id: uuid.UUID | None = None
    imported: int = 0  # ledger entries the file had and the database did not
    entries: int = 0
    customers: int = 0  # customers the ledger names
    present: int = 0  # of those, customers the database still (or again) holds
    counts: Counter[str] = field(default_factory=Counter)  # what was deleted again
    seconds: float = 0.0


def reapply(
    *, now: datetime, actor: str = "system", path: Path | None = None, progress: Progress | None = None
) -> ReapplyReport:
    started = time.monotonic()
    today = legal_today(now)
    report = ReapplyReport()
    with transaction.atomic():
        report.imported = ledger.import_missing(ledger.read_file(path))
        run = RetentionRun.objects.create(kind="reapply", today=today, started_at=now, actor=actor)
    report.run_id = run.id
    total = int(fetch("SELECT COUNT(DISTINCT customer_id) FROM retention_ledger")[0][0])
    after: Hex | None = None
    while True:
        with transaction.atomic():
            ids = [
                hx(r[0])
                for r in fetch(
                    "SELECT DISTINCT customer_id FROM retention_ledger "  # noqa: S608 - constants only
                    + ("WHERE customer_id > %s " if after else "")
                    + "ORDER BY customer_id LIMIT %s",
                    [after, CHUNK_SIZE] if after else [CHUNK_SIZE],
                )
            ]
            if not ids:
                break
            after = ids[-1]
            report.customers += len(ids)
            present = [hx(r[0]) for r in fetch_in("SELECT id FROM customer WHERE id IN ({})", ids)]
            report.present += len(present)
            if present:
                _apply(present, now, run.id, report)
        if progress:
            progress(report.customers, max(total, report.customers))
    report.entries = int(fetch("SELECT COUNT(*) FROM retention_ledger")[0][0])
    report.seconds = time.monotonic() - started
    finished = now + timedelta(seconds=report.seconds)
    counts = {k: v for k, v in report.counts.items() if v}
    with transaction.atomic():
        RetentionRun.objects.filter(pk=run.pk).update(
            status="done",
            finished_at=finished,
            customers_scanned=report.customers,
            counts={"deleted": counts},
        )
        audit.record(
            "retention.reapply",
            actor=actor,
            target=str(run.id),
            details={"imported": report.imported, "customers": report.present, "deleted": counts},
            now=finished,
        )
    return report


def _apply(present: list[Hex], now: datetime, run_id: uuid.UUID, report: ReapplyReport) -> None:
    rows = fetch_in(
        "SELECT customer_id, klass, record_id FROM retention_ledger WHERE customer_id IN ({})", present
    )
    removed: set[Hex] = set()
    relevance: dict[Hex, set[str]] = {}
    classes: set[tuple[Hex, str]] = set()
    records: list[tuple[Hex, str, Hex]] = []
    for raw_cid, klass, raw_record in rows:
        cid, klass = hx(raw_cid), str(klass)
        if klass == "customer":
            removed.add(cid)
        elif raw_record is not None:
            records.append((cid, klass, hx(raw_record)))
        elif klass == "relevance":
            relevance.setdefault(cid, set()).update(RELEVANCE_CATEGORIES)
        elif klass in RELEVANCE_CATEGORIES:
            relevance.setdefault(cid, set()).add(klass)
        elif is_accounting_class(klass):
            classes.add((cid, klass))
    deleter = Deleter(at=now, run_id=run_id, write_ledger=False)
    deleter.remove_customers(sorted(removed))
    deleter.relevance({c: cats for c, cats in relevance.items() if c not in removed}, "reapply")
    deleter.accounting_classes(sorted(p for p in classes if p[0] not in removed), "reapply")
    deleter.records([r for r in records if r[0] not in removed], "reapply")
    deleter.finish(write_ahead=False)
    report.counts.update(deleter.counts)
