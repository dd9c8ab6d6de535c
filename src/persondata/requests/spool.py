"""The intake spool: a public submission made while a long writer holds SQLite's write lock is stored here, sealed,
and moved into the database as soon as the lock is free (issue 18: "a public submission is never lost").

An all-or-nothing import holds the main database's write lock for its whole run (up to half an hour at a million
customers); a retention chunk holds it for about a second at a time. Meanwhile the public form stores its
submission in a file of its own, ``<home>/intake-spool.sqlite3`` (mode 0600, attached to every SQLite connection as
the schema ``persondata_intake``, as the access log is: ``access.log_store``), with its own write lock, and the
visitor gets the usual thank-you page with a real reference and due date:

* **the reference, the id, the receipt**: drawn and fixed here — the reference free in the register and the
  spool, the id the request will have, the time received (R6: the deadline counts from receipt, so the request's
  ``received_at`` is the spool's);
* **protected at rest**: the requester's details are sealed under a key of the submission's own, wrapped by the
  master key and kept in the submission's row (the key store is no place for it: the import holds the key store's
  lock too, for its whole run, since it writes the new customers' keys). A copy of the file opens nothing without
  the master key; a moved submission's row — its key with it — is deleted under ``secure_delete``, so its bytes
  are overwritten, not left in free pages;
* **moved exactly once** (:func:`drain`): each submission goes through :func:`intake.submit`, the path of every
  public submission — the same checks, the match and the confirmation e-mail through the outbox, the audit entry
  — in one transaction of the main database, under its spooled id; then its row is deleted. A drain killed
  between the two finds the request stored under that id and only deletes the row: nothing lost, nothing twice.
* **counted by the rate limit**: the windows a submission counts in are kept with it; the form counts spooled
  submissions with the stored ones (``public.ratelimit.take_spooled``), and the drain adds them to the stored
  counts.

The drain runs every minute in the job runner (``requests.spool``; ``persondata serve`` runs it) and does nothing
while an import holds the lock, so the spool empties within a minute of the import's end; a retention run's
chunks leave the lock free between them, so the drain gets through beside one. :func:`waiting` counts what waits,
for ``/api/health``: a monitor sees submissions that are not moved in.

PostgreSQL locks rows, not the database: a submission never waits for an import there, and nothing here runs.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from persondata import runtime
from persondata.core import sealing
from persondata.core.calendar import legal_date
from persondata.core.requests import Kind, deadline
from persondata.core.vault import seal, unseal
from persondata.keys import ring
from persondata.rawsql import (
    WHOLE_RUN,
    as_datetime,
    attach_file,
    attached_path,
    fetch,
    is_busy,
    long_writer,
    writing,
    writing_beside,
)
from persondata.requests import intake
from persondata.requests.models import RateBucket, Request

log = logging.getLogger(__name__)

SCHEMA = "persondata_intake"
TABLE = f"{SCHEMA}.submission"
KEY_CLASS = "spooled"
_DDL = (
    # id: the request's id to be, so that a second drain knows the submission is stored already
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id char(32) NOT NULL PRIMARY KEY, reference varchar(20) NOT NULL UNIQUE, "
    "kind varchar(20) NOT NULL, language varchar(2) NOT NULL, received_at varchar(40) NOT NULL, "
    "windows text NOT NULL, wrapped BLOB NOT NULL, sealed BLOB NOT NULL)",
)
#: the rate-limit windows a submission counts in: (bucket, the window's start)
Windows = Sequence[tuple[str, datetime]]


def attach(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On every new SQLite connection: attach the spool's file (created 0600 if missing) and its table. A deleted
    row is overwritten (``secure_delete``): what a visitor sent does not stay in the file's free pages."""
    if connection.vendor == "sqlite":
        path = attached_path(
            str(connection.settings_dict["NAME"]), SCHEMA, str(settings.PERSONDATA_INTAKE_SPOOL_FILE)
        )
        attach_file(connection, SCHEMA, path, _DDL, synchronous="FULL")
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA {SCHEMA}.secure_delete = ON")


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the visitor is told: the same as for a stored request."""

    reference: str
    due_on: date


def put(kind: str, details: dict[str, Any], *, language: str, windows: Windows, now: datetime) -> Receipt:
    """Spool a public submission: checked as :func:`intake.submit` checks it (:class:`RequestError`), sealed, with
    its reference and due date. Inside :func:`rawsql.writing_beside`, which the caller opens."""
    kind = Kind(kind).value  # the form allows only these (and only "da" and "en" as the language)
    clean = intake.clean_requester(details)
    with connection.cursor() as cur:
        # the spool's lock first (a write that changes nothing): a read before it would begin a snapshot that
        # another spooling submission's commit makes too old to write from ("locked" at once, without waiting)
        cur.execute(f"DELETE FROM {TABLE} WHERE 0")  # noqa: S608 - constant
    submission_id = uuid.uuid4()
    reference = intake.new_reference(taken=_taken)
    fresh = runtime.vault().new_data_key(sealing.key_owner(KEY_CLASS, submission_id), KEY_CLASS)
    sealed = seal(fresh.key, clean, sealing.spooled_submission(submission_id))
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {TABLE} (id, reference, kind, language, received_at, windows, wrapped, sealed) "  # noqa: S608 - constant
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                submission_id.hex,
                reference,
                kind,
                language,
                now.isoformat(),
                json.dumps([[bucket, start.isoformat()] for bucket, start in windows]),
                fresh.wrapped,
                sealed,
            ],
        )
    return Receipt(reference, deadline(legal_date(now)).due)


def _taken(reference: str) -> bool:
    return bool(fetch(f"SELECT 1 FROM {TABLE} WHERE reference = %s", [reference]))  # noqa: S608 - constant


def counted(bucket: str, window_start: datetime) -> int:
    """How many spooled submissions count in the window (the submission being spooled too, once inserted)."""
    if connection.vendor != "sqlite":
        return 0
    rows = fetch(f"SELECT windows FROM {TABLE}")  # noqa: S608 - constant; a few hundred rows at most
    return sum([bucket, window_start.isoformat()] in json.loads(windows) for (windows,) in rows)


def waiting() -> tuple[int, datetime | None]:
    """How many submissions wait in the spool, and since when the oldest (SQLite; elsewhere none)."""
    if connection.vendor != "sqlite":
        return 0, None
    ((count, oldest),) = fetch(f"SELECT count(*), min(received_at) FROM {TABLE}")  # noqa: S608 - constant
    return int(count), as_datetime(oldest) if oldest else None


def drain(now: datetime) -> dict[str, Any]:
    """Move every spooled submission into the database, oldest first, each exactly once; the job's summary.

    Nothing while an all-or-nothing import holds the lock (it would be minutes); beside a retention chunk each move
    waits for the lock as any write does. A move that fails as busy stops the drain: the next tick goes on."""
    if connection.vendor != "sqlite" or long_writer() == WHOLE_RUN:
        count, _oldest = waiting()
        return {"moved": 0, "waiting": count}
    rows = fetch(
        f"SELECT id, reference, kind, language, received_at, windows, wrapped, sealed FROM {TABLE} "  # noqa: S608
        "ORDER BY received_at, id"
    )
    moved = 0
    for ident, reference, kind, language, received_at, windows, wrapped, sealed in rows:
        submission_id = uuid.UUID(ident)
        try:
            with writing():  # the main database's lock, then the key store's and the outbox's rows
                if not Request.objects.filter(pk=submission_id).exists():  # else: moved before a kill
                    owner = sealing.key_owner(KEY_CLASS, submission_id)
                    details = unseal(
                        ring.unwrap(wrapped, owner, KEY_CLASS),
                        sealed,
                        sealing.spooled_submission(submission_id),
                    )
                    spooled = intake.Spooled(submission_id, reference, as_datetime(received_at))
                    intake.submit(
                        kind, details, channel="public", language=language, now=now, spooled=spooled
                    )
                    for bucket, start in json.loads(windows):
                        RateBucket.count_one(bucket, datetime.fromisoformat(start))
            with writing_beside(), connection.cursor() as cur:
                cur.execute(f"DELETE FROM {TABLE} WHERE id = %s", [ident])  # noqa: S608 - constant
        except Exception as exc:
            if is_busy(exc):
                break  # a long writer took the lock meanwhile: the next tick goes on
            # left in the spool, where the health check counts it; the others still move. The exception's type
            # only: its text might quote what the visitor typed
            log.error("a spooled public submission could not be moved: %s", type(exc).__name__)
            continue
        moved += 1
    count, _oldest = waiting()
    if moved and not count:
        # the deleted rows' old pages live on in the spool's WAL until a checkpoint: copy back, then empty it
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA {SCHEMA}.wal_checkpoint(TRUNCATE)")
    if moved:
        log.info("moved %s spooled public submissions into the database; %s waiting", moved, count)
    return {"moved": moved, "waiting": count}
