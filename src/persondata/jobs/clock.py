"""Clock safety: a deletion is never early because a clock is wrong or a time zone is confused.

- Every rule is evaluated on the *legal date* of an aware ``now`` in Europe/Copenhagen (``calendar.legal_date``);
  a naive datetime is refused, so local time can never be taken for UTC or the other way round.
- ``retention run`` refuses a date after today: a run never deletes what falls due tomorrow.
- On PostgreSQL the machine's clock is compared with the database server's before a sweep deletes anything;
  a difference of more than :data:`MAX_SKEW` stops the sweep.
- The job runner (``persondata.jobs.runner``) watches for the wall clock jumping against the monotonic clock,
  and runs the daily sweep only from 03:00 Copenhagen time, so a clock up to three hours fast still cannot
  make anything due a day early.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone

from persondata.core.calendar import legal_date

MAX_SKEW = timedelta(minutes=5)


class ClockError(Exception):
    """The clock cannot be trusted for a deletion; the message says what to check."""


def legal_today(now: datetime) -> date:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ClockError("a naive time was given; retention needs an aware time (UTC or with its offset)")
    return legal_date(now)


def check_run_date(day: date, now: datetime) -> date:
    """The day a run may delete for: ``day`` itself, provided it is not after today in Denmark."""
    today = legal_today(now)
    if day > today:
        raise ClockError(
            f"{day.isoformat()} is after today ({today.isoformat()} in Denmark): a run never deletes early; "
            "use 'retention plan --date' to see what will be deleted then"
        )
    return day


def check_database_clock(machine_now: datetime | None = None) -> None:
    """PostgreSQL: refuse when this machine's clock and the database server's differ by more than 5 minutes.

    ``machine_now`` is this machine's wall clock (``timezone.now()``), not the day a plan is evaluated for.
    """
    now = machine_now or timezone.now()
    if connection.vendor != "postgresql":
        return  # SQLite lives on this machine: there is no second clock to compare with
    with connection.cursor() as cur:
        cur.execute("SELECT now()")
        db_now = cur.fetchone()[0]
    skew = abs(db_now - now)
    if skew > MAX_SKEW:
        raise ClockError(
            f"this machine's clock differs from the database server's by {int(skew.total_seconds() // 60)} "
            "minutes; nothing was deleted. Set both clocks right (NTP) and run again"
        )
