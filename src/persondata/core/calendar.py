"""The legal calendar: every date the law (RULES.md) makes the software compute, and nothing else.

This is the only place in the project that computes a legal date. It is pure: no Django, no clock, no I/O
other than the `holidays` package's built-in tables. Every function takes the dates (or the aware `now`) it
needs as arguments, so a deadline can be recomputed and explained for any day in the past or the future.

Rules covered (numbers refer to RULES.md):

- R1/R3  accounting retention: 5 years from the end of the *financial year*, against the policy's 5y6m
         from the invoice date, and the clash when the policy would delete before the law allows it.
- R2     "deleted when no longer relevant": the first day after a relevance period.
- R3/R4  a record may be deleted only when every keeping rule has expired and no legal hold is set.
- R6/R7  one month to answer a request (+ at most two further months), counted under Regulation
         1182/71 Art. 3, rolled forward over Saturdays, Sundays and Danish public holidays.
- R16    72 hours to notify a breach, counted straight through weekends, holidays and DST changes.
- R17    the half-yearly control.

Day-based results are calendar dates in Denmark (see `legal_date`); hour-based results are aware datetimes.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "BREACH_NOTIFICATION_HOURS",
    "COPENHAGEN",
    "DANISH_PUBLIC_HOLIDAYS",
    "MAX_EXTENSION_MONTHS",
    "STORE_BEDEDAG",
    "STORE_BEDEDAG_LAST_YEAR",
    "AccountingRetention",
    "ClashRange",
    "FinancialYear",
    "MonthDay",
    "accounting_retention",
    "add_months",
    "answer_due",
    "answered_on_time",
    "bookkeeping_earliest_deletion",
    "breach_notification_deadline",
    "breach_notified_in_time",
    "clash_invoice_months",
    "danish_holidays",
    "deletion_allowed_from",
    "describe_clash_months",
    "extension_notice_due",
    "is_working_day",
    "legal_date",
    "may_delete",
    "min_consistent_policy_months",
    "next_review",
    "next_working_day",
    "policy_latest_deletion",
    "relevance_deletion",
    "review_overdue",
]

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
ONE_DAY = timedelta(days=1)

#: R6 (GDPR Art. 12(3)): the one-month answer may be extended "by two further months".
MAX_EXTENSION_MONTHS = 2
#: R16 (GDPR Art. 33(1)): notify "where feasible, not later than 72 hours after having become aware".
BREACH_NOTIFICATION_HOURS = 72

STORE_BEDEDAG = "Store bededag"
#: R7: Store bededag is a public holiday until 2023 and abolished from 2024 (lov nr. 207 af 28/02/2023).
STORE_BEDEDAG_LAST_YEAR = 2023

#: R7's list of Danish public holidays, in RULES.md's spelling. This list is the authority; the holiday
#: library only supplies the dates (Easter-dependent days are not hand-computed here).
DANISH_PUBLIC_HOLIDAYS: tuple[str, ...] = (
    "Nytårsdag",
    "Skærtorsdag",
    "Langfredag",
    "Påskedag",
    "2. påskedag",
    "Kristi himmelfartsdag",
    "Pinsedag",
    "2. pinsedag",
    "Juledag",
    "2. juledag",
    STORE_BEDEDAG,
)

# The holiday library's Danish names ("da") that differ from RULES.md's spelling.
_LIBRARY_NAME_TO_RULES = {
    "Anden påskedag": "2. påskedag",
    "Anden pinsedag": "2. pinsedag",
    "Anden juledag": "2. juledag",
}


# ----------------------------------------------------------------------------------------------------
# Month arithmetic (R3, R7)
# ----------------------------------------------------------------------------------------------------


def _last_day_of_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def add_months(d: date, months: int) -> date:
    """The same date `months` later (or earlier, if negative), clamped to the last day of the target month.

    R3 ("a day that does not exist in that month → last day of the month") and R7 (1182/71 Art. 3(2)(c):
    "if the day on which a period expressed in months should expire does not occur in the last month, the
    period ends with the expiry of the last hour of the last day of that month").
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(d.day, _last_day_of_month(year, month)))


def _add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)


def _require_not_negative(value: int, what: str) -> None:
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")


# ----------------------------------------------------------------------------------------------------
# Financial year (R1)
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinancialYear:
    """The company's financial year, given by its first day (R1: "the clock starts at the end of the company's
    financial year"). Calendar year by default; 1 July–30 June is `FinancialYear(7, 1)`.

    The first day may be any real day of a month except 29 February, which does not exist every year.
    """

    start_month: int = 1
    start_day: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise ValueError(f"financial year start month must be 1..12, got {self.start_month}")
        # 2023 is not a leap year, so 29 February is refused along with 31 April and the like.
        last = _last_day_of_month(2023, self.start_month)
        if not 1 <= self.start_day <= last:
            raise ValueError(
                f"financial year start day must be 1..{last} for month {self.start_month} "
                f"(29 February is not allowed: it does not exist every year), got {self.start_day}"
            )

    @property
    def is_calendar_year(self) -> bool:
        return (self.start_month, self.start_day) == (1, 1)

    def _start_in(self, year: int) -> date:
        return date(year, self.start_month, self.start_day)

    def start_of(self, d: date) -> date:
        """First day of the financial year containing `d`."""
        start = self._start_in(d.year)
        return start if d >= start else self._start_in(d.year - 1)

    def end_of(self, d: date) -> date:
        """Last day of the financial year containing `d` (R1: the day the 5-year clock starts from)."""
        return self._start_in(self.start_of(d).year + 1) - ONE_DAY

    def label(self, d: date) -> str:
        """Label: "2020" for a calendar financial year, "2020/21" for one spanning two calendar years."""
        start = self.start_of(d)
        if self.is_calendar_year:
            return str(start.year)
        return f"{start.year}/{(start.year + 1) % 100:02d}"


# ----------------------------------------------------------------------------------------------------
# Accounting retention (R1, R2, R3)
# ----------------------------------------------------------------------------------------------------


def bookkeeping_earliest_deletion(invoice_date: date, fy: FinancialYear, years: int = 5) -> date:
    """R1/R3: the first day accounting material may be deleted: end of its financial year + `years` + 1 day.

    Computed as the first day of the financial year that starts `years` after the one following the
    invoice's financial year: this equals `end_of_fy + years + 1 day` in every case except a financial year
    that ends on 28 February before a leap year (e.g. FY 1 Mar 2018–28 Feb 2019), where the literal formula
    would give 29 February 2024 — one day short of five full years. The law wins, so the later day is used.
    """
    _require_not_negative(years, "bookkeeping years")
    next_fy_start = fy.end_of(invoice_date) + ONE_DAY
    return _add_years(next_fy_start, years)


def policy_latest_deletion(invoice_date: date, months: int = 66) -> date:
    """R3: the policy's own latest deletion day, `invoice_date + 5 years 6 months` by default (clamped)."""
    _require_not_negative(months, "policy maximum months")
    return add_months(invoice_date, months)


@dataclass(frozen=True)
class AccountingRetention:
    """R3 outcome for one invoice or payment record (accounting material under R2).

    - `delete_on`: the first day deletion is allowed (= `earliest_deletion`: the law's keeping duty
      has ended).
    - `keep_until`: the last day the record must be kept (= `delete_on` - 1 day).
    - `clash`: the policy's latest day comes before the law allows deletion: the law wins (keep until
      `keep_until`) and the policy must be flagged as inconsistent with the law.
    - `window_end`: the last day deletion is still within the policy (= `policy_latest`; = `delete_on` when
      there is a clash, because deleting on the first lawful day is the closest the policy can be honoured).
    """

    invoice_date: date
    earliest_deletion: date
    policy_latest: date
    delete_on: date
    keep_until: date
    clash: bool
    window_end: date


def accounting_retention(
    invoice_date: date,
    fy: FinancialYear,
    bookkeeping_years: int = 5,
    policy_max_months: int = 66,
) -> AccountingRetention:
    """R3: when an invoice (and the buyer's name and address on it, R2) may and must be deleted."""
    earliest = bookkeeping_earliest_deletion(invoice_date, fy, bookkeeping_years)
    latest = policy_latest_deletion(invoice_date, policy_max_months)
    clash = latest < earliest
    return AccountingRetention(
        invoice_date=invoice_date,
        earliest_deletion=earliest,
        policy_latest=latest,
        delete_on=earliest,
        keep_until=earliest - ONE_DAY,
        clash=clash,
        window_end=earliest if clash else latest,
    )


def min_consistent_policy_months(bookkeeping_years: int = 5) -> int:
    """R3: the smallest policy maximum (in months from the invoice date) that never clashes with R1.

    The worst case is an invoice dated on the first day of a financial year: the law keeps it for the rest
    of that year plus `bookkeeping_years` whole years, i.e. exactly `bookkeeping_years + 1` years after the
    invoice date. This holds for every financial-year start (its first day is never 29 February). Used for
    the wording to fix when the policy is flagged ("5 år og 6 måneder" → at least "6 år" for 5 years).
    """
    _require_not_negative(bookkeeping_years, "bookkeeping years")
    return 12 * (bookkeeping_years + 1)


class MonthDay(NamedTuple):
    """A day of the year without a year, e.g. (6, 30) for 30 June; (2, 29) exists only in leap years."""

    month: int
    day: int


class ClashRange(NamedTuple):
    """Invoices dated `first` … `last` clash (inclusive, in financial-year order, maybe across New Year)."""

    first: MonthDay
    last: MonthDay


# Four consecutive financial years cover every leap-year position of both the invoice and the policy day.
_REFERENCE_FY_START_YEARS = range(2021, 2025)


def _clash_prefix_end(
    fy: FinancialYear, start_year: int, bookkeeping_years: int, policy_months: int
) -> date | None:
    """Last invoice day of one financial year that clashes, or None.

    Within one financial year the law's deletion day is constant and the policy day never decreases with the
    invoice date, so the clashing invoices always form a prefix of the year: scan until the first non-clash.
    """
    day = fy._start_in(start_year)
    end = fy.end_of(day)
    last: date | None = None
    while day <= end and accounting_retention(day, fy, bookkeeping_years, policy_months).clash:
        last = day
        day += ONE_DAY
    return last


def _reference_date(fy: FinancialYear, md: MonthDay) -> date:
    """Place a month/day in a reference financial year that contains a 29 February (for ordering)."""
    ref_start_year = 2024 if fy.start_month <= 2 else 2023
    year = ref_start_year if (md.month, md.day) >= (fy.start_month, fy.start_day) else ref_start_year + 1
    return date(year, md.month, md.day)


@lru_cache(maxsize=256)
def _clash_ranges(fy: FinancialYear, bookkeeping_years: int, policy_months: int) -> tuple[ClashRange, ...]:
    ends = [_clash_prefix_end(fy, y, bookkeeping_years, policy_months) for y in _REFERENCE_FY_START_YEARS]
    found = [MonthDay(d.month, d.day) for d in ends if d is not None]
    if not found:
        return ()
    last = max(found, key=lambda md: _reference_date(fy, md))
    return (ClashRange(MonthDay(fy.start_month, fy.start_day), last),)


def clash_invoice_months(
    fy: FinancialYear, bookkeeping_years: int = 5, policy_max_months: int = 66
) -> list[ClashRange]:
    """R3: which invoice dates clash (policy latest before the law's earliest deletion) for this config.

    Returns a list of `ClashRange((first_month, first_day), (last_month, last_day))`, inclusive, in
    financial-year order; empty when the policy never clashes. The clash set is always a prefix of the
    financial year, so the list has at most one range. A range that ends on (2, 29) also covers 28 February
    in common years. Example: calendar FY, 5y6m → `[((1, 1), (6, 30))]` (invoices dated 1 January–30 June).
    """
    return list(_clash_ranges(fy, bookkeeping_years, policy_max_months))


def describe_clash_months(
    fy: FinancialYear, bookkeeping_years: int = 5, policy_max_months: int = 66
) -> list[int]:
    """R3: the calendar months (1..12) with at least one clashing invoice day, in financial-year order.

    For the flag's wording ("invoices dated January–June"); a partly affected month is included —
    `clash_invoice_months` has the exact days.
    """
    months: list[int] = []
    for first, last in clash_invoice_months(fy, bookkeeping_years, policy_max_months):
        day = _reference_date(fy, first)
        stop = _reference_date(fy, last)
        while day <= stop:
            if day.month not in months:
                months.append(day.month)
            day = add_months(day.replace(day=1), 1)
    return months


def relevance_deletion(last_relevant: date, months: int) -> date:
    """R2 (GDPR Art. 5(1)(e)): the first day after a relevance period of `months` from `last_relevant`.

    The period is counted like every month period here (1182/71 Art. 3): it ends at the end of the same date
    `months` later (clamped to the month's last day), so deletion falls due on the day after.
    """
    _require_not_negative(months, "relevance months")
    return add_months(last_relevant, months) + ONE_DAY


def claim_time_barred_from(due_date: date, years: int = 3) -> date:
    """Forældelsesloven § 3, stk. 1 (with § 2, stk. 1): a claim is time-barred ``years`` after the day payment
    could be demanded, its due date. Counted like every period here (1182/71 Art. 3): the period ends at the end
    of the same date ``years`` later (29 February → 28 February), so the claim is barred from the day after.
    """
    _require_not_negative(years, "limitation years")
    return _add_years(due_date, years) + ONE_DAY


def deletion_allowed_from(deletion_dates: Iterable[date], legal_hold_until: date | None = None) -> date:
    """R3/R4: the first day a record may be deleted: every keeping rule has expired and no legal hold is set.

    `deletion_dates` are the first deletion days of each rule that keeps the record (e.g.
    `AccountingRetention.delete_on`, `relevance_deletion(...)`); `legal_hold_until` is the hold's end date
    (R4, Art. 17(3)(e)), inclusive: the record is held through that day.
    """
    candidates = list(deletion_dates)
    if legal_hold_until is not None:
        candidates.append(legal_hold_until + ONE_DAY)
    if not candidates:
        raise ValueError("at least one deletion date (or a legal hold) is needed")
    return max(candidates)


def may_delete(today: date, deletion_dates: Iterable[date], legal_hold_until: date | None = None) -> bool:
    """R3/R4: may the record be deleted on `today`?"""
    return today >= deletion_allowed_from(deletion_dates, legal_hold_until)


# ----------------------------------------------------------------------------------------------------
# Danish public holidays and working days (R7)
# ----------------------------------------------------------------------------------------------------


def _rules_name(library_name: str) -> str:
    return _LIBRARY_NAME_TO_RULES.get(library_name, library_name)


def _is_rules_holiday(name: str, year: int) -> bool:
    if name == STORE_BEDEDAG:
        return year <= STORE_BEDEDAG_LAST_YEAR
    return name in DANISH_PUBLIC_HOLIDAYS


def _library_holidays(year: int) -> dict[date, str]:
    """The holiday library's Danish *public* holidays (not the "optional" category: Grundlovsdag,
    Juleaftensdag, Nytårsaften, 1. maj are not public holidays and are left out on purpose)."""
    table = holidays.country_holidays("DK", years=year, language="da", categories=(holidays.PUBLIC,))
    return {day: str(name) for day, name in table.items()}


@lru_cache(maxsize=512)
def _holiday_table(year: int) -> Mapping[date, str]:
    """R7: Danish public holidays of `year`, with RULES.md's list as the authority over the library's.

    The library gives the dates (Easter-dependent days included). Any name it returns that R7 does not list
    is dropped, Store bededag is dropped from 2024, and a holiday R7 requires but the library lacks is an
    error (better no deadline than a wrong one).
    """
    result: dict[date, str] = {}
    for day, joined in _library_holidays(year).items():
        names = [_rules_name(n.strip()) for n in joined.split(";")]
        kept = [n for n in names if _is_rules_holiday(n, year)]
        if kept:
            result[day] = "; ".join(kept)
    expected = {n for n in DANISH_PUBLIC_HOLIDAYS if _is_rules_holiday(n, year)}
    present = {n for joined in result.values() for n in joined.split("; ")}
    missing = expected - present
    if missing:
        raise ValueError(f"no Danish holiday dates for {year}: the holiday library lacks {sorted(missing)}")
    return MappingProxyType(result)


def danish_holidays(year: int) -> dict[date, str]:
    """R7: the Danish public holidays of `year` (a fresh dict, date → RULES.md name), e.g.
    `{date(2025, 4, 18): "Langfredag", ...}`. Store bededag is included up to and including 2023 only."""
    return dict(_holiday_table(year))


def is_working_day(d: date) -> bool:
    """R7: Monday–Friday and not a Danish public holiday."""
    return d.weekday() < 5 and d not in _holiday_table(d.year)


def next_working_day(d: date) -> date:
    """R7 (1182/71 Art. 3(4)): `d` itself if it is a working day, else the next working day."""
    while not is_working_day(d):
        d += ONE_DAY
    return d


# ----------------------------------------------------------------------------------------------------
# Requests from customers (R6, R7)
# ----------------------------------------------------------------------------------------------------


def answer_due(received: date, extension_months: int = 0) -> date:
    """R6/R7: the last day to answer a request received on `received` (refusals too, Art. 12(4)).

    One month (GDPR Art. 12(3)) plus 0–2 extension months, counted from the day of receipt as one period of
    1 + `extension_months` months (R7's example: received 15 Jan, extended → 15 Apr): the same date that many
    months later, the month's last day if that date does not exist, then rolled forward to a working day.
    """
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(
            f"extension_months must be 0..{MAX_EXTENSION_MONTHS}: GDPR Art. 12(3) allows at most "
            f"{MAX_EXTENSION_MONTHS} further months, got {extension_months}"
        )
    return next_working_day(add_months(received, 1 + extension_months))


def extension_notice_due(received: date) -> date:
    """R6: the customer must be told of an extension, with reasons, within the first month."""
    return answer_due(received)


def answered_on_time(received: date, answered: date, extension_months: int = 0) -> bool:
    """R6/R17: was the request answered by its due day (for the half-yearly control's "on time" check)?"""
    return answered <= answer_due(received, extension_months)


# ----------------------------------------------------------------------------------------------------
# Breaches (R16)
# ----------------------------------------------------------------------------------------------------


def _require_aware(at: datetime, what: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {at.isoformat()}")


def breach_notification_deadline(aware_at: datetime) -> datetime:
    """R16 (GDPR Art. 33(1), 1182/71 Art. 3(3)): 72 real hours after becoming aware, straight through
    weekends, holidays and DST changes; in `aware_at`'s own timezone.

    Computed in UTC: adding a timedelta to a zoned datetime is wall-clock arithmetic in Python, which would be
    71 or 73 real hours across a DST change.
    """
    _require_aware(aware_at, "aware_at")
    tz = aware_at.tzinfo
    deadline_utc = aware_at.astimezone(UTC) + timedelta(hours=BREACH_NOTIFICATION_HOURS)
    return deadline_utc.astimezone(tz)


def breach_notified_in_time(aware_at: datetime, notified_at: datetime) -> bool:
    """R16: notified within 72 hours? If not, the notification must give the reasons for the delay."""
    _require_aware(notified_at, "notified_at")
    return notified_at <= breach_notification_deadline(aware_at)


# ----------------------------------------------------------------------------------------------------
# The half-yearly control (R17)
# ----------------------------------------------------------------------------------------------------


def next_review(last_review: date, months: int = 6) -> date:
    """R17: the day the next control is due, `months` (the policy's choice, 6 by default) after the last."""
    if months < 1:
        raise ValueError(f"review interval must be at least 1 month, got {months}")
    return add_months(last_review, months)


def review_overdue(last_review: date | None, today: date, months: int = 6) -> bool:
    """R17: never reviewed, or `today` is past the due day (the due day itself is still on time)."""
    if last_review is None:
        return True
    return today > next_review(last_review, months)


# ----------------------------------------------------------------------------------------------------
# Dates in Denmark
# ----------------------------------------------------------------------------------------------------


def legal_date(at: datetime) -> date:
    """The calendar date in Denmark (Europe/Copenhagen) of an aware instant: the day every day-based rule
    (R3, R6, R7, R17) counts from. 23:30 UTC on 31 December is already 1 January in Copenhagen."""
    _require_aware(at, "at")
    return at.astimezone(COPENHAGEN).date()


def backups_unreadable_by(erased_on: date, key_store_rotation_days: int) -> date:
    """The day by which data erased on ``erased_on`` is unreadable in every backup (RULES R5; docs/backups.md).

    The erasure destroys the data key in the key store at once; database backups hold no keys, and the key
    store's own backups taken before the erasure are deleted ``key_store_rotation_days`` after they were taken
    (policy ``[backups]``): the last of them, taken on the day of the erasure, is gone that many days later."""
    return erased_on + timedelta(days=key_store_rotation_days)
