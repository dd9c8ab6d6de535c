"""One runner at a time across processes and machines: a named, non-blocking lock.

- PostgreSQL: ``pg_try_advisory_lock`` on a key derived from the name. The lock belongs to the database session,
  so it is released when the holder ends it, and also when the holder dies (its connection closes).
- SQLite: a row in ``job_lock``, taken in an IMMEDIATE transaction (the settings make every write transaction
  IMMEDIATE, so two processes cannot both read the row as free). The row carries a lease that the holder renews;
  a holder that died is recognised by its process id on this machine, or by its lease running out. Renewing a
  lock renews every lock its thread holds, so the job runner's lock around a long sweep stays taken as long as
  the sweep's own (renewed after every chunk): a second worker cannot start the same job when a lease runs out.

:func:`waiting` is the blocking kind, for ``persondata import``: on PostgreSQL it waits for a running sweep and
makes a sweep started meanwhile refuse; on SQLite every write transaction is IMMEDIATE, so writers never interleave
inside a transaction anyway.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from persondata.jobs.models import JobLock

LEASE = timedelta(minutes=15)
#: the retention sweep's lock; ``persondata import`` waits on it (:func:`waiting`), so the two never interleave
SWEEP = "retention_sweep"


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"persondata:{name}".encode()).digest()[:8], "big", signed=True)


def current_holder() -> str:
    """This thread of this process on this machine: ``host:pid:thread``."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def holder_alive(holder: str) -> bool:
    """False only when ``holder`` was a process on this machine that is gone (killed, crashed, ended)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # another machine: trust its lease
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Lock:
    def __init__(self, name: str, clock: Callable[[], datetime]) -> None:
        self.name, self.clock, self.holder = name, clock, current_holder()

    def renew(self) -> None:
        """Extend the SQLite lease (call at least every :data:`LEASE`; a no-op on PostgreSQL).

        Every lock this thread holds is extended: a job's lock is renewed by the work it runs.
        """
        if connection.vendor != "postgresql":
            JobLock.objects.filter(holder=self.holder).update(expires_at=self.clock() + LEASE)


def _try_sqlite(name: str, lock: Lock) -> bool:
    with transaction.atomic():
        row = JobLock.objects.filter(name=name).first()
        now = lock.clock()
        if row is None:
            JobLock.objects.create(name=name, holder=lock.holder, expires_at=now + LEASE)
            return True
        free = (
            not row.holder or row.expires_at is None or row.expires_at < now or not holder_alive(row.holder)
        )
        if not free:
            return False
        row.holder, row.expires_at = lock.holder, now + LEASE
        row.save(update_fields=["holder", "expires_at"])
        return True


def _release_sqlite(name: str, lock: Lock) -> None:
    with transaction.atomic():
        JobLock.objects.filter(name=name, holder=lock.holder).update(holder="", expires_at=None)


@contextmanager
def exclusive(name: str, clock: Callable[[], datetime] = timezone.now) -> Iterator[Lock | None]:
    """``with exclusive("retention_sweep") as lock:`` — ``lock`` is None if someone else holds it."""
    lock = Lock(name, clock)
    if connection.vendor == "postgresql":
        key = _advisory_key(name)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got = bool(cur.fetchone()[0])
        if not got:
            yield None
            return
        try:
            yield lock
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    if not _try_sqlite(name, lock):
        yield None
        return
    try:
        yield lock
    finally:
        _release_sqlite(name, lock)


@contextmanager
def waiting(name: str) -> Iterator[None]:
    """PostgreSQL: wait for the advisory lock ``name`` and hold it for the block; SQLite: nothing to take.

    While it is held, :func:`exclusive` on the same name finds it taken (a sweep refuses rather than interleave).
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = _advisory_key(name)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [key])
