"""``persondata retention reapply``: after a restore from backup, delete again everything the ledger says is gone,
and put back the restrictions of processing recorded since the backup.

RULES R5. A backup taken before a deletion brings the deleted data back when it is restored — rows, blobs, and,
if the key store was restored from an older copy too, the data keys the deletion destroyed. The ledger file
outside the database remembers every deletion since. An entry the restored database's own ledger already holds
was committed together with its deletion (the sweep and an erasure write both in one transaction), so the
restored data already lacks it; the entries only the file has are the ones to do again.

The replay is set-based: the file is read a chunk of entries at a time, and in **one transaction per chunk** the
entries the database lacks are done again by ids — customers removed with everything that points at them,
contact data and customer numbers cleared (their blind indexes kept first as tombstones, as the deletion did),
order history, invoices and payments deleted by customer and class or by record id, queued mail about them
dropped, their keys destroyed in the key store — and the entries are added to the database's ledger. No data key
is needed: the keys of erased customers are gone already. Killed half-way, the chunks committed are done and
recorded, and the next run (``persondata restore --resume``) goes on with the rest; running it again finds
nothing more to do. A class of entry this version does not know stops the replay (the database stays closed)
rather than being skipped.

Then the file's restriction lines (``register.ledger_file``) are replayed in order, each at most once.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext

from persondata import runtime
from persondata.audit import services as audit
from persondata.core.calendar import legal_date
from persondata.jobs import outbox
from persondata.jobs.clock import legal_today
from persondata.keys import store
from persondata.rawsql import Hex, batches, bulk_writes, execute_in, fetch, fetch_in, hx
from persondata.register import ledger_file, tombstones
from persondata.register.models import RELEVANCE, Restriction
from persondata.retention import ledger
from persondata.retention.deletion import (
    ACCOUNTING_TABLES,
    HISTORY_TABLES,
    delete_customer_rows,
    is_accounting_class,
    write_markers,
)
from persondata.retention.models import RetentionRun

CHUNK_SIZE = 20_000  # ledger entries per transaction (a commit, on SQLite a sync, per chunk)
Progress = Callable[[int, int], None]

_CLEAR_CONTACT = (
    "UPDATE customer SET contact_blob = NULL, name_bidx = NULL, email_bidx = NULL, phone_bidx = NULL "
    "WHERE (name_bidx IS NOT NULL OR email_bidx IS NOT NULL OR phone_bidx IS NOT NULL) AND id IN ({})"
)
_COUNT_KEY = {
    "customer_order": "orders",
    "service_agreement": "agreements",
    "invoice": "invoices",
    "payment": "payments",
}


class LedgerReplayError(Exception):
    """The ledger names something this version cannot replay; nothing of the chunk was changed."""


@dataclass
class ReapplyReport:
    run_id: uuid.UUID | None = None
    imported: int = 0  # ledger entries the file had and the database did not: the ones replayed
    read: int = 0  # deletion entries in the file
    entries: int = 0  # entries in the database's ledger afterwards
    customers: int = 0  # customers the replayed entries name
    present: int = 0  # of those, customers the database still (or again) held
    counts: Counter[str] = field(default_factory=Counter)  # what was deleted again
    restrictions: int = 0  # restrictions put back or lifted again from the file
    seconds: float = 0.0


@dataclass
class _Chunk:
    """One chunk's entries, sorted by what replaying them does."""

    customers: set[Hex] = field(default_factory=set)
    removed: set[Hex] = field(default_factory=set)  # klass "customer": the row and everything of it
    relevance: set[Hex] = field(default_factory=set)  # contact data, number and order history together
    contact: set[Hex] = field(default_factory=set)
    number: set[Hex] = field(default_factory=set)
    history: set[Hex] = field(default_factory=set)  # all order history of the customer
    history_records: list[Hex] = field(default_factory=list)
    accounting: dict[str, set[Hex]] = field(default_factory=dict)  # fy class -> customers (all of it)
    accounting_records: list[Hex] = field(default_factory=list)
    #: blind indexes to keep as tombstones: customer -> (e-mail?, number?, reason, day)
    tombstones: dict[Hex, tuple[bool, bool, str, date]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[ledger.LedgerRow], remember: bool) -> _Chunk:
        c = cls()
        for r in rows:
            cid, klass = r.customer_id, r.klass
            c.customers.add(cid)
            if klass == "customer":
                c.removed.add(cid)
            elif r.record_id is not None:
                if klass == "order_history":
                    c.history_records.append(r.record_id)
                elif is_accounting_class(klass):
                    c.accounting_records.append(r.record_id)
                else:
                    raise _unknown(klass, record=True)
            elif klass == "relevance":
                c.relevance.add(cid)
            elif klass == "contact":
                c.contact.add(cid)
            elif klass == "customer_number":
                c.number.add(cid)
            elif klass == "order_history":
                c.history.add(cid)
            elif is_accounting_class(klass):
                c.accounting.setdefault(klass, set()).add(cid)
            else:
                raise _unknown(klass, record=False)
            c._tombstone(r, remember)
        return c

    def _tombstone(self, r: ledger.LedgerRow, remember: bool) -> None:
        email = r.klass in ("relevance", "contact", "customer")
        number = r.klass in ("relevance", "customer_number", "customer")
        if r.record_id is not None or not (email or number):
            return
        if r.rule == "erasure":  # an erasure request's (the only erasure that deletes at once)
            reason = tombstones.ERASURE
        elif remember:  # the sweep's end of retention, when the policy keeps those tombstones
            reason = tombstones.END_OF_RETENTION
        else:
            return
        was = self.tombstones.get(r.customer_id)
        if was is not None:
            email, number = email or was[0], number or was[1]
            reason = tombstones.ERASURE if tombstones.ERASURE in (reason, was[2]) else reason
        self.tombstones[r.customer_id] = (email, number, reason, _legal_day(r.at))


#: the legal day of an entry's time (a sweep's chunk of entries shares one time: computed once)
_legal_day = lru_cache(maxsize=1024)(legal_date)


def _unknown(klass: str, *, record: bool) -> LedgerReplayError:
    said = (
        gettext(
            "the deletion ledger names a single record of the class '%(klass)s', which this version of persondata "
            "does not know how to delete again; nothing of that chunk was changed. Run the restore with the "
            "version that wrote the ledger"
        )
        if record
        else gettext(
            "the deletion ledger names the class '%(klass)s', which this version of persondata does not know how "
            "to delete again; nothing of that chunk was changed. Run the restore with the version that wrote "
            "the ledger"
        )
    )
    return LedgerReplayError(said % {"klass": klass})


def reapply(
    *,
    now: datetime,
    actor: str = "system",
    path: Path | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ReapplyReport:
    started = time.monotonic()
    today = legal_today(now)
    report = ReapplyReport()
    bulk_writes()  # SQLite: the sweep's page cache and checkpoints (outside a transaction)
    with transaction.atomic():
        run = RetentionRun.objects.create(kind="reapply", today=today, started_at=now, actor=actor)
    report.run_id = run.id
    remember = runtime.policy().retention.returning != "import"
    total = _lines(path) if progress else 0
    for part in batches(ledger.read_file(path), max(chunk_size, 1)):
        with transaction.atomic():
            fresh = ledger.missing(part)
            if fresh:
                chunk = _Chunk.of(fresh, remember)
                _replay(chunk, report)
                ledger.insert(fresh)
                report.imported += len(fresh)
                report.customers += len(chunk.customers)
            report.read += len(part)
            RetentionRun.objects.filter(pk=run.pk).update(chunks=run.chunks + 1)
            run.chunks += 1
        if progress:
            progress(report.read, max(total, report.read))
    with transaction.atomic():
        report.restrictions = replay_restrictions(path)
    report.entries = int(fetch("SELECT COUNT(*) FROM retention_ledger")[0][0])
    report.seconds = time.monotonic() - started
    finished = now + timedelta(seconds=report.seconds)
    counts = {k: v for k, v in report.counts.items() if v}
    with transaction.atomic():
        RetentionRun.objects.filter(pk=run.pk).update(
            status="done",
            finished_at=finished,
            customers_scanned=report.customers,
            counts={"deleted": counts, "restrictions": report.restrictions},
        )
        audit.record(
            "retention.reapply",
            actor=actor,
            target=str(run.id),
            details={
                "imported": report.imported,
                "customers": report.present,
                "deleted": counts,
                "restrictions": report.restrictions,
            },
            now=finished,
        )
    return report


def _lines(path: Path | None) -> int:
    where = path or ledger.ledger_path()
    if not where.exists():
        return 0
    with where.open("rb") as f:
        return sum(1 for _ in f)


def _replay(c: _Chunk, report: ReapplyReport) -> None:
    """Do one chunk's entries again, by id sets, inside the caller's transaction."""
    counts = report.counts
    present = {hx(r[0]) for r in fetch_in("SELECT id FROM customer WHERE id IN ({})", sorted(c.customers))}
    report.present += len(present)
    _remember(c, present)  # from the restored rows, before their blind indexes go
    kept = present - c.removed
    gone_contact = sorted((c.relevance | c.contact | c.removed) & present)
    outbox.forget(outbox.subject("customer", cid) for cid in gone_contact)
    removed = sorted(c.removed & present)
    delete_customer_rows(removed)
    counts["customers_removed"] += len(removed)
    contact = sorted((c.relevance | c.contact) & kept)
    number = sorted((c.relevance | c.number) & kept)
    counts["contact"] += execute_in(_CLEAR_CONTACT, contact)
    execute_in("DELETE FROM customer_name_token WHERE customer_id IN ({})", contact)
    counts["customer_number"] += execute_in(
        "UPDATE customer SET number_blob = NULL, number_bidx = NULL WHERE number_bidx IS NOT NULL AND id IN ({})",
        number,
    )
    # the relevance key is gone: so are the empty markers sealed under it
    execute_in(
        "UPDATE customer SET contact_blob = NULL, number_blob = NULL "
        "WHERE (contact_blob IS NOT NULL OR number_blob IS NOT NULL) AND id IN ({})",
        sorted(c.relevance & kept),
    )
    history = sorted((c.relevance | c.history) & kept)
    for table in HISTORY_TABLES:
        counts[_COUNT_KEY[table]] += execute_in(
            f"DELETE FROM {table} WHERE customer_id IN ({{}})",  # noqa: S608 - constant
            history,
        ) + execute_in(f"DELETE FROM {table} WHERE id IN ({{}})", c.history_records)  # noqa: S608
    for table, _column in ACCOUNTING_TABLES:
        for klass, owners in sorted(c.accounting.items()):
            counts[_COUNT_KEY[table]] += execute_in(
                f"DELETE FROM {table} WHERE key_class = %s AND customer_id IN ({{}})",  # noqa: S608 - constant
                sorted(owners & kept),
                before=[klass],
            )
        counts[_COUNT_KEY[table]] += execute_in(
            f"DELETE FROM {table} WHERE id IN ({{}})",  # noqa: S608 - constant
            c.accounting_records,
        )
    # the keys: gone already, unless the key store was restored from a copy older than the deletion
    counts.update(_destroy_keys(c, c.removed - present))
    # contact data or number gone while the relevance key stays (a held order): the empty markers
    write_markers(sorted(((c.contact | c.number) - c.relevance) & kept))


def _destroy_keys(c: _Chunk, removed: set[Hex]) -> Counter[str]:
    """Destroy the keys the chunk's entries name (those of ``removed``: all of theirs)."""
    counts: Counter[str] = Counter()
    counts["keys_relevance"] += store.destroy_customer_keys(RELEVANCE, sorted(c.relevance))
    for klass, owners in sorted(c.accounting.items()):
        counts["keys_accounting"] += store.destroy_customer_keys(klass, sorted(owners))
    counts["keys_removed"] += store.destroy_customers(sorted(removed))
    return counts


def destroy_named_keys(since: datetime | None) -> int:
    """Destroy again every key that the database's ledger entries since ``since`` (all of them: None) say is
    destroyed; returns how many were still there. Inside the caller's transaction; doing it twice does nothing.

    On SQLite a deletion commits the database and the key store in one transaction, but in WAL mode a commit is
    atomic per file, the database's first: a process killed between the two leaves the deleted data's keys
    behind, and a backup taken before the deletion could then still be read. The sweep calls this first."""
    query = "SELECT customer_id, klass FROM retention_ledger WHERE record_id IS NULL"
    params: list[object] = []
    if since is not None:
        query += " AND at >= %s"
        params.append(connection.ops.adapt_datetimefield_value(since))
    c = _Chunk()
    for cid, klass in fetch(query, params):
        if klass == "customer":
            c.removed.add(hx(cid))
        elif klass == RELEVANCE:
            c.relevance.add(hx(cid))
        elif is_accounting_class(klass):
            c.accounting.setdefault(klass, set()).add(hx(cid))
    return sum(_destroy_keys(c, c.removed).values())


def _remember(c: _Chunk, present: set[Hex]) -> None:
    wanted = {cid: t for cid, t in c.tombstones.items() if cid in present}
    if not wanted:
        return
    rows = fetch_in(
        "SELECT id, email_bidx, number_bidx FROM customer "
        "WHERE (email_bidx IS NOT NULL OR number_bidx IS NOT NULL) AND id IN ({})",
        sorted(wanted),
    )
    groups: dict[tuple[str, date], list[tuple[str, bytes]]] = {}
    for raw_id, email_bidx, number_bidx in rows:
        email, number, reason, day = wanted[hx(raw_id)]
        tokens = groups.setdefault((reason, day), [])
        if email and email_bidx is not None:
            tokens.append(("email", bytes(email_bidx)))
        if number and number_bidx is not None:
            tokens.append(("customer_number", bytes(number_bidx)))
    for (reason, day), tokens in groups.items():
        tombstones.remember_tokens(sorted(tokens), on=day, reason=reason)  # in index order


def replay_restrictions(path: Path | None = None) -> int:
    """Put back the restrictions (and their lifting) that the file remembers and the database lacks, in the
    order they were recorded; returns how many events changed something. Each event is applied at most once:
    a restriction the database holds with the same time and reason is the event's own."""
    events = list(ledger_file.restrictions(path))
    if not events:
        return 0
    present = {
        hx(r[0])
        for r in fetch_in("SELECT id FROM customer WHERE id IN ({})", sorted({e.customer_id for e in events}))
    }
    applied = 0
    for e in events:
        if e.customer_id not in present:
            continue  # removed since: nothing of the customer is left to restrict
        cid = uuid.UUID(e.customer_id)
        mine = Restriction.objects.filter(customer_id=cid)
        if e.action == ledger_file.RESTRICT:
            if mine.filter(created_at=e.at, reason=e.reason).exists():
                continue
            mine.filter(lifted_at__isnull=True, created_at__lt=e.at).update(lifted_at=e.at)
            Restriction.objects.create(
                customer_id=cid,
                purposes=list(e.purposes),
                categories=list(e.categories),
                reason=e.reason,
                created_at=e.at,
            )
        elif not mine.filter(lifted_at__isnull=True, created_at__lte=e.at).update(lifted_at=e.at):
            continue
        applied += 1
    return applied
