"""The in-product job runner: runs each scheduled job once a day, however many app instances there are.

``persondata jobs run`` runs it in the foreground; ``persondata serve`` starts it in a background thread with
:func:`start_scheduler_thread`. Every instance may run a scheduler: a job runs under a named lock
(``pg_try_advisory_lock`` on PostgreSQL, a lock row on SQLite — ``persondata.jobs.locks``), and only if no
run of it has finished for today's legal date, so it runs once a day in all.

Clock safety (``persondata.jobs.clock``): a job runs from its hour (03:00 Copenhagen time by default), so a
clock a few hours fast cannot make a deletion a day early; when the wall clock jumps against the monotonic
clock, the runner waits until the clock has been steady for half an hour and audits the jump; and it never runs
a job for a day before one it has already run (a clock set back).

The runner knows no job of its own: each app registers its jobs with :func:`register_job` in its
``AppConfig.ready`` — retention the daily sweep, requests the purge and the deadline reminders, partners the
webhook retries, jobs itself the outbox's delivery pass — so this floor imports nothing from the capabilities.
A job with ``every`` runs every so often at any hour instead (``_run_periodic``).
"""

from __future__ import annotations

import logging
import socket
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from persondata.audit import services as audit
from persondata.core.calendar import COPENHAGEN
from persondata.jobs import locks
from persondata.jobs.clock import legal_today
from persondata.jobs.models import JobRun

log = logging.getLogger(__name__)

JUMP_TOLERANCE = timedelta(minutes=5)
SETTLE = timedelta(minutes=30)
DEFAULT_INTERVAL = 60.0  # seconds between checks


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], dict[str, Any]]
    at: time = time(3, 0)  # local time in Denmark from which the day's run may start
    every: timedelta | None = None  # set: runs every so often at any hour instead (see _run_periodic)


@dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # done | failed | not_yet | done_today | clock_behind | locked | clock_unsettled
    summary: dict[str, Any]


JOBS: dict[str, Job] = {}


def register_job(job: Job) -> None:
    JOBS[job.name] = job


def _last_done(job: str) -> JobRun | None:
    return JobRun.objects.filter(job=job, status="done").order_by("-day").first()


def run_due_jobs(now: datetime, jobs: dict[str, Job] | None = None) -> list[Outcome]:
    """Run every job that is due at ``now`` and has not run today; each under its lock, in its own runs."""
    today = legal_today(now)
    local = now.astimezone(COPENHAGEN).time()
    outcomes = []
    for job in (jobs if jobs is not None else JOBS).values():
        if job.every is not None:
            outcomes.append(_run_periodic(job, now, today))
            continue
        if local < job.at:
            outcomes.append(Outcome(job.name, "not_yet", {}))
            continue
        last = _last_done(job.name)
        if last is not None and last.day > today:
            # the clock went back behind a day already run: never run a day twice, never "yesterday" again
            outcomes.append(Outcome(job.name, "clock_behind", {"last_day": last.day.isoformat()}))
            continue
        if last is not None and last.day == today:
            outcomes.append(Outcome(job.name, "done_today", {}))
            continue
        with locks.exclusive(f"job:{job.name}") as lock:
            if lock is None:
                outcomes.append(Outcome(job.name, "locked", {}))
                continue
            last = _last_done(job.name)  # another instance may have finished it while we waited
            if last is not None and last.day >= today:
                outcomes.append(Outcome(job.name, "done_today", {}))
                continue
            outcomes.append(_run_one(job, now, today))
    return outcomes


def _run_one(job: Job, now: datetime, today: Any) -> Outcome:
    with transaction.atomic():
        record = JobRun.objects.create(job=job.name, day=today, started_at=now, host=socket.gethostname())
    try:
        summary = job.run(now)
    except Exception as exc:
        # the exception's type only: its message may quote data
        log.exception("job %s failed", job.name)
        with transaction.atomic():
            JobRun.objects.filter(pk=record.pk).update(
                status="failed", finished_at=timezone.now(), summary={"error": type(exc).__name__}
            )
        return Outcome(job.name, "failed", {"error": type(exc).__name__})
    with transaction.atomic():
        JobRun.objects.filter(pk=record.pk).update(status="done", finished_at=timezone.now(), summary=summary)
    return Outcome(job.name, "done", summary)


_periodic_last: dict[str, datetime] = {}  # when this process last ran each periodic job


def _run_periodic(job: Job, now: datetime, today: Any) -> Outcome:
    """A job with ``every`` (the partners' webhook retries): at most once per ``every`` in each process, never
    twice at once in all (its lock), at any hour. Its work must be safe to repeat at any time, so the day rules
    of the daily jobs do not apply. Only runs that did something (a summary) or failed are kept in ``job_run``."""
    last = _periodic_last.get(job.name)
    if last is not None and job.every is not None and last <= now < last + job.every:
        return Outcome(job.name, "not_yet", {})
    with locks.exclusive(f"job:{job.name}") as lock:
        if lock is None:
            return Outcome(job.name, "locked", {})
        _periodic_last[job.name] = now
        status, summary = "done", {}
        try:
            summary = job.run(now)
        except Exception as exc:
            log.exception("job %s failed", job.name)
            status, summary = "failed", {"error": type(exc).__name__}
    if summary:
        with transaction.atomic():
            JobRun.objects.create(
                job=job.name,
                day=today,
                started_at=now,
                finished_at=timezone.now(),
                status=status,
                host=socket.gethostname(),
                summary=summary,
            )
    return Outcome(job.name, status, summary)


class Scheduler:
    """Checks the jobs every ``interval`` seconds, watching the wall clock against the monotonic clock."""

    def __init__(
        self,
        clock: Callable[[], datetime] = timezone.now,
        monotonic: Callable[[], float] = _time.monotonic,
        jobs: dict[str, Job] | None = None,
    ) -> None:
        self.clock, self.monotonic, self.jobs = clock, monotonic, jobs
        self._last: tuple[datetime, float] | None = None
        self._quiet_until = 0.0

    def tick(self) -> list[Outcome]:
        now, mono = self.clock(), self.monotonic()
        if self._last is not None:
            expected = self._last[0] + timedelta(seconds=mono - self._last[1])
            drift = now - expected
            if abs(drift) > JUMP_TOLERANCE:
                self._quiet_until = mono + SETTLE.total_seconds()
                with transaction.atomic():
                    audit.record(
                        "jobs.clock_jump",
                        actor="system",
                        details={
                            "seconds": int(drift.total_seconds()),
                            "waits_minutes": SETTLE.seconds // 60,
                        },
                        now=now,
                    )
        self._last = (now, mono)
        if mono < self._quiet_until:
            return [Outcome(name, "clock_unsettled", {}) for name in (self.jobs or JOBS)]
        return run_due_jobs(now, self.jobs)


def loop(
    stop: threading.Event,
    interval: float = DEFAULT_INTERVAL,
    scheduler: Scheduler | None = None,
    on_outcomes: Callable[[list[Outcome]], None] | None = None,
) -> None:
    """Tick until ``stop`` is set; an error in one tick is logged and the next tick tries again."""
    scheduler = scheduler or Scheduler()
    while not stop.is_set():
        try:
            close_old_connections()
            outcomes = scheduler.tick()
            if on_outcomes is not None:
                on_outcomes(outcomes)
        except Exception:
            log.exception("job runner tick failed")
        finally:
            connection.close()  # this thread's connection: no session (or advisory lock) outlives a tick
        stop.wait(interval)


_thread: threading.Thread | None = None
_stop = threading.Event()
_thread_lock = threading.Lock()


def start_scheduler_thread(
    interval: float = DEFAULT_INTERVAL, on_outcomes: Callable[[list[Outcome]], None] | None = None
) -> threading.Thread:
    """Start the job runner in a daemon thread of this process (once; later calls return the same thread).

    Safe to call in every app instance and every worker process: the locks make each job run once a day.
    ``persondata serve`` calls it in each gunicorn worker (``persondata.gunicorn_conf``).
    """
    global _thread
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return _thread
        _stop.clear()
        _thread = threading.Thread(
            target=loop,
            args=(_stop, interval),
            kwargs={"on_outcomes": on_outcomes},
            name="persondata-jobs",
            daemon=True,
        )
        _thread.start()
        return _thread


def stop_scheduler_thread(timeout: float = 10.0) -> None:
    global _thread
    with _thread_lock:
        _stop.set()
        if _thread is not None:
            _thread.join(timeout)
        _thread = None
