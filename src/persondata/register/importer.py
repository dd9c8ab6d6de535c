"""``persondata import``: load customers, orders, invoices, payments and agreements from the administrative system.

Two modes (issue 2):

* **all-or-nothing** (default): the whole import is one transaction. Every bad row is reported; if there is
  any, nothing is kept. A crash or kill half-way leaves the register exactly as it was.
* **good-rows**: each batch of whole units commits on its own; bad rows are left out and listed in an error
  report file (file, line, field, reason — never the value). A kill half-way keeps the committed batches,
  none of them partial, and a re-run is idempotent: records are matched by their numbers and updated.

Files are processed in dependency order (customers, agreements, orders, invoices, payments) whatever order
they are given in.
"""

from __future__ import annotations

import csv
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext, gettext_noop

from persondata import runtime
from persondata.audit import services as audit
from persondata.jobs import locks
from persondata.keys import store as key_store
from persondata.rawsql import analyze, bulk_writes, index_scans, indexes_built_after, writing_main
from persondata.register import import_runs
from persondata.register.import_csv import detect_csv_kind, read_csv
from persondata.register.import_formats import KINDS, BadRow, RowError, Unit
from persondata.register.import_json import read_json, read_jsonl
from persondata.register.import_raw import RawImport
from persondata.register.models import Customer, ImportRun
from persondata.register.tombstones import ErasedRow
from persondata.register.writer import RegisterWriter

BATCH_ROWS = 4000
_REGISTER_TABLES = (
    "customer", "customer_name_token", key_store.DATA_KEY_QUOTED, "customer_order", "invoice", "payment",
    "service_agreement",
)  # fmt: skip
MODES = ("all-or-nothing", "good-rows")


class ImportRejected(Exception):
    """All-or-nothing import with bad rows: nothing was written."""


@dataclass
class ImportReport:
    run_id: int
    mode: str
    status: str = "running"
    counts: Counter[str] = field(default_factory=Counter)
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    errors_file: Path | None = None
    seconds: float = 0.0
    db_seconds: float = 0.0  # of which in the database: lookups, writes, deferred index build, commit
    erased: list[ErasedRow] = field(default_factory=list)  # rows of customers erased at their request

    MAX_KEPT_ERRORS = 1000  # in memory, for the screen; the errors file has them all

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = self.MAX_KEPT_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


def _sort_key(path: Path) -> int:
    kind = _peek_kind(path)
    return KINDS.index(kind) if kind in KINDS else -1


def _peek_kind(path: Path) -> str | None:
    if path.suffix.lower() != ".csv":
        return None
    try:
        with path.open("rb") as f:
            first = f.readline().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    sep = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=sep), [])]
    try:
        return detect_csv_kind(header, path.name)
    except BadRow:
        return None


def read_file(
    path: Path, stream: IO[bytes], kind: str | None = None, raw: RawImport | None = None
) -> Iterator[Unit | RowError]:
    """The units of one file, or its errors, by the file's type; ``raw``: CSV records known unchanged skipped."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(stream, path.name, kind, raw=raw)
    if suffix in {".jsonl", ".ndjson"}:
        return read_jsonl(stream, path.name)
    if suffix == ".json":
        return read_json(stream, path.name)
    # an error of the file, as a broken file's is: the import goes on to report the other files' rows
    return iter(
        [RowError(path.name, 0, "", gettext_noop("has an unknown file type; use .csv, .json or .jsonl"))]
    )


class _Loading:
    """One import in progress: reads the files in batches, writes them, and keeps the report and the errors."""

    def __init__(
        self,
        paths: list[Path],
        report: ImportReport,
        writer: RegisterWriter,
        errors_csv: Any | None,
        progress: Callable[[int, int], None] | None,
        batch_rows: int,
    ) -> None:
        self.paths, self.report, self.writer, self.errors_csv = paths, report, writer, errors_csv
        self.progress, self.batch_rows = progress, batch_rows
        self.total = sum(p.stat().st_size for p in paths)

    def record(self, errors: list[RowError]) -> None:
        self.report.add_errors(errors)
        if self.errors_csv is not None:
            self.errors_csv.writerows([e.file, e.line, e.field, e.text()] for e in errors)

    def flush(self, batch: list[Unit], rows: int) -> None:
        self.report.rows_read += rows
        if self.report.mode == "good-rows":  # each batch of whole units commits on its own
            with transaction.atomic():
                errors, counts = self.writer.write(batch)
        else:
            errors, counts = self.writer.write(batch)
        self.record(errors)
        self.report.counts.update(counts)

    def unchanged(self) -> None:
        """The records the raw pass skipped as unchanged (``import_raw``): read, and counted as unchanged."""
        skipped = self.writer.raw.skipped
        self.report.rows_read += skipped.total()
        self.report.counts.update({f"{kind}_unchanged": n for kind, n in skipped.items()})
        skipped.clear()

    def read_all(self) -> None:
        base = 0
        for path in self.paths:
            with path.open("rb") as stream:
                batch: list[Unit] = []
                rows = 0
                for item in _guarded(read_file(path, stream, raw=self.writer.raw), path):
                    if isinstance(item, RowError):
                        self.record([item])
                        continue
                    batch.append(item)
                    rows += item.row_count()
                    if rows >= self.batch_rows:
                        self.flush(batch, rows)
                        batch, rows = [], 0
                        if self.progress is not None:
                            self.progress(base + stream.tell(), self.total)
                if batch:
                    self.flush(batch, rows)
                self.unchanged()
                base += path.stat().st_size
                if self.progress is not None:
                    self.progress(base, self.total)

    def all_or_nothing(self) -> None:
        """One transaction; any bad row and nothing is kept.

        On SQLite the transaction locks the main database (and the key store, from its first key) for the whole
        import, but never the access log: reads are answered and logged meanwhile (``rawsql.writing_main``).
        """
        report = self.report
        try:
            with writing_main(whole_run=True):  # the lock for minutes: other writes are refused, not queued
                # a first load into an empty register builds its non-unique indexes once, at the end
                first = not Customer.objects.exists()
                with indexes_built_after(_REGISTER_TABLES) if first else nullcontext():
                    self.read_all()
                    if report.error_count:
                        raise ImportRejected(f"{report.error_count} bad rows; nothing was imported")
                    finishing = time.monotonic()
            self.writer.db_seconds += time.monotonic() - finishing  # the deferred indexes and the commit
            report.status = "done"
        except ImportRejected:
            report.status = "rejected"
            report.counts.clear()


def import_files(
    paths: list[Path],
    *,
    mode: str = "all-or-nothing",
    now: datetime,
    errors_file: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    actor: str = "system",
    allow_returning: bool = False,
) -> ImportReport:
    """Import ``paths``; returns the report. Raises :class:`ImportRejected` in all-or-nothing mode on bad rows."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(gettext("%(file)s: no such file") % {"file": p})
    paths = sorted(paths, key=_sort_key)
    started = time.monotonic()
    with ExitStack() as stack:
        stack.enter_context(_fewer_collections())
        # PostgreSQL: the retention sweep's lock, so an import and a sweep never interleave: the import waits for
        # a running sweep, a sweep refuses while an import runs. SQLite: IMMEDIATE transactions serialise them.
        stack.enter_context(locks.waiting(locks.SWEEP))
        files = [{"name": p.name, "kind": _peek_kind(p) or p.suffix.lstrip(".")} for p in paths]
        run = import_runs.begin(now=now, mode=mode, files=files)  # a killed import's run is marked first
        report = ImportReport(run.id, mode, errors_file=errors_file)
        writer = RegisterWriter(
            runtime.vault(), runtime.policy(), now, run.id, allow_returning=allow_returning
        )
        stack.enter_context(index_scans())
        bulk_writes()
        errors_csv = None
        if errors_file is not None:
            errors_csv = csv.writer(stack.enter_context(errors_file.open("w", newline="", encoding="utf-8")))
            errors_csv.writerow(["file", "line", "field", "reason"])
        loading = _Loading(paths, report, writer, errors_csv, progress, batch_rows)
        if mode == "all-or-nothing":
            loading.all_or_nothing()
        else:
            loading.read_all()
            report.status = "done"
        if report.counts and not connection.in_atomic_block:
            analyze(_REGISTER_TABLES)  # PostgreSQL: the planner sees the register as it now is
    report.seconds = time.monotonic() - started
    report.db_seconds = writer.db_seconds + writer.raw.db_seconds
    report.erased = writer.erased if report.status == "done" else []
    _finish(run.pk, report, now, actor)
    return report


def _finish(run_pk: int, report: ImportReport, now: datetime, actor: str) -> None:
    """The run's record and one audit entry: counts only — the records themselves are personal data."""
    with transaction.atomic():
        ImportRun.objects.filter(pk=run_pk).update(
            finished_at=now + timedelta(seconds=report.seconds),
            status=report.status,
            counts=dict(report.counts),
            error_count=report.error_count,
        )
        audit.record(
            "customer.import",
            actor=actor,
            target=f"import:{run_pk}",
            details={
                "status": report.status,
                "mode": report.mode,
                "counts": dict(report.counts),
                "bad_rows": report.error_count,
                "erased_rows_skipped": len(report.erased),
            },
            now=now,
        )


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector, tuned for a bulk load: it stops scanning what existed before the import.

    An import allocates millions of short-lived containers (rows, records, tuples), none in reference cycles, so
    they are freed by reference counting; yet every few thousand allocations the collector ran and, now and then,
    traversed every object of the application as well. ``gc.freeze`` moves those into a generation that is not
    scanned, and a higher first threshold lets the collector run less often; both are undone afterwards.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _guarded(items: Iterator[Unit | RowError], path: Path) -> Iterator[Unit | RowError]:
    """A file-level problem (wrong encoding, broken JSON, unknown header) becomes an error of that file."""
    try:
        yield from items
    except BadRow as bad:
        yield from bad.errors
