"""Helpers for the raw SQL of the hot paths (the import's writer, the retention sweep): one SQL text for SQLite and
PostgreSQL.

Ids go in as 32 hex digits and dates as ISO text (SQLite compares the text Django stores; PostgreSQL casts the
literal), so no ``uuid.UUID`` or date adapter is built per value; values read back are normalised here, because
SQLite returns text where PostgreSQL returns typed values.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from django.db import DatabaseError, OperationalError, connection, transaction

BATCH = 500  # values per IN (...) list, well under SQLite's parameter limit

T = TypeVar("T")


def batches(values: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for v in values:
        batch.append(v)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


#: An id as 32 lower-case hex digits: how the hot paths carry ids (building ``uuid.UUID`` objects for every row
#: read would cost more than the rest of the sweep's Python work together).
Hex = str


def hx(value: Any) -> Hex:
    """An id read from the database (SQLite: hex text; PostgreSQL: ``uuid.UUID``) as 32 hex digits."""
    return value if type(value) is str else str(value.hex)


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


SQLITE_CACHE_KIB = 128 * 1024  # the bulk writers' page cache (SQLite's default is 2 MiB)
SQLITE_SORT_KIB = 16 * 1024  # the page cache while a bulk load builds its deferred indexes
SQLITE_CHECKPOINT_PAGES = 256_000  # ≈ 1 GB of WAL between checkpoints (SQLite's default is 1,000 pages)


def bulk_writes() -> None:
    """SQLite, for the bulk writers (import, retention sweep): a larger page cache and fewer checkpoints.

    Their writes land all over indexes whose keys are random (blind indexes): a larger page cache keeps those
    pages in memory between batches, and checkpointing less often writes each page to the database file once
    rather than after every batch (the WAL absorbs them). Set on the connection, outside any transaction.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            cur.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")


_fromisoformat = date.fromisoformat


def as_date(value: Any) -> date | None:
    """A ``DateField`` value read with a raw cursor (SQLite: ISO text; PostgreSQL: ``date``)."""
    if type(value) is str:
        return _fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value  # type: ignore[no-any-return]


def as_datetime(value: Any) -> datetime:
    """An aware UTC datetime from a ``DateTimeField`` column read with a raw cursor."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _slices(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices of :data:`BATCH` (for a list, cheaper than :func:`batches` item by item)."""
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        return list(cur.fetchall())


def fetch_in(
    sql: str, values: Sequence[Any], before: Sequence[Any] = (), after: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Run ``sql`` (with one ``{}`` for an IN list, e.g. of customer or record ids) in batches; all rows."""
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cur:
        for part in _slices(values):
            cur.execute(sql.format(marks(len(part))), [*before, *part, *after])
            rows.extend(cur.fetchall())
    return rows


def execute_in(sql: str, ids: Sequence[Hex], before: Sequence[Any] = (), after: Sequence[Any] = ()) -> int:
    """Run a statement with one ``{}`` IN list in batches; the number of rows it changed."""
    changed = 0
    with connection.cursor() as cur:
        for part in _slices(ids):
            cur.execute(sql.format(marks(len(part))), [*before, *part, *after])
            changed += max(cur.rowcount, 0)
    return changed


def executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        with connection.cursor() as cur:
            cur.executemany(
                sql, rows
            )  # tuples as they are: copying each into a list cost more than its insert


@contextmanager
def index_scans() -> Iterator[None]:
    """PostgreSQL: answer the hot paths' IN-list lookups from the indexes, whatever the planner's statistics say.

    Every lookup here is by an indexed column, a few hundred values at a time. Without fresh statistics — inside
    the one long transaction of an all-or-nothing import, or after a bulk load on a server whose autovacuum has not
    analysed the tables yet (or is off) — the planner estimates such a list to match most of the table and scans
    all of it: measured at a million customers, a retention run went from minutes to tens of minutes. Enter it
    outside a transaction (a SET inside one that is rolled back is undone with it).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cur:
                cur.execute("RESET enable_seqscan")
        except DatabaseError:  # the caller's transaction failed; rolling it back undoes the SET as well
            pass


@contextmanager
def indexes_built_after(tables: Sequence[str]) -> Iterator[None]:
    """SQLite, inside a transaction: the non-unique indexes of ``tables`` dropped now and built again at the end.

    For a bulk load into empty tables: building an index once from the finished table sorts its keys, while
    keeping it up to date row by row inserts keys that are random (blind indexes) all over the tree. Unique
    indexes stay, so lookups and constraints keep working during the load. DDL is transactional in SQLite: if the
    block or the transaction fails, the rollback brings the indexes back; other connections keep reading the
    last committed state, indexes included. Elsewhere a no-op (PostgreSQL would lock the tables meanwhile).
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_after needs a transaction")
    listed = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({}) ORDER BY name"
    )
    with connection.cursor() as cur:
        cur.execute(listed.format(marks(len(tables))), list(tables))
        deferred = cur.fetchall()
        for name, _sql in deferred:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cur:
        # SQLite sorts each index's keys in memory up to the page cache's size: a smaller cache meanwhile keeps
        # the build's memory the same whatever the table's size (the sort spills to temporary files instead)
        cur.execute("PRAGMA cache_size")
        (cache,) = cur.fetchone()
        cur.execute(f"PRAGMA cache_size = -{SQLITE_SORT_KIB}")
        for _name, sql in deferred:
            cur.execute(sql)
        cur.execute(f"PRAGMA cache_size = {int(cache)}")


def analyze(tables: Sequence[str]) -> None:
    """PostgreSQL: fresh planner statistics after a bulk change (cheap: ANALYZE samples)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


# -- files attached to every SQLite connection (the key store, the access log) ----------------------------------------
def attached_path(database_name: str, schema: str, file: str) -> str:
    """The file to attach as ``schema`` beside the database ``database_name``: ``file``, or — for a database in
    memory (the test suite's) — a shared in-memory database named after it."""
    if database_name == ":memory:" or "mode=memory" in database_name:
        tag = hashlib.sha256(database_name.encode()).hexdigest()[:16]
        return f"file:{schema}_{tag}?mode=memory&cache=shared"
    return file


def attach_file(
    connection: Any, schema: str, path: str, ddl: Sequence[str], *, synchronous: str = "FULL"
) -> None:
    """Attach ``path`` (created 0600 in a 0700 folder if missing) as ``schema``, in WAL mode, and run its DDL.

    ``synchronous``: SQLite's for the file (an attached file does not take the main database's NORMAL; its
    default is FULL, an fsync at every commit, made while the file's write lock is held)."""
    in_memory = "mode=memory" in path
    if not in_memory and not Path(path).exists():
        Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):  # another process created it first
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with connection.cursor() as cur:
        cur.execute(f"ATTACH DATABASE %s AS {schema}", [path])
        if not in_memory:
            cur.execute(f"PRAGMA {schema}.journal_mode=WAL")
            cur.execute(f"PRAGMA {schema}.synchronous={synchronous}")
        for statement in ddl:
            cur.execute(statement)


# -- transactions that leave the attached files alone (SQLite) -------------------------------------------------------
# Every SQLite transaction of the app is IMMEDIATE (settings.py): it takes the write lock up front, so two writers
# queue rather than fail half-way. But BEGIN IMMEDIATE takes the write lock of *every* attached file too — the key
# store, the access log — and holds them all until the commit. Two kinds of transaction must not:
#
# * a customer read: it writes only its access-log entries (their own file, persondata.access.log_store), so it
#   begins DEFERRED, reads a snapshot, and takes the access log's lock for the moment of its insert, never the
#   main database's, which a long import holds (:func:`reading`);
# * a long writer (the all-or-nothing import, a retention chunk): it locks the main database up front as IMMEDIATE
#   would, and the attached files only when it writes to them — never the access log (:func:`writing_main`).
#
# So during a long import every read is answered and logged (tests/web/test_import_load.py).


@contextmanager
def _begun(mode: str) -> Iterator[None]:
    """``transaction.atomic()`` whose BEGIN (SQLite, outermost block only) is ``BEGIN <mode>``."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    connection.ensure_connection()  # connecting sets the mode from the settings: connect first, then change it
    usual = connection.transaction_mode  # type: ignore[attr-defined]
    connection.transaction_mode = mode  # type: ignore[attr-defined]
    try:
        with transaction.atomic():  # BEGIN is executed here, on entering
            connection.transaction_mode = usual  # type: ignore[attr-defined]
            yield
    finally:
        connection.transaction_mode = usual  # type: ignore[attr-defined]


@contextmanager
def reading() -> Iterator[None]:
    """A transaction for a read of customer data and its access-log entries: SQLite takes no write lock on the
    main database (a write to it inside would wait for, or fail against, a long import). Elsewhere: atomic."""
    with _begun("DEFERRED"):
        yield


@contextmanager
def writing_beside() -> Iterator[None]:
    """A write transaction to an attached file alone (the intake spool, ``requests.spool``): SQLite takes that
    file's lock at its first write there and never the main database's, which a long writer may hold for
    minutes; it may still read the main database's last committed state. Elsewhere: atomic."""
    with _begun("DEFERRED"):
        yield


@contextmanager
def writing() -> Iterator[None]:
    """A write transaction that locks the main database at once (like IMMEDIATE: it queues behind another writer,
    and nothing queues in the middle of it) and an attached file only when it writes there — not the access log,
    which every read needs for a moment: a burst of IMMEDIATE writes (50 public submissions at once) locked it
    too, one after another, and reads starved behind them until their busy timeout (issue 18). Elsewhere: atomic.
    Nested in another transaction, a savepoint as usual."""
    nested = connection.in_atomic_block
    with _begun("DEFERRED"):
        if connection.vendor == "sqlite" and not nested:
            with connection.cursor() as cur:
                cur.execute(
                    "DELETE FROM main.django_migrations WHERE 0"
                )  # a write that changes nothing: the lock
        yield


@contextmanager
def writing_main(*, whole_run: bool = False) -> Iterator[None]:
    """A long write transaction that locks the main database at once (like IMMEDIATE: it queues behind another
    writer, and nothing queues in the middle of it) and an attached file only when it writes there. Meanwhile
    :func:`long_writer` says so to every process: ``whole_run`` for a writer that holds the lock for minutes (the
    all-or-nothing import: a write that waits for it is better refused at once), else one that holds it for a
    moment at a time (a retention chunk: worth a short wait)."""
    with _begun("DEFERRED"):
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cur:
            # a write that changes nothing: the lock
            cur.execute("DELETE FROM main.django_migrations WHERE 0")
        marker = os.open(_long_write_marker(), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            # released when closed, or by the process's death; exclusive says "for minutes", shared "a moment"
            fcntl.flock(marker, fcntl.LOCK_EX if whole_run else fcntl.LOCK_SH)
            yield
        finally:
            os.close(marker)


def _long_write_marker() -> Path:
    """The file a long writer holds a lock on: beside the database (for one in memory, in the temp folder)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        tag = hashlib.sha256(name.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"persondata-{tag}.writing"
    return Path(name + "-writing")


#: what :func:`long_writer` says: a writer that holds the write lock for its whole run, or a moment at a time
WHOLE_RUN, CHUNKS = "whole run", "chunks"


def long_writer() -> str | None:
    """SQLite: whether a long writer holds the write lock now — :data:`WHOLE_RUN` (an all-or-nothing import:
    minutes), :data:`CHUNKS` (a retention chunk: about a second), or None — so a write that should not wait minutes
    knows to give up at once or soon rather than queue (the public form, a session's or a token's refresh). Two
    system calls on a marker file; the database is not touched."""
    if connection.vendor != "sqlite":
        return None
    try:
        marker = os.open(_long_write_marker(), os.O_RDONLY)
    except FileNotFoundError:
        return None  # no long writer ever ran here
    try:
        try:
            fcntl.flock(marker, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return WHOLE_RUN  # an exclusive lock: an import
        try:
            fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return CHUNKS  # another shared lock besides ours: a retention chunk
        return None
    finally:
        os.close(marker)  # and with it the lock taken


def long_write_running() -> bool:
    """SQLite: whether a long writer (an all-or-nothing import, a retention chunk) holds the write lock now."""
    return long_writer() is not None


#: how long a refresh that can wait for the next request (a session's expiry, a token's last use) waits for the lock
REFRESH_WAIT = 0.05


@contextmanager
def waiting_at_most(seconds: float) -> Iterator[None]:
    """SQLite: a write inside waits this long for another's lock (not the busy timeout of the settings) before it
    fails as busy. For writes that should answer fast or not at all: a refresh that can wait for the next
    request, a public submission whose visitor is better told at once to try again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA busy_timeout")
        (usual,) = cur.fetchone()
        cur.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA busy_timeout = {int(usual)}")


# -- a database too busy to write ---------------------------------------------------------------------------------
#: what a 503 answer tells the client to wait before trying again (seconds)
RETRY_AFTER = 30


def is_busy(exc: BaseException) -> bool:
    """A write that could not get the database's write lock in time: SQLite's busy timeout ran out ("database is
    locked") while another process held the lock — a long all-or-nothing import, a retention chunk. Not a fault:
    the answer is 503 with Retry-After, never a 500."""
    return isinstance(exc, OperationalError) and "locked" in str(exc)
