"""The durable outbox: every e-mail and partner webhook leaves through one table, ``jobs_outbox``.

- **Written with the change.** :func:`put` inserts the message in the caller's transaction: a rolled-back change
  sends nothing, and a committed one is never lost, even when the process dies right after the commit.
- **Delivered after commit, and again by the job runner.** A ``transaction.on_commit`` kick delivers the
  messages in a background thread, one per process that takes every kick in turn (a latency optimisation only:
  the public form answers as fast whether or not a mail is sent, and a slow mail server never holds a page; it
  does hold the messages kicked after it, which the job delivers anyway). The ``jobs.outbox`` job (every minute, any
  instance) and ``persondata outbox deliver`` deliver whatever is left — after a crash, a restart, a failure.
- **Claimed, retried, deleted.** A deliverer claims a message with one ``UPDATE`` (a lease, the attempt
  counted), so two never send it at once; the handler runs outside any transaction; a message delivered is
  deleted, a failure waits :data:`BACKOFF` and after :data:`MAX_ATTEMPTS` tries the message is ``failed``
  (kept, sealed, for the controller to see, and removed :data:`FAILED_KEPT` after its last try). Delivery is at
  least once: a message whose deliverer was killed between the send and the delete is sent again once its lease
  (:data:`LEASE`, 5 minutes) has run out.
- **Sealed.** The payload (an address, a confirmation link, a body) is sealed with AES-GCM under a data key of
  its own, wrapped by the installation's master key and kept in the key store (``persondata.keys``), apart from
  the database; deleting a message destroys its key, so no database backup can read it afterwards.
  Nothing of it is ever written to a file or a log: without SMTP (``PERSONDATA_SMTP_URL`` unset) mail is *held*
  (:class:`HoldBackend`), and the controller reads it with ``persondata outbox show`` (audited).
- **Dropped on erasure.** Each message names a pseudonymous ``subject`` (``customer:<uuid>``,
  ``request:<uuid>``); the deletion path calls :func:`forget` and the message goes with the data.
- **Handlers by kind**, registered in each app's ``AppConfig.ready`` (:func:`register_handler`): ``mail`` by
  requests (and ``request_match``, a public submission's match), ``webhook`` by partners. A handler raises
  to fail (retry), :class:`Held` to wait without counting.

Why our own and not django-tasks (the backport of Django 6's ``django.tasks``): its database backend (now the
separate ``django-tasks-db``) stores a task's arguments as plain JSON and keeps its results, so a confirmation
link and an address would sit readable in the database and in its backups; it has no way to drop a queued task
when its customer is erased; the backport has no retries with backoff of its own; and it wants a separate
``db_worker`` process, where persondata runs its jobs inside ``serve`` (the job runner). What it would give us —
an enqueue API — is the 20 lines of :func:`put`. The handlers stay plain functions, so moving to
``django.tasks`` later (Django 6, with a sealing backend) changes this module only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from persondata.core import sealing
from persondata.core.vault import VaultError, seal, unseal
from persondata.jobs.models import Outbox
from persondata.keys import ring
from persondata.keys import store as key_store
from persondata.rawsql import as_uuid, batches, fetch_in

log = logging.getLogger(__name__)

KEY_CLASS = "outbox"
PENDING, HELD, FAILED = "pending", "held", "failed"
#: waits after the 1st, 2nd, … failed try; after the last, one more try, then the message has failed
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=5)  # longer than one delivery can take
FAILED_KEPT = timedelta(days=30)
BATCH = 200


class Held(Exception):
    """The message cannot leave now, and that is not a failure (no SMTP configured): it waits, sealed."""


@dataclass(frozen=True)
class Message:
    id: uuid.UUID
    kind: str
    subject: str
    attempts: int  # counting the one under way
    payload: dict[str, Any]


Handler = Callable[[Message], None]
HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Deliver messages of ``kind`` with ``handler`` (from an ``AppConfig.ready``)."""
    HANDLERS[kind] = handler


def subject(kind: str, ident: uuid.UUID | str) -> str:
    """A message's pseudonymous subject: ``customer:<32 hex>``, ``request:<32 hex>`` (one spelling, so
    :func:`forget` finds what :func:`put` wrote)."""
    if type(ident) is str and _HEX.fullmatch(ident):  # spelt so already: a sweep or a replay passes thousands
        return f"{kind}:{ident}"
    return f"{kind}:{uuid.UUID(str(ident)).hex}"


_HEX = re.compile(r"[0-9a-f]{32}")


# -- writing ---------------------------------------------------------------------------------------------------
def put(kind: str, about: str, payload: dict[str, Any], *, now: datetime | None = None) -> uuid.UUID:
    """Queue a message, inside the caller's transaction; it is kicked for delivery once that commits."""
    if kind not in HANDLERS:
        raise LookupError(f"no outbox handler for {kind!r}")
    now = now or timezone.now()
    row_id = uuid.uuid4()
    key = ring.new_own_key(sealing.key_owner("outbox", row_id), KEY_CLASS, now)  # in the key store
    Outbox.objects.create(
        id=row_id,
        kind=kind,
        subject=about,
        created_at=now,
        next_attempt_at=now,
        payload=seal(key, payload, sealing.outbox_message(row_id, kind)),
    )
    transaction.on_commit(lambda: kick([row_id]))
    return row_id


def forget(subjects: Iterable[str]) -> int:
    """Drop every message about these subjects (their data is being erased), in the caller's transaction."""
    wanted = sorted(set(subjects))
    # the subjects in raw SQL: an erasure or a ledger replay names tens of thousands, nearly all without a message
    ids = [as_uuid(r[0]) for r in fetch_in("SELECT id FROM jobs_outbox WHERE subject IN ({})", wanted)]
    return sum(_drop(Outbox.objects.filter(pk__in=part)) for part in batches(ids))


def _drop(rows: Any) -> int:
    """Delete these messages and destroy their keys in the key store (so no database backup can read them)."""
    ids = list(rows.values_list("id", flat=True))
    if not ids:
        return 0
    Outbox.objects.filter(pk__in=ids).delete()
    key_store.destroy_own_keys([sealing.key_owner("outbox", i) for i in ids], KEY_CLASS)
    return len(ids)


def read(row_id: uuid.UUID) -> Message:
    """One message, unsealed (``persondata outbox show``: the caller checks the permission and audits)."""
    row = Outbox.objects.get(pk=row_id)
    return _open(row)


def _open(row: Outbox) -> Message:
    key = ring.own_key(sealing.key_owner("outbox", row.id), KEY_CLASS)
    if key is None:
        raise VaultError("the message's key is gone from the key store")
    payload = unseal(key, bytes(row.payload), sealing.outbox_message(row.id, row.kind))
    return Message(row.id, row.kind, row.subject, row.attempts, payload)


# -- delivering ------------------------------------------------------------------------------------------------
def _due(now: datetime) -> Q:
    """Pending and due, or held (looked at on every pass: SMTP may have been configured since), and unclaimed."""
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return (Q(state=PENDING, next_attempt_at__lte=now) | Q(state=HELD)) & unclaimed


def deliver_due(now: datetime | None = None, *, ids: Sequence[uuid.UUID] | None = None) -> dict[str, int]:
    """Try every due message (or those of ``ids`` that are due) once. Runs outside a transaction."""
    now = now or timezone.now()
    counts = {"delivered": 0, "retrying": 0, "failed": 0, "held": 0}
    query = Outbox.objects.filter(_due(now))
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    for row_id in list(query.order_by("next_attempt_at").values_list("id", flat=True)[:BATCH]):
        outcome = deliver_one(row_id, now)
        if outcome in counts:
            counts[outcome] += 1
    with transaction.atomic():
        _drop(Outbox.objects.filter(state=FAILED, next_attempt_at__lt=now - FAILED_KEPT))
    return counts


def deliver_one(row_id: uuid.UUID, now: datetime) -> str:
    """Claim, hand to its handler and record one message: delivered | retrying | failed | held | skipped."""
    with transaction.atomic():
        claimed = Outbox.objects.filter(_due(now), pk=row_id).update(
            claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
    if not claimed:
        return "skipped"  # not due, erased meanwhile, or another deliverer has it
    row = Outbox.objects.get(pk=row_id)
    mine = Outbox.objects.filter(pk=row_id, claimed_until=now + LEASE)
    try:
        handler = HANDLERS[row.kind]
        handler(_open(row))
    except Held as held:
        with (
            transaction.atomic()
        ):  # the reason is a code (no SMTP, no processor agreement), shown in the list
            mine.update(state=HELD, attempts=F("attempts") - 1, claimed_until=None, last_error=str(held)[:40])
        return "held"
    except Exception as exc:
        return _failed(row, mine, now, type(exc).__name__)
    with transaction.atomic():
        _drop(mine)
    return "delivered"


def _failed(row: Outbox, mine: Any, now: datetime, error: str) -> str:
    # the exception's type only: its message may quote an address
    log.warning(
        "outbox %s message %s: try %d of %d failed (%s)", row.kind, row.id, row.attempts, MAX_ATTEMPTS, error
    )
    with transaction.atomic():
        if row.attempts >= MAX_ATTEMPTS:
            mine.update(state=FAILED, claimed_until=None, next_attempt_at=now, last_error=error[:40])
            return "failed"
        wait = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
        mine.update(state=PENDING, claimed_until=None, next_attempt_at=now + wait, last_error=error[:40])
    return "retrying"


def run_job(now: datetime) -> dict[str, Any]:
    """The ``jobs.outbox`` job: whatever the after-commit kick did not deliver ({} when nothing happened; held
    mail is not news — ``persondata outbox list`` shows it)."""
    return {k: v for k, v in deliver_due(now).items() if v and k != "held"}


class HoldBackend(BaseEmailBackend):
    """The e-mail backend without SMTP: sends nothing and writes nothing; the mail waits, sealed, in the outbox."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise Held("no_smtp")  # PERSONDATA_SMTP_URL is not set


# -- right after the commit ------------------------------------------------------------------------------------
# One deliverer thread per process, not one per commit: it takes the messages of every kick in turn and ends when
# none is left. Measured (issue 17): a burst of 100 answers started 100 threads at once, each drawing a letter;
# they took the CPU and SQLite's write lock in turns with the answers still waiting, and each kept its own memory
# (a worker grew from 90 to 400 MB RSS). In turn, one thread at a time, the letters come in the order of the
# answers, at the priority the letter's handler chooses (``requests.answers.printing``).
KICK_THREAD = "persondata-outbox"  # the name of the after-commit deliverer thread
_queue: list[uuid.UUID] = []
_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def kick(ids: list[uuid.UUID]) -> None:
    """Deliver these messages now, in the process's deliverer thread (started if none runs; not a daemon: a CLI
    command finishes sending before it exits)."""
    with _threads_lock:
        _queue.extend(ids)
        if _threads:
            return  # the running deliverer takes them before it ends
        thread = threading.Thread(target=_run, name=KICK_THREAD)
        _threads.add(thread)
    thread.start()


def _next_batch() -> list[uuid.UUID]:
    """The messages kicked so far and not yet taken; none: the deliverer ends (under the lock, so a kick either
    sees it running and queues, or starts a new one)."""
    with _threads_lock:
        batch = _queue[:]
        _queue.clear()
        if not batch:
            _threads.discard(threading.current_thread())
        return batch


def _run() -> None:
    try:
        while batch := _next_batch():
            try:
                close_old_connections()
                deliver_due(timezone.now(), ids=batch)  # a write waits its turn (the busy timeout on SQLite)
            except Exception as exc:
                log.error(
                    "outbox after commit: delivery failed (%s); the job tries again", type(exc).__name__
                )
    finally:
        connection.close()  # this thread's own connection
        with _threads_lock:
            _threads.discard(threading.current_thread())


def wait_for_outbox(timeout: float = 60.0) -> bool:
    """Wait for the kicks started so far (tests, a clean shutdown); True when none is left."""
    deadline = time.monotonic() + timeout
    while True:
        with _threads_lock:
            running = list(_threads)
        if not running:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        running[0].join(remaining)
