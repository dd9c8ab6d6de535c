"""Clock safety around midnight in Copenhagen, clock jumps, and the daily job runner with its lock."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from django.db import connection, connections

from persondata.audit.models import AuditEntry
from persondata.jobs import locks
from persondata.jobs import runner as jobs
from persondata.jobs.clock import ClockError, check_database_clock
from persondata.jobs.models import JobLock, JobRun
from persondata.retention.sweep import SweepRefused, sweep
from tests.retention.conftest import customer, invoice, order, payment
from tests.retention.test_sweep import items

D = date


@pytest.fixture
def due_at_new_year(load: Callable[..., dict[str, uuid.UUID]]) -> uuid.UUID:
    """RULES R3's first example: invoice 2020-03-15 may go on 2026-01-01 (and not a moment before)."""
    return load(
        [
            customer(
                "C1",
                invoices=[invoice("FC1", D(2020, 3, 15))],
                payments=[payment("PC1", "FC1", D(2020, 3, 15))],
            )
        ]
    )["C1"]


@pytest.fixture
def due_at_midsummer(load: Callable[..., dict[str, uuid.UUID]]) -> uuid.UUID:
    """Contact data whose 36 months end on 2026-06-29 (summer time, UTC+2): due on 2026-06-30."""
    return load([customer("C2", orders=[order("OC2", D(2023, 6, 20), D(2023, 6, 29))])])["C2"]


MIDNIGHT_CASES = [
    # (the instant of the sweep, is the invoice deleted?) — 2026-01-01 00:00 in Copenhagen is 2025-12-31 23:00 UTC
    (datetime(2025, 12, 31, 22, 59, 59, tzinfo=UTC), False),
    (datetime(2025, 12, 31, 23, 0, 0, tzinfo=UTC), True),
    # the same instant written in another zone is the same legal day: only Copenhagen's date counts
    (
        datetime(2026, 1, 1, 12, 59, 59, tzinfo=timezone(timedelta(hours=14))),
        False,
    ),  # already 1 Jan in Kiribati
    (
        datetime(2025, 12, 31, 18, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
        True,
    ),  # still 31 Dec in New York
]


@pytest.mark.django_db
@pytest.mark.parametrize(("now", "deleted"), MIDNIGHT_CASES)
def test_midnight_in_copenhagen_decides_not_utc(
    due_at_new_year: uuid.UUID, now: datetime, deleted: bool
) -> None:
    sweep(now=now, dry_run=False)
    assert ("FC1" not in items(due_at_new_year)) is deleted


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "deleted"),
    [
        (datetime(2026, 6, 29, 21, 59, 59, tzinfo=UTC), False),  # 23:59:59 summer time on the 29th
        (datetime(2026, 6, 29, 22, 0, 0, tzinfo=UTC), True),  # 00:00 on the 30th
    ],
)
def test_midnight_in_summer_time(due_at_midsummer: uuid.UUID, now: datetime, deleted: bool) -> None:
    sweep(now=now, dry_run=False)
    assert ("contact" not in items(due_at_midsummer)) is deleted


@pytest.mark.django_db
def test_a_naive_time_and_a_future_day_are_refused(due_at_new_year: uuid.UUID) -> None:
    with pytest.raises(SweepRefused, match="naive"):
        sweep(now=datetime(2026, 1, 2, 12, 0), dry_run=False)  # noqa: DTZ001 - the point of the test
    with pytest.raises(SweepRefused, match="never deletes early"):
        sweep(now=datetime(2025, 12, 31, 12, 0, tzinfo=UTC), today=D(2026, 1, 1), dry_run=False)
    assert "FC1" in items(due_at_new_year)
    # a plan may look ahead, and deletes nothing
    plan = sweep(now=datetime(2025, 12, 31, 12, 0, tzinfo=UTC), today=D(2026, 1, 1), dry_run=True)
    assert plan.counts["invoices"] == 1 and "FC1" in items(due_at_new_year)


@pytest.mark.django_db
def test_the_database_servers_clock_is_checked() -> None:
    if connection.vendor != "postgresql":
        check_database_clock(datetime(2000, 1, 1, tzinfo=UTC))  # SQLite: no second clock; nothing to compare
        return
    check_database_clock()
    with pytest.raises(ClockError, match="database server"):
        check_database_clock(datetime.now(UTC) + timedelta(hours=1))


# ------------------------------------------------------------------------------------------------ the job runner


class FakeClock:
    """A wall clock and a monotonic clock that the test moves, together or apart."""

    def __init__(self, wall: datetime) -> None:
        self.wall, self.mono = wall, 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    def jump(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)


def counting_job(calls: list[datetime]) -> dict[str, jobs.Job]:
    def run(now: datetime) -> dict[str, Any]:
        calls.append(now)
        return {"n": len(calls)}

    return {"test_job": jobs.Job("test_job", run)}


def cph(day: date, hour: int, minute: int = 0) -> datetime:
    from persondata.core.calendar import COPENHAGEN

    return datetime.combine(day, time(hour, minute), tzinfo=COPENHAGEN)


@pytest.mark.django_db
def test_a_job_runs_once_a_day_from_three_oclock() -> None:
    calls: list[datetime] = []
    clock = FakeClock(cph(D(2026, 3, 2), 2, 30))
    scheduler = jobs.Scheduler(lambda: clock.wall, lambda: clock.mono, counting_job(calls))
    assert [o.status for o in scheduler.tick()] == ["not_yet"]
    clock.advance(45 * 60)  # 03:15
    assert [o.status for o in scheduler.tick()] == ["done"]
    clock.advance(60)
    assert [o.status for o in scheduler.tick()] == ["done_today"]
    clock.advance(24 * 3600)  # the next day
    assert [o.status for o in scheduler.tick()] == ["done"]
    assert len(calls) == 2 and JobRun.objects.filter(job="test_job", status="done").count() == 2


@pytest.mark.django_db
def test_a_clock_jumping_forward_is_audited_and_waits_until_it_is_steady() -> None:
    calls: list[datetime] = []
    clock = FakeClock(cph(D(2026, 3, 2), 12, 0))
    scheduler = jobs.Scheduler(lambda: clock.wall, lambda: clock.mono, counting_job(calls))
    scheduler.tick()
    assert len(calls) == 1
    clock.advance(60)
    clock.jump(3 * 24 * 3600)  # the wall clock leaps three days ahead in a minute
    assert [o.status for o in scheduler.tick()] == ["clock_unsettled"]
    assert AuditEntry.objects.get(action="jobs.clock_jump").details["seconds"] == 3 * 24 * 3600
    clock.advance(10 * 60)
    assert [o.status for o in scheduler.tick()] == ["clock_unsettled"]
    clock.advance(25 * 60)  # steady for more than half an hour: the clock is believed again
    assert [o.status for o in scheduler.tick()] == ["done"]
    assert len(calls) == 2


@pytest.mark.django_db
def test_a_clock_set_back_never_reruns_a_day_or_runs_an_earlier_one() -> None:
    calls: list[datetime] = []
    clock = FakeClock(cph(D(2026, 3, 5), 12, 0))
    scheduler = jobs.Scheduler(lambda: clock.wall, lambda: clock.mono, counting_job(calls))
    scheduler.tick()
    clock.advance(60)
    clock.jump(-2 * 24 * 3600)  # back to 3 March
    scheduler.tick()
    clock.advance(3600)  # steady again, still "3 March"
    assert [o.status for o in scheduler.tick()] == ["clock_behind"]
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_sweep_after_a_clock_set_back_deletes_nothing_new(due_at_new_year: uuid.UUID) -> None:
    sweep(now=cph(D(2025, 12, 30), 12), dry_run=False)
    sweep(now=cph(D(2025, 12, 29), 12), dry_run=False)  # the clock went back a day
    assert "FC1" in items(due_at_new_year)


@contextmanager
def lock_held_elsewhere(name: str) -> Iterator[None]:
    """The lock taken by another instance: another PostgreSQL session, or a live process's SQLite lock row."""
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [locks._advisory_key(name)])
                assert cur.fetchone()[0]
            yield
        finally:
            other.close()
        return
    import socket

    JobLock.objects.create(
        name=name,
        holder=f"{socket.gethostname()}:1:0",  # process 1 is alive on every machine
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
    )
    yield


@pytest.mark.django_db
def test_a_job_held_by_another_instance_does_not_run_twice() -> None:
    calls: list[datetime] = []
    with lock_held_elsewhere("job:test_job"):
        outcomes = jobs.run_due_jobs(cph(D(2026, 3, 2), 4), counting_job(calls))
    assert [o.status for o in outcomes] == ["locked"] and calls == []


@pytest.mark.django_db
def test_a_sweep_refuses_while_another_runs() -> None:
    with lock_held_elsewhere("retention_sweep"), pytest.raises(SweepRefused, match="another retention sweep"):
        sweep(now=cph(D(2026, 3, 2), 4), dry_run=False)


@pytest.mark.django_db
def test_a_dead_holders_sqlite_lock_is_taken_over() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL releases an advisory lock when its session ends")
    import socket

    JobLock.objects.create(
        name="job:test_job", holder=f"{socket.gethostname()}:999999999:0", expires_at=datetime.now(UTC)
    )
    calls: list[datetime] = []
    assert [o.status for o in jobs.run_due_jobs(cph(D(2026, 3, 2), 4), counting_job(calls))] == ["done"]


@pytest.mark.django_db
def test_a_long_jobs_sqlite_lock_is_renewed_by_the_sweep_it_runs() -> None:
    """A sweep longer than the lease: the job's lock must stay taken, or a second worker would start the job."""
    if connection.vendor == "postgresql":
        pytest.skip("an advisory lock has no lease: it is held while its session lives")
    import socket

    other = locks.Lock("job:long_job", lambda: datetime.now(UTC))
    other.holder = f"{socket.gethostname()}:1:0"  # another worker, alive
    with locks.exclusive("job:long_job") as job_lock:
        assert job_lock is not None
        JobLock.objects.filter(name="job:long_job").update(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)
        )
        with locks.exclusive("retention_sweep") as sweep_lock:
            assert sweep_lock is not None
            sweep_lock.renew()  # as the sweep does after every chunk
        assert JobLock.objects.get(name="job:long_job").expires_at > datetime.now(UTC) + timedelta(minutes=10)
        assert not locks._try_sqlite("job:long_job", other)


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_runs_due_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    ran = threading.Event()

    def job(now: datetime) -> dict[str, Any]:
        ran.set()
        return {}

    monkeypatch.setattr(jobs, "JOBS", {"thread_job": jobs.Job("thread_job", job, at=time(0, 0))})
    thread = jobs.start_scheduler_thread(interval=0.05)
    try:
        assert jobs.start_scheduler_thread() is thread  # once per process
        assert ran.wait(20)
    finally:
        jobs.stop_scheduler_thread()
    assert not thread.is_alive()
    assert JobRun.objects.filter(job="thread_job", status="done").exists()
