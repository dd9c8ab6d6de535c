"""The retention sweep: ``persondata retention plan`` (what would go) and ``persondata retention run`` (delete it).

Zulip's retention habits: the sweep walks the customers in chunks (``CHUNK_SIZE``, in id order) and each
chunk is one transaction — its facts are read, its decisions taken, its deletions made, its ledger entries
written and the run's progress recorded together, so a crash or kill loses at most the chunk in hand, and that
chunk is either wholly done or not at all. A re-run simply starts again: whatever was deleted is gone, and
whatever is still due is found again (the sweep is idempotent).

Like a request or a command, the sweep is an entry point: it owns its transactions (one per chunk). The
deletions themselves go through ``persondata.retention.deletion`` — the functions an erasure request uses too.

Speed (issue target: plan ≤ 60 s and a run deleting a fifth of the data ≤ 120 s at a million customers, memory
flat): the facts of a chunk are a handful of aggregate queries over the chunk's id range (the relationship end
by GROUP BY; due accounting material by ``invoice_date <= cutoff``, the latest due invoice date computed once
from the calendar), and the decisions in between are date comparisons.

The parts: a chunk's facts (``sweep_facts``), its decisions (``sweep_decisions``), the report with its reasons
and forecast (``sweep_report``); this module runs them chunk by chunk and applies what is due.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import connection, transaction

from persondata import runtime
from persondata.audit import services as audit
from persondata.core.policy import Policy
from persondata.jobs import clock, locks
from persondata.rawsql import Hex, bulk_writes, executemany, fetch, index_scans, writing_main
from persondata.register import ledger_file
from persondata.register.models import Restriction
from persondata.retention import holds, reapply
from persondata.retention.deletion import Deleter
from persondata.retention.models import RetentionRun
from persondata.retention.schedule import (
    RELEVANCE_CATEGORIES,
    accounting_cutoff,
    claim_cutoff,
    relevance_cutoff,
)
from persondata.retention.sweep_decisions import ChunkPlan, Decider
from persondata.retention.sweep_facts import gather, held_records
from persondata.retention.sweep_report import NOTHING, SweepReport, accounting_overview

CHUNK_SIZE = 10_000  # customers per transaction: about a second's work at a million customers
LOCK_NAME = locks.SWEEP
#: how far before the last finished run's start the ledger is read for keys left behind (a clock set back)
KEYS_MARGIN = timedelta(days=1)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: A time-barred claim under ``unpaid_claim_after = "restrict"``: the contact data stays, readable for the
#: bookkeeping act (and for answering the customer's requests) only, until the invoice itself is deleted.
CLAIM_PURPOSES = ("bookkeeping", "rights_requests")
CLAIM_CATEGORIES = ("contact", "customer_number", "payment")


class SweepRefused(Exception):
    """The sweep did not start (another is running, the date or the clock is wrong); nothing was deleted."""


# ------------------------------------------------------------------------------------------------- the sweep


def _checkpoint() -> None:
    """SQLite (WAL): write the zeroed pages into the database file now rather than at some later checkpoint."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _interrupt_stale_runs(now: datetime) -> int:
    """Runs left "running" by a killed process (we hold the sweep lock, so none is really running)."""
    with transaction.atomic():
        return RetentionRun.objects.filter(kind="sweep", status="running").update(
            status="interrupted", finished_at=now
        )


def _destroy_keys_left_behind() -> None:
    """The keys of deletions since the last finished run that a kill left in the key store
    (``reapply.destroy_named_keys``)."""
    last = (
        RetentionRun.objects.filter(kind="sweep", status="done")
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    with transaction.atomic():
        left = reapply.destroy_named_keys(last - KEYS_MARGIN if last else None)
    if left:  # counts only: never who
        log.warning("destroyed %d keys an interrupted deletion had left in the key store", left)


def sweep(
    *,
    now: datetime,
    today: date | None = None,
    dry_run: bool,
    actor: str = "system",
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
    policy: Policy | None = None,
) -> SweepReport:
    """Plan (``dry_run``) or run the sweep for ``today`` (default: today in Denmark, from the aware ``now``).

    A run refuses a day after today, takes the sweep lock (another sweep running → :class:`SweepRefused`) and,
    on PostgreSQL, checks the machine's clock against the database server's first.
    """
    policy = policy or runtime.policy()
    try:
        real_today = clock.legal_today(now)
        today = today or real_today
        if not dry_run:
            clock.check_run_date(today, now)
            clock.check_database_clock()
    except clock.ClockError as exc:
        raise SweepRefused(str(exc)) from exc
    if dry_run:
        with index_scans():
            return _sweep(policy, now, today, True, actor, chunk_size, progress, None)
    with locks.exclusive(LOCK_NAME) as lock, index_scans():
        if lock is None:
            raise SweepRefused("another retention sweep is running; it will finish the work")
        try:
            return _sweep(policy, now, today, False, actor, chunk_size, progress, lock)
        except BaseException as exc:
            # the chunk in hand was rolled back; the chunks before it stay deleted and the run says so
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            with transaction.atomic():
                RetentionRun.objects.filter(kind="sweep", status="running").update(status=status)
            raise


class _Sweep:
    """One plan or run: the cutoffs computed once, then chunk after chunk, then the report and the run's record."""

    def __init__(
        self, policy: Policy, now: datetime, today: date, dry_run: bool, actor: str, lock: locks.Lock | None
    ) -> None:
        self.policy, self.now, self.today, self.dry_run, self.actor, self.lock = (
            policy, now, today, dry_run, actor, lock
        )  # fmt: skip
        self.report = report = SweepReport("plan" if dry_run else "sweep", today)
        self.cutoff = report.accounting_cutoff = accounting_cutoff(policy, today)
        # a customer deleted at the end of retention is remembered for the import, unless the policy says
        # re-imported rows are simply imported (docs/retention.md, "Deleted customers in the next import")
        self.remember = policy.retention.returning != "import"
        report.claim_cutoff = claim_cutoff(policy, today)
        report.relevance_cutoffs = {c: relevance_cutoff(policy, c, today) for c in RELEVANCE_CATEGORIES}
        self.decider = Decider(policy, today, report)
        self.run: RetentionRun | None = None

    def start(self) -> None:
        if self.dry_run:
            return
        _destroy_keys_left_behind()
        _interrupt_stale_runs(self.now)
        with transaction.atomic():
            self.run = RetentionRun.objects.create(
                kind="sweep", today=self.today, started_at=self.now, actor=self.actor
            )
        self.report.run_id = self.run.id
        bulk_writes()

    def chunk(self, after: Hex | None, size: int) -> Hex | None:
        """Decide (and in a run, delete) the next chunk; returns its last customer, None when none is left."""
        # a run's chunk is one write transaction; a plan only reads, and must neither take SQLite's write lock
        # (every transaction here is IMMEDIATE) nor wait for a run to release it
        report, cutoff = self.report, self.cutoff or NOTHING
        # (a run's chunk locks the main database and the key store, never the access log: reads go on meanwhile)
        with contextlib.nullcontext() if self.dry_run else writing_main():
            customers = gather(
                after, size, self.today, cutoff, report.claim_cutoff or NOTHING, keys=self.dry_run
            )
            if not customers:
                return None
            first, last = customers[0].id, customers[-1].id
            index = holds.holds_between(first, last, self.today)
            plan = self.decider.decide(customers, index, held_records(index, cutoff))
            if self.dry_run:
                report.counts.update(plan.counts)
                report.restricted += len(plan.restrict)  # whose contact data is (or would be) restricted
            else:
                assert self.run is not None
                if plan.restrict:  # a run counts the restrictions it placed
                    report.restricted += _restrict_barred_claims(
                        plan.restrict, self.policy, self.now, self.actor
                    )
                _apply(
                    plan,
                    index,
                    self.now,
                    self.today,
                    self.cutoff,
                    self.run,
                    self.actor,
                    report,
                    self.remember,
                )
            report.customers += len(customers)
            report.chunks += 1
            if self.run is not None:
                RetentionRun.objects.filter(pk=self.run.pk).update(
                    chunks=report.chunks,
                    customers_scanned=report.customers,
                    last_customer=last,
                    counts=report.as_counts(),
                )
                if self.lock is not None:
                    self.lock.renew()
        return last

    def finish(self, started: float) -> SweepReport:
        report, today = self.report, self.today
        accounting_overview(self.policy, today, self.cutoff, report)
        report.seconds = time.monotonic() - started
        finished = self.now + timedelta(seconds=report.seconds)
        with transaction.atomic():
            run = self.run
            if run is None:
                run = RetentionRun.objects.create(
                    kind="plan", today=today, started_at=self.now, actor=self.actor, status="done",
                    finished_at=finished,
                )  # fmt: skip
                report.run_id = run.id
            else:
                audit.record(
                    "retention.run",
                    actor=self.actor,
                    target=str(run.id),
                    details={"today": today.isoformat(), "chunks": report.chunks, **report.as_counts()},
                    now=finished,
                )
            RetentionRun.objects.filter(pk=run.pk).update(
                status="done",
                finished_at=finished,
                chunks=report.chunks,
                customers_scanned=report.customers,
                counts=report.as_counts(),
                forecast=report.forecast,
            )
        if not self.dry_run:
            _checkpoint()
        return report


def _sweep(
    policy: Policy,
    now: datetime,
    today: date,
    dry_run: bool,
    actor: str,
    chunk_size: int,
    progress: Progress | None,
    lock: locks.Lock | None,
) -> SweepReport:
    started = time.monotonic()
    run = _Sweep(policy, now, today, dry_run, actor, lock)
    run.start()
    total = _customer_count() if progress else 0
    after: Hex | None = None
    while (after := run.chunk(after, chunk_size)) is not None:
        if progress:
            progress(run.report.customers, max(total, run.report.customers))
    return run.finish(started)


def _customer_count() -> int:
    return int(fetch("SELECT COUNT(*) FROM customer")[0][0])


def _apply(
    plan: ChunkPlan,
    index: holds.HoldIndex,
    now: datetime,
    today: date,
    cutoff: date | None,
    run: RetentionRun,
    actor: str,
    report: SweepReport,
    remember: bool,
) -> None:
    """Delete one chunk's due records through the shared deletion functions, then audit the chunk."""
    if plan.recorded_ends:
        executemany("UPDATE customer SET relationship_ended_on = %s WHERE id = %s", plan.recorded_ends)
    if not plan.has_deletions():
        return
    deleter = Deleter(
        at=now, run_id=run.id, held_records=index.records, tombstones_on=today if remember else None
    )
    # the ledger's rule says what the relationship's end was counted from (records, source dates, the import)
    for rule, categories in plan.relevance_by_rule().items():
        deleter.relevance(categories, rule)
    if plan.accounting and cutoff is not None:
        deleter.accounting_due(plan.accounting, cutoff, "bookkeeping")
    deleter.finish(write_ahead=True)
    report.counts.update(deleter.counts)
    if deleter.counts:
        audit.record(
            "retention.chunk",
            actor=actor,
            target=str(run.id),
            details={"today": today.isoformat(), **{k: v for k, v in deleter.counts.items() if v}},
            now=now,
        )


def _restrict_barred_claims(ids: list[Hex], policy: Policy, now: datetime, actor: str) -> int:
    """``unpaid_claim_after = "restrict"``: the claim is time-barred (forældelsesloven § 3), so the contact data
    is no longer used for it; it stays, restricted to the bookkeeping act, until the invoice goes. A customer
    already under a restriction keeps the one they have."""
    active = Restriction.objects.filter(customer_id__in=ids, lifted_at__isnull=True)
    already = {u.hex for u in active.values_list("customer_id", flat=True)}
    fresh = [cid for cid in ids if cid not in already]
    Restriction.objects.bulk_create(
        Restriction(
            customer_id=cid,
            purposes=[p for p in CLAIM_PURPOSES if p in policy.purposes],
            categories=[c for c in CLAIM_CATEGORIES if c in policy.categories],
            reason="claim_time_barred",
            created_at=now,
        )
        for cid in fresh
    )
    for cid in fresh:
        ledger_file.record(  # a restore from an older backup puts it back (reapply)
            ledger_file.RESTRICT,
            cid,
            at=now,
            reason="claim_time_barred",
            purposes=[p for p in CLAIM_PURPOSES if p in policy.purposes],
            categories=[c for c in CLAIM_CATEGORIES if c in policy.categories],
        )
        audit.record(
            "customer.restrict",
            actor=actor,
            target=str(uuid.UUID(cid)),
            details={"reason": "claim_time_barred", "purposes": list(CLAIM_PURPOSES)},
            now=now,
        )
    return len(fresh)
