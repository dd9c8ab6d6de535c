"""The record of the imports' runs (``import_run``), and the runs a killed import left behind.

An import writes its run as ``running`` before it starts and ``done`` or ``rejected`` when it ends. A process killed
in between (SIGKILL, a crash, a power cut) cannot write the end: its all-or-nothing transaction is rolled back by the
database, but the run would stay ``running`` for ever. The next import marks such runs ``interrupted`` before it
begins, as the retention sweep does with its own runs.

Which runs are stale: on PostgreSQL every import holds the sweep's advisory lock (``locks.waiting``) while it runs
and writes its run only once it holds it, so a ``running`` run found by the holder of the lock is a dead one. On
SQLite imports in good-rows mode may run side by side; there a run is stale when the process recorded in it is gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from persondata.jobs import locks
from persondata.register.models import ImportRun


def interrupt_stale(now: datetime) -> int:
    """Mark the runs of imports that were killed ``interrupted``; the number marked. Call with the sweep's lock."""
    with transaction.atomic():
        running = ImportRun.objects.filter(status="running")
        if connection.vendor != "postgresql":
            dead = [
                pk
                for pk, holder in running.values_list("pk", "holder")
                if not holder or not locks.holder_alive(holder)  # no holder: written before runs recorded one
            ]
            running = running.filter(pk__in=dead)
        return running.update(status="interrupted", finished_at=now)


def begin(*, now: datetime, mode: str, files: list[dict[str, Any]]) -> ImportRun:
    """The run of an import that starts now (after marking the runs killed imports left ``running``)."""
    interrupt_stale(now)
    return ImportRun.objects.create(started_at=now, mode=mode, files=files, holder=locks.current_holder())
