"""The retention sweep: ``persondata retention plan`` (what would go) and ``persondata retention run`` (delete it).

Zulip's retention habits: the sweep walks the customers in chunks (2,000 by default, in id order) and each
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
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from persondata import runtime
from persondata.audit import services as audit
from persondata.core.calendar import deletion_allowed_from, legal_date, relevance_deletion
from persondata.core.policy import Policy
from persondata.core.policy_check import RetentionClash, check_policy, describe_clash
from persondata.jobs import clock, locks
from persondata.keys import store
from persondata.rawsql import Hex, as_date, as_datetime, bulk_writes, fetch, hx, index_scans
from persondata.register.models import RELEVANCE
from persondata.retention import holds
from persondata.retention.deletion import Deleter, is_accounting_class
from persondata.retention.models import RetentionRun
from persondata.retention.schedule import (
    RELEVANCE_CATEGORIES,
    accounting_cutoff,
    accounting_dates,
    relationship_ended_on,
    relevance_cutoff,
    relevance_months,
    week_of,
)

CHUNK_SIZE = 10_000  # customers per transaction: about a second's work at a million customers
FORECAST_DAYS = 90
LOCK_NAME = locks.SWEEP
_NOTHING = date(1899, 12, 31)  # a cutoff before every record: nothing is due

Progress = Callable[[int, int], None]

#: Report keys, in the order they are printed: records per kind, then keys and customers.
COUNT_KEYS = (
    "contact",
    "customer_number",
    "orders",
    "agreements",
    "invoices",
    "payments",
    "keys_relevance",
    "keys_accounting",
    "customers_removed",
)
#: The policy category each count belongs to.
CATEGORY_OF = {
    "contact": "contact",
    "customer_number": "customer_number",
    "orders": "order_history",
    "agreements": "order_history",
    "invoices": "payment",
    "payments": "payment",
}


class SweepRefused(Exception):
    """The sweep did not start (another is running, the date or the clock is wrong); nothing was deleted."""


@dataclass
class ClashStatus:
    """RULES R3 in the register: the policy's clash, and how many stored records it concerns today."""

    clash: RetentionClash
    message: str  # the policy check's wording (English)
    fix: str
    affected: int  # invoices and payments not yet due whose policy day comes before the law's
    kept_past_policy: int  # of those, the ones already past the policy's latest day, kept because of the law


@dataclass
class SweepReport:
    kind: str  # plan | sweep
    today: date
    run_id: uuid.UUID | None = None
    counts: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)  # due records a legal hold keeps
    ongoing: Counter[str] = field(
        default_factory=Counter
    )  # customers whose relationship is ongoing, by cause
    customers: int = 0
    chunks: int = 0
    seconds: float = 0.0
    forecast: dict[str, dict[str, int]] = field(default_factory=dict)  # Monday → category → records
    accounting_cutoff: date | None = None
    relevance_cutoffs: dict[str, date | None] = field(default_factory=dict)
    clash: ClashStatus | None = None

    def deleted_records(self) -> int:
        return sum(self.counts[k] for k in CATEGORY_OF)

    def reasons(self, policy: Policy) -> list[tuple[str, str, int, str]]:
        """(category, rule, records, reason in words) for each rule that deletes something on ``today``."""
        lines: list[tuple[str, str, int, str]] = []
        for category in RELEVANCE_CATEGORIES:
            n = sum(v for k, v in self.counts.items() if CATEGORY_OF.get(k) == category)
            if not n:
                continue
            months = relevance_months(policy, category)
            cutoff = self.relevance_cutoffs.get(category)
            until = cutoff.isoformat() if cutoff else "-"
            lines.append(
                (
                    category,
                    "relevance",
                    n,
                    f"{months} months after the customer relationship ended (last order, delivery, agreement "
                    f"end, invoice or payment; no open agreement, no unpaid invoice): relationships that ended "
                    f"on or before {until}",
                )
            )
        n = self.counts["invoices"] + self.counts["payments"]
        if n and self.accounting_cutoff is not None:
            ar = accounting_dates(policy, self.accounting_cutoff)
            label = policy.financial_year.label(self.accounting_cutoff)
            lines.append(
                (
                    "payment",
                    "bookkeeping",
                    n,
                    f"kept until {ar.keep_until.isoformat()}: bookkeeping act, invoices and payments dated up to "
                    f"{self.accounting_cutoff.isoformat()} (financial year {label} and earlier), "
                    f"{policy.retention.bookkeeping_years} years from the end of the financial year",
                )
            )
        return lines

    def as_counts(self) -> dict[str, Any]:
        return {
            "deleted": {k: self.counts[k] for k in COUNT_KEYS if self.counts[k]},
            "held": dict(self.held),
            "ongoing": dict(self.ongoing),
            "customers": self.customers,
            "accounting_cutoff": self.accounting_cutoff.isoformat() if self.accounting_cutoff else None,
            "clash_affected": self.clash.affected if self.clash else 0,
            "clash_kept_past_policy": self.clash.kept_past_policy if self.clash else 0,
        }


# ------------------------------------------------------------------------------------------ one chunk's facts


@dataclass(slots=True)
class _Customer:
    id: Hex
    created_at: Any  # as read; turned into the day of registration only if the customer has no other event
    recorded_end: date | None
    contact: bool
    number: bool
    orders: int = 0
    agreements: int = 0
    last_order: date | None = None
    last_delivery: date | None = None
    last_agreement_end: date | None = None
    open_agreements: int = 0
    last_invoice: date | None = None
    last_payment: date | None = None
    unpaid: int = 0
    # accounting material per class: [invoices, invoices due, payments, payments due]
    accounting: dict[str, list[int]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    def registered_on(self) -> date:
        return legal_date(as_datetime(self.created_at))

    def ended_on(self) -> date | None:
        """The relationship's end (None: ongoing), by the rule of ``schedule.relationship``."""
        return relationship_ended_on(
            (
                self.last_order,
                self.last_delivery,
                self.last_agreement_end,
                self.last_invoice,
                self.last_payment,
                self.recorded_end,
            ),
            self.registered_on,
            ongoing=bool(self.open_agreements or self.unpaid),
        )


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None or a >= b:
        return a
    return b


_RANGE = "customer_id >= %s AND customer_id <= %s"


def _gather(after: Hex | None, size: int, today: date, cutoff: date, keys: bool) -> list[_Customer]:
    rows = fetch(
        "SELECT id, created_at, relationship_ended_on, "  # noqa: S608 - constants only
        "(name_bidx IS NOT NULL OR email_bidx IS NOT NULL OR phone_bidx IS NOT NULL), "
        f"number_bidx IS NOT NULL FROM customer {'WHERE id > %s ' if after else ''}ORDER BY id LIMIT %s",
        [after, size] if after else [size],
    )
    if not rows:
        return []
    customers = {hx(r[0]): _Customer(hx(r[0]), r[1], as_date(r[2]), bool(r[3]), bool(r[4])) for r in rows}
    ids = list(customers)
    span = [ids[0], ids[-1]]
    day, cut = today.isoformat(), cutoff.isoformat()
    for cid, n, last_o, last_d in fetch(
        f"SELECT customer_id, COUNT(*), MAX(ordered_on), MAX(delivered_on) FROM customer_order WHERE {_RANGE} "  # noqa: S608 - constant
        "GROUP BY customer_id",
        span,
    ):
        c = customers[hx(cid)]
        c.orders, c.last_order, c.last_delivery = n, as_date(last_o), as_date(last_d)
    for cid, n, still_open, last_end in fetch(
        "SELECT customer_id, COUNT(*), COUNT(CASE WHEN ends_on IS NULL OR ends_on >= %s THEN 1 END), "  # noqa: S608
        f"MAX(CASE WHEN ends_on < %s THEN ends_on END) FROM service_agreement WHERE {_RANGE} "
        "GROUP BY customer_id",
        [day, day, *span],
    ):
        c = customers[hx(cid)]
        c.agreements, c.open_agreements, c.last_agreement_end = n, still_open, as_date(last_end)
    # invoices: per financial year, how many and how many due; and, until an invoice may itself be deleted under
    # the bookkeeping act, whether its payments cover it (an unpaid invoice keeps the relationship alive)
    for cid, klass, n, due, last, unpaid in fetch(
        "SELECT i.customer_id, i.key_class, COUNT(*), COUNT(CASE WHEN i.invoice_date <= %s THEN 1 END), "
        "MAX(i.invoice_date), COUNT(CASE WHEN i.invoice_date > %s AND i.total_ore > COALESCE((SELECT "
        "SUM(p.amount_ore) FROM payment p WHERE p.customer_id = i.customer_id AND p.invoice_number = "
        "i.invoice_number), 0) THEN 1 END) FROM invoice i WHERE i.customer_id >= %s AND i.customer_id <= %s "
        "GROUP BY i.customer_id, i.key_class",
        [cut, cut, *span],
    ):
        c = customers[hx(cid)]
        tally = c.accounting.get(klass)
        if tally is None:
            tally = c.accounting[klass] = [0, 0, 0, 0]
        tally[0] += n
        tally[1] += due
        c.unpaid += unpaid
        c.last_invoice = _later(c.last_invoice, as_date(last))
    for cid, klass, n, due, last in fetch(
        "SELECT customer_id, key_class, COUNT(*), COUNT(CASE WHEN paid_on <= %s THEN 1 END), MAX(paid_on) "  # noqa: S608
        f"FROM payment WHERE {_RANGE} GROUP BY customer_id, key_class",
        [cut, *span],
    ):
        c = customers[hx(cid)]
        tally = c.accounting.get(klass)
        if tally is None:
            tally = c.accounting[klass] = [0, 0, 0, 0]
        tally[2] += n
        tally[3] += due
        c.last_payment = _later(c.last_payment, as_date(last))
    if keys:  # only the plan predicts which keys go; a run destroys what it empties
        for cid, klass in store.customer_classes(span[0], span[-1], among=customers):
            customers[cid].keys.add(klass)
    return list(customers.values())


# ------------------------------------------------------------------------------------ one chunk's decisions


@dataclass
class _ChunkPlan:
    relevance: dict[Hex, set[str]] = field(default_factory=dict)
    accounting: list[Hex] = field(default_factory=list)
    recorded_ends: list[tuple[str, Hex]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # predicted, for the plan

    def has_deletions(self) -> bool:
        return bool(self.relevance or self.accounting)


class _Decider:
    """Takes one chunk's decisions: date comparisons only; the dates come from the calendar (memoised)."""

    def __init__(self, policy: Policy, today: date, report: SweepReport) -> None:
        self.policy, self.today, self.report = policy, today, report
        self.horizon = today + timedelta(days=FORECAST_DAYS)
        self.months = {c: relevance_months(policy, c) for c in RELEVANCE_CATEGORIES}
        self._due: dict[tuple[date, int], date] = {}

    def relevance_due(self, ended: date, months: int) -> date:
        key = (ended, months)
        due = self._due.get(key)
        if due is None:
            due = self._due[key] = relevance_deletion(ended, months)
        return due

    def _forecast(self, day: date, category: str, n: int) -> None:
        if self.today < day <= self.horizon and n:
            week = self.report.forecast.setdefault(week_of(day).isoformat(), {})
            week[category] = week.get(category, 0) + n

    def decide(
        self, customers: list[_Customer], hold: holds.HoldIndex, held_records: dict[Hex, Any]
    ) -> _ChunkPlan:
        plan = _ChunkPlan()
        today, report, months = self.today, self.report, self.months
        counts, held_report = plan.counts, report.held
        no_holds: dict[str, Any] = {}
        for c in customers:
            customer_hold = hold.customers.get(c.id)
            held_here = held_records.get(c.id, no_holds)
            ended = c.ended_on()
            if ended is None:
                report.ongoing["open_agreement" if c.open_agreements else "unpaid_invoice"] += 1
            history = c.orders + c.agreements
            held_history = held_here.get("order_history", 0)
            cats: set[str] = set()
            if ended is not None:
                for category, n in (
                    ("contact", int(c.contact)),
                    ("customer_number", int(c.number)),
                    ("order_history", history),
                ):
                    if not n:
                        continue
                    due = self.relevance_due(ended, months[category])
                    effective = due if customer_hold is None else deletion_allowed_from([due], customer_hold)
                    if due <= today and effective > today:
                        self._held(category, c, n)
                    elif due <= today:
                        cats.add(category)
                        if category == "order_history":  # holds on single orders or agreements keep them
                            held_report["orders"] += held_here.get("orders", 0)
                            held_report["agreements"] += held_here.get("agreements", 0)
                    if effective > today:
                        self._forecast(effective, category, n)
            acc_due = 0
            emptied: set[str] = set()
            for klass, (inv, inv_due, pay, pay_due) in c.accounting.items():
                if not inv_due + pay_due:
                    continue
                if customer_hold is not None:
                    held_report["invoices"] += inv_due
                    held_report["payments"] += pay_due
                    continue
                h_inv, h_pay = held_here.get(klass, (0, 0))
                held_report["invoices"] += h_inv
                held_report["payments"] += h_pay
                counts["invoices"] += inv_due - h_inv
                counts["payments"] += pay_due - h_pay
                gone = inv_due + pay_due - h_inv - h_pay
                acc_due += gone
                if gone == inv + pay:
                    emptied.add(klass)
            if acc_due:
                plan.accounting.append(c.id)
            if cats:
                plan.relevance[c.id] = cats
            elif not acc_due:
                continue
            # what the deletion leaves (the prediction the plan reports; a run counts what it did)
            if "contact" in cats:
                counts["contact"] += 1
            if "customer_number" in cats:
                counts["customer_number"] += 1
            if "order_history" in cats:
                counts["orders"] += c.orders - held_here.get("orders", 0)
                counts["agreements"] += c.agreements - held_here.get("agreements", 0)
            relevance_left = (
                (c.contact and "contact" not in cats)
                or (c.number and "customer_number" not in cats)
                or (history and ("order_history" not in cats or held_history))
            )
            if relevance_left and ended is not None and ended != c.recorded_end:
                # the records the end was computed from may go now; the category still counting keeps it
                plan.recorded_ends.append((ended.isoformat(), c.id))
            keys = c.keys
            if RELEVANCE in keys and not relevance_left:
                counts["keys_relevance"] += 1
            counts["keys_accounting"] += len(keys & emptied)
            if relevance_left or len(c.accounting) > len(emptied):
                continue
            if all(k == RELEVANCE or is_accounting_class(k) for k in keys):
                counts["customers_removed"] += 1
        return plan

    def _held(self, category: str, c: _Customer, n: int) -> None:
        if category == "order_history":
            self.report.held["orders"] += c.orders
            self.report.held["agreements"] += c.agreements
        else:
            self.report.held[category] += n


def _held_records(index: holds.HoldIndex, cutoff: date) -> dict[Hex, dict[str, Any]]:
    """Per customer, what single-record holds keep out of this chunk's deletions (usually nothing)."""
    out: dict[Hex, dict[str, Any]] = defaultdict(dict)
    if not index.records:
        return out
    ids = list(index.records)
    from persondata.rawsql import fetch_in

    for table, label in (("customer_order", "orders"), ("service_agreement", "agreements")):
        for (cid,) in fetch_in(f"SELECT customer_id FROM {table} WHERE id IN ({{}})", ids):  # noqa: S608 - constant
            mine = out[hx(cid)]
            mine[label] = mine.get(label, 0) + 1
            mine["order_history"] = mine.get("order_history", 0) + 1
    for offset, (table, column) in enumerate((("invoice", "invoice_date"), ("payment", "paid_on"))):
        for cid, klass in fetch_in(
            f"SELECT customer_id, key_class FROM {table} WHERE id IN ({{}}) AND {column} <= %s",  # noqa: S608 - constants
            ids,
            after=[cutoff.isoformat()],
        ):
            mine = out[hx(cid)]
            pair = list(mine.get(str(klass), (0, 0)))
            pair[offset] += 1
            mine[str(klass)] = tuple(pair)
    return out


# --------------------------------------------------------------------------- accounting forecast and the clash


def _accounting_overview(policy: Policy, today: date, cutoff: date | None, report: SweepReport) -> None:
    """The 90-day forecast of accounting material and the R3 clash in the register, from one GROUP BY per table.

    Every stored date not yet due is mapped to its deletion day by the calendar (a few thousand distinct dates).
    Legal holds move what they keep to the day after they end.
    """
    index = holds.all_holds_in_force(today)
    held_by_date: Counter[tuple[str, date, date]] = Counter()  # (table, record date, hold end) → records
    if index.customers or index.records:
        from persondata.rawsql import fetch_in

        for table, column in (("invoice", "invoice_date"), ("payment", "paid_on")):
            for cid, day, n in fetch_in(
                f"SELECT customer_id, {column}, COUNT(*) FROM {table} WHERE customer_id IN ({{}}) "  # noqa: S608 - constants
                f"GROUP BY customer_id, {column}",
                list(index.customers),
            ):
                held_by_date[(table, as_date(day) or _NOTHING, index.customers[hx(cid)])] += n
            for rid, day in fetch_in(
                f"SELECT id, {column} FROM {table} WHERE id IN ({{}})",  # noqa: S608 - constants
                list(index.records),
            ):
                held_by_date[(table, as_date(day) or _NOTHING, index.records[hx(rid)])] += 1
    affected = kept_past = 0
    start = (cutoff or _NOTHING).isoformat()
    for table, column in (("invoice", "invoice_date"), ("payment", "paid_on")):
        rows = fetch(
            f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} > %s GROUP BY {column}",  # noqa: S608 - constants
            [start],
        )
        moved: Counter[date] = Counter()
        for (t, day, hold_end), n in held_by_date.items():
            if t == table:
                due = accounting_dates(policy, day).delete_on
                if due > today:
                    moved[day] += n
                    report_day = deletion_allowed_from([due], hold_end)
                    _add_forecast(report, today, report_day, "payment", n)
        for raw_day, n in rows:
            day = as_date(raw_day) or _NOTHING
            ar = accounting_dates(policy, day)
            if ar.clash:
                affected += n
                if today > ar.policy_latest:
                    kept_past += n
            _add_forecast(report, today, ar.delete_on, "payment", n - moved.get(day, 0))
    clash = describe_clash(policy)
    if clash is not None:
        finding = next(f for f in check_policy(policy, today) if f.code == "retention-clash")
        report.clash = ClashStatus(clash, finding.message.en, finding.fix.en, affected, kept_past)


def _add_forecast(report: SweepReport, today: date, day: date, category: str, n: int) -> None:
    if today < day <= today + timedelta(days=FORECAST_DAYS) and n > 0:
        week = report.forecast.setdefault(week_of(day).isoformat(), {})
        week[category] = week.get(category, 0) + n


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
    report = SweepReport("plan" if dry_run else "sweep", today)
    cutoff = accounting_cutoff(policy, today)
    report.accounting_cutoff = cutoff
    report.relevance_cutoffs = {c: relevance_cutoff(policy, c, today) for c in RELEVANCE_CATEGORIES}
    decider = _Decider(policy, today, report)
    run: RetentionRun | None = None
    if not dry_run:
        _interrupt_stale_runs(now)
        with transaction.atomic():
            run = RetentionRun.objects.create(kind="sweep", today=today, started_at=now, actor=actor)
        report.run_id = run.id
        bulk_writes()
    total = _customer_count() if progress else 0
    after: Hex | None = None
    while True:
        # a run's chunk is one write transaction; a plan only reads, and must neither take SQLite's write lock
        # (every transaction here is IMMEDIATE) nor wait for a run to release it
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            customers = _gather(after, chunk_size, today, cutoff or _NOTHING, keys=dry_run)
            if not customers:
                break
            first, last = customers[0].id, customers[-1].id
            index = holds.holds_between(first, last, today)
            plan = decider.decide(customers, index, _held_records(index, cutoff or _NOTHING))
            if dry_run:
                report.counts.update(plan.counts)
            elif plan.has_deletions():
                assert run is not None
                _apply(plan, index, now, today, cutoff, run, actor, report)
            after = last
            report.customers += len(customers)
            report.chunks += 1
            if run is not None:
                RetentionRun.objects.filter(pk=run.pk).update(
                    chunks=report.chunks,
                    customers_scanned=report.customers,
                    last_customer=last,
                    counts=report.as_counts(),
                )
                if lock is not None:
                    lock.renew()
        if progress:
            progress(report.customers, max(total, report.customers))
    _accounting_overview(policy, today, cutoff, report)
    report.seconds = time.monotonic() - started
    finished = now + timedelta(seconds=report.seconds)
    with transaction.atomic():
        if run is None:
            run = RetentionRun.objects.create(
                kind="plan", today=today, started_at=now, actor=actor, status="done", finished_at=finished
            )
            report.run_id = run.id
        else:
            audit.record(
                "retention.run",
                actor=actor,
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
    if not dry_run:
        _checkpoint()
    return report


def _customer_count() -> int:
    return int(fetch("SELECT COUNT(*) FROM customer")[0][0])


def _apply(
    plan: _ChunkPlan,
    index: holds.HoldIndex,
    now: datetime,
    today: date,
    cutoff: date | None,
    run: RetentionRun,
    actor: str,
    report: SweepReport,
) -> None:
    """Delete one chunk's due records through the shared deletion functions, then audit the chunk."""
    if plan.recorded_ends:
        from persondata.rawsql import executemany

        executemany(
            "UPDATE customer SET relationship_ended_on = %s WHERE id = %s",
            plan.recorded_ends,
        )
    deleter = Deleter(at=now, run_id=run.id, held_records=index.records)
    if plan.relevance:
        deleter.relevance(plan.relevance, "relevance")
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
