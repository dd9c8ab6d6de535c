"""The legal calendar: every worked example of RULES.md, plus the edge cases around them.

Pure tests (no Django): run with `pytest tests/core/test_calendar.py -p no:django`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest

from persondata.core import calendar as cal
from persondata.core.calendar import (
    COPENHAGEN,
    DANISH_PUBLIC_HOLIDAYS,
    AccountingRetention,
    ClashRange,
    FinancialYear,
    MonthDay,
    accounting_retention,
    add_months,
    answer_due,
    answered_on_time,
    bookkeeping_earliest_deletion,
    breach_notification_deadline,
    breach_notified_in_time,
    claim_time_barred_from,
    clash_invoice_months,
    danish_holidays,
    deletion_allowed_from,
    describe_clash_months,
    extension_notice_due,
    is_working_day,
    legal_date,
    may_delete,
    min_consistent_policy_months,
    next_review,
    next_working_day,
    policy_latest_deletion,
    relevance_deletion,
    review_overdue,
)

D = date
CALENDAR_FY = FinancialYear()
FY_JUL = FinancialYear(7, 1)
FY_APR = FinancialYear(4, 1)
FY_OCT = FinancialYear(10, 1)
FY_MAR = FinancialYear(3, 1)
FY_AUG31 = FinancialYear(8, 31)
ALL_FYS = [CALENDAR_FY, FY_JUL, FY_APR, FY_OCT, FY_MAR, FY_AUG31, FinancialYear(1, 31), FinancialYear(12, 31)]

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def days(first: date, last: date) -> Iterator[date]:
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


# ----------------------------------------------------------------------------------------------------
# add_months (R3, R7)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: clamp to 29 Feb
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # common year: clamp to 28 Feb
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2024, 1, 29), 1, D(2024, 2, 29)),  # exists: no clamp needed
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),  # negative months clamp too
        (D(2024, 5, 31), -13, D(2023, 4, 30)),
        (D(2020, 12, 15), 1, D(2021, 1, 15)),  # across New Year
        (D(2021, 1, 15), -1, D(2020, 12, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2020, 8, 31), 66, D(2026, 2, 28)),
        (D(2024, 1, 31), 0, D(2024, 1, 31)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# ----------------------------------------------------------------------------------------------------
# FinancialYear (R1)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fy", "d", "start", "end", "label"),
    [
        (CALENDAR_FY, D(2020, 3, 15), D(2020, 1, 1), D(2020, 12, 31), "2020"),
        (CALENDAR_FY, D(2020, 1, 1), D(2020, 1, 1), D(2020, 12, 31), "2020"),
        (CALENDAR_FY, D(2020, 12, 31), D(2020, 1, 1), D(2020, 12, 31), "2020"),
        (FY_JUL, D(2020, 3, 15), D(2019, 7, 1), D(2020, 6, 30), "2019/20"),
        (FY_JUL, D(2020, 6, 30), D(2019, 7, 1), D(2020, 6, 30), "2019/20"),
        (FY_JUL, D(2020, 7, 1), D(2020, 7, 1), D(2021, 6, 30), "2020/21"),
        (FY_JUL, D(1999, 12, 31), D(1999, 7, 1), D(2000, 6, 30), "1999/00"),
        (FY_APR, D(2020, 3, 31), D(2019, 4, 1), D(2020, 3, 31), "2019/20"),
        (FY_APR, D(2020, 4, 1), D(2020, 4, 1), D(2021, 3, 31), "2020/21"),
        (FY_OCT, D(2020, 9, 30), D(2019, 10, 1), D(2020, 9, 30), "2019/20"),
        (FY_OCT, D(2020, 12, 31), D(2020, 10, 1), D(2021, 9, 30), "2020/21"),
        (FY_MAR, D(2020, 2, 29), D(2019, 3, 1), D(2020, 2, 29), "2019/20"),  # ends on a leap day
        (FY_MAR, D(2021, 2, 28), D(2020, 3, 1), D(2021, 2, 28), "2020/21"),
        (FY_AUG31, D(2020, 8, 30), D(2019, 8, 31), D(2020, 8, 30), "2019/20"),
        (FinancialYear(12, 31), D(2020, 12, 30), D(2019, 12, 31), D(2020, 12, 30), "2019/20"),
    ],
)
def test_financial_year_start_end_label(
    fy: FinancialYear, d: date, start: date, end: date, label: str
) -> None:
    assert fy.start_of(d) == start
    assert fy.end_of(d) == end
    assert fy.label(d) == label


@pytest.mark.parametrize(
    ("month", "day"), [(2, 29), (4, 31), (6, 31), (2, 30), (13, 1), (0, 1), (1, 0), (1, 32)]
)
def test_financial_year_rejects_days_that_do_not_exist_every_year(month: int, day: int) -> None:
    with pytest.raises(ValueError, match="financial year start"):
        FinancialYear(month, day)


def test_financial_year_accepts_28_february() -> None:
    fy = FinancialYear(2, 28)
    assert fy.end_of(D(2024, 3, 1)) == D(2025, 2, 27)
    assert fy.end_of(D(2023, 3, 1)) == D(2024, 2, 27)


# ----------------------------------------------------------------------------------------------------
# Accounting retention (R1, R3)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("invoice", "fy", "earliest", "policy_latest", "clash", "keep_until", "window_end"),
    [
        # RULES R3 table, row 1: clash: keep to 2025-12-31, delete on 2026-01-01, flag the policy
        (D(2020, 3, 15), CALENDAR_FY, D(2026, 1, 1), D(2025, 9, 15), True, D(2025, 12, 31), D(2026, 1, 1)),
        # RULES R3 table, row 2: delete in the window 2026-01-01 … 2026-03-10
        (D(2020, 9, 10), CALENDAR_FY, D(2026, 1, 1), D(2026, 3, 10), False, D(2025, 12, 31), D(2026, 3, 10)),
        # RULES R3 table, row 3 (FY 1 Jul–30 Jun): delete in the window 2025-07-01 … 2025-09-15
        (D(2020, 3, 15), FY_JUL, D(2025, 7, 1), D(2025, 9, 15), False, D(2025, 6, 30), D(2025, 9, 15)),
        # calendar FY boundaries: 30 Jun is the last clashing day, 1 Jul gives a one-day window
        (D(2020, 1, 1), CALENDAR_FY, D(2026, 1, 1), D(2025, 7, 1), True, D(2025, 12, 31), D(2026, 1, 1)),
        (D(2020, 6, 30), CALENDAR_FY, D(2026, 1, 1), D(2025, 12, 30), True, D(2025, 12, 31), D(2026, 1, 1)),
        (D(2020, 7, 1), CALENDAR_FY, D(2026, 1, 1), D(2026, 1, 1), False, D(2025, 12, 31), D(2026, 1, 1)),
        (D(2020, 12, 31), CALENDAR_FY, D(2026, 1, 1), D(2026, 6, 30), False, D(2025, 12, 31), D(2026, 6, 30)),
        # leap day invoice: policy latest 2025-08-29
        (D(2020, 2, 29), CALENDAR_FY, D(2026, 1, 1), D(2025, 8, 29), True, D(2025, 12, 31), D(2026, 1, 1)),
        # month-end invoice: policy latest clamps to 28 Feb
        (D(2020, 8, 31), CALENDAR_FY, D(2026, 1, 1), D(2026, 2, 28), False, D(2025, 12, 31), D(2026, 2, 28)),
        # FY 1 Jul: the first half of the financial year clashes
        (D(2020, 9, 10), FY_JUL, D(2026, 7, 1), D(2026, 3, 10), True, D(2026, 6, 30), D(2026, 7, 1)),
        (D(2021, 1, 1), FY_JUL, D(2026, 7, 1), D(2026, 7, 1), False, D(2026, 6, 30), D(2026, 7, 1)),
        # FY 1 Apr
        (D(2020, 3, 15), FY_APR, D(2025, 4, 1), D(2025, 9, 15), False, D(2025, 3, 31), D(2025, 9, 15)),
        (D(2020, 4, 15), FY_APR, D(2026, 4, 1), D(2025, 10, 15), True, D(2026, 3, 31), D(2026, 4, 1)),
        # FY 1 Oct
        (D(2020, 3, 15), FY_OCT, D(2025, 10, 1), D(2025, 9, 15), True, D(2025, 9, 30), D(2025, 10, 1)),
        (D(2020, 4, 1), FY_OCT, D(2025, 10, 1), D(2025, 10, 1), False, D(2025, 9, 30), D(2025, 10, 1)),
        (D(2020, 10, 15), FY_OCT, D(2026, 10, 1), D(2026, 4, 15), True, D(2026, 9, 30), D(2026, 10, 1)),
        # FY 1 Mar ending 28 Feb before a leap year: five *full* years → 1 Mar 2024, not 29 Feb 2024
        (D(2018, 6, 1), FY_MAR, D(2024, 3, 1), D(2023, 12, 1), True, D(2024, 2, 29), D(2024, 3, 1)),
        (D(2019, 6, 1), FY_MAR, D(2025, 3, 1), D(2024, 12, 1), True, D(2025, 2, 28), D(2025, 3, 1)),
    ],
)
def test_accounting_retention(
    invoice: date,
    fy: FinancialYear,
    earliest: date,
    policy_latest: date,
    clash: bool,
    keep_until: date,
    window_end: date,
) -> None:
    assert accounting_retention(invoice, fy) == AccountingRetention(
        invoice_date=invoice,
        earliest_deletion=earliest,
        policy_latest=policy_latest,
        delete_on=earliest,
        keep_until=keep_until,
        clash=clash,
        window_end=window_end,
    )


@pytest.mark.parametrize(
    ("invoice", "expected"),
    [
        (D(2020, 3, 15), D(2025, 9, 15)),
        (D(2020, 2, 29), D(2025, 8, 29)),
        (D(2020, 8, 31), D(2026, 2, 28)),
        (D(2021, 8, 31), D(2027, 2, 28)),
        (D(2022, 8, 31), D(2028, 2, 29)),
        (D(2020, 12, 31), D(2026, 6, 30)),
    ],
)
def test_policy_latest_deletion_is_5y6m_clamped(invoice: date, expected: date) -> None:
    assert policy_latest_deletion(invoice) == expected


def test_bookkeeping_years_and_policy_months_are_parameters() -> None:
    assert bookkeeping_earliest_deletion(D(2020, 3, 15), CALENDAR_FY, years=3) == D(2024, 1, 1)
    assert policy_latest_deletion(D(2020, 3, 15), months=72) == D(2026, 3, 15)
    assert not accounting_retention(D(2020, 3, 15), CALENDAR_FY, policy_max_months=72).clash


@pytest.mark.parametrize(
    "call",
    [
        lambda: bookkeeping_earliest_deletion(D(2020, 1, 1), CALENDAR_FY, years=-1),
        lambda: policy_latest_deletion(D(2020, 1, 1), months=-1),
        lambda: relevance_deletion(D(2020, 1, 1), months=-1),
        lambda: min_consistent_policy_months(-1),
    ],
)
def test_negative_periods_are_refused(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="must not be negative"):
        call()


# ----------------------------------------------------------------------------------------------------
# The clash between the policy and the law, per financial-year configuration (R3)
# ----------------------------------------------------------------------------------------------------


def cr(first: tuple[int, int], last: tuple[int, int]) -> ClashRange:
    return ClashRange(MonthDay(*first), MonthDay(*last))


@pytest.mark.parametrize(
    ("fy", "policy_months", "ranges", "months"),
    [
        (CALENDAR_FY, 66, [cr((1, 1), (6, 30))], [1, 2, 3, 4, 5, 6]),
        (FY_JUL, 66, [cr((7, 1), (12, 31))], [7, 8, 9, 10, 11, 12]),
        (FY_APR, 66, [cr((4, 1), (9, 30))], [4, 5, 6, 7, 8, 9]),
        (FY_OCT, 66, [cr((10, 1), (3, 31))], [10, 11, 12, 1, 2, 3]),  # across New Year, FY order
        (FY_MAR, 66, [cr((3, 1), (8, 31))], [3, 4, 5, 6, 7, 8]),
        # FY from 31 Aug: invoices up to 29 Feb (28 Feb in common years) clash, 1 Mar does not
        (FY_AUG31, 66, [cr((8, 31), (2, 29))], [8, 9, 10, 11, 12, 1, 2]),
        (FinancialYear(1, 31), 66, [cr((1, 31), (7, 30))], [1, 2, 3, 4, 5, 6, 7]),
        # a policy of 6 years never clashes; one of 5 years always does (the whole year)
        (CALENDAR_FY, 72, [], []),
        (FY_JUL, 72, [], []),
        (CALENDAR_FY, 60, [cr((1, 1), (12, 31))], list(range(1, 13))),
        (FY_OCT, 60, [cr((10, 1), (9, 30))], [10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        (CALENDAR_FY, 71, [cr((1, 1), (1, 31))], [1]),
    ],
)
def test_clash_invoice_months(
    fy: FinancialYear, policy_months: int, ranges: list[ClashRange], months: list[int]
) -> None:
    assert clash_invoice_months(fy, policy_max_months=policy_months) == ranges
    assert describe_clash_months(fy, policy_max_months=policy_months) == months


def in_range(fy: FinancialYear, d: date, rng: ClashRange) -> bool:
    """Is d's month/day within rng, walking from the financial year's start?"""

    def offset(md: tuple[int, int]) -> tuple[int, int]:
        month, day = md
        if month == fy.start_month and day < fy.start_day:
            return (12, day)  # the start month's days before the start day close the financial year
        return ((month - fy.start_month) % 12, day)

    return offset(rng.first) <= offset((d.month, d.day)) <= offset(rng.last)


@pytest.mark.parametrize("fy", ALL_FYS, ids=str)
@pytest.mark.parametrize("policy_months", [60, 66, 71, 72])
def test_clash_ranges_agree_with_accounting_retention_day_by_day(
    fy: FinancialYear, policy_months: int
) -> None:
    ranges = clash_invoice_months(fy, policy_max_months=policy_months)
    for d in days(D(2019, 1, 1), D(2028, 12, 31)):
        expected = accounting_retention(d, fy, policy_max_months=policy_months).clash
        assert any(in_range(fy, d, r) for r in ranges) == expected, d


@pytest.mark.parametrize("fy", ALL_FYS, ids=str)
def test_min_consistent_policy_months_is_the_smallest_that_never_clashes(fy: FinancialYear) -> None:
    smallest = min_consistent_policy_months()
    assert smallest == 72
    assert clash_invoice_months(fy, policy_max_months=smallest) == []
    assert clash_invoice_months(fy, policy_max_months=smallest - 1) != []


# ----------------------------------------------------------------------------------------------------
# Relevance and deletion (R2, R3, R4)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_relevant", "months", "delete_on"),
    [
        (D(2025, 1, 15), 12, D(2026, 1, 16)),
        (D(2024, 1, 31), 1, D(2024, 3, 1)),  # period ends 29 Feb, deletion on the day after
        (D(2023, 1, 31), 1, D(2023, 3, 1)),
        (D(2025, 12, 31), 6, D(2026, 7, 1)),
        (D(2025, 5, 5), 0, D(2025, 5, 6)),
    ],
)
def test_relevance_deletion_is_first_day_after_the_period(
    last_relevant: date, months: int, delete_on: date
) -> None:
    assert relevance_deletion(last_relevant, months) == delete_on


@pytest.mark.parametrize(
    ("due", "years", "barred_from"),
    [
        (D(2022, 3, 19), 3, D(2025, 3, 20)),  # forældelsesloven § 3: enforceable through 2025-03-19
        (D(2020, 2, 29), 3, D(2023, 3, 1)),  # 29 February: the period ends on 28 February
        (D(2022, 12, 31), 3, D(2026, 1, 1)),
        (D(2022, 3, 19), 5, D(2027, 3, 20)),  # a longer period chosen in the policy file
    ],
)
def test_a_claim_is_time_barred_the_day_after_its_period(due: date, years: int, barred_from: date) -> None:
    assert claim_time_barred_from(due, years) == barred_from


@pytest.mark.parametrize(
    ("dates", "hold_until", "allowed_from"),
    [
        ([D(2026, 1, 1)], None, D(2026, 1, 1)),
        ([D(2026, 1, 1), D(2025, 3, 1)], None, D(2026, 1, 1)),  # every keeping rule must have expired
        ([D(2026, 1, 1)], D(2026, 6, 30), D(2026, 7, 1)),  # a legal hold is inclusive of its end date
        ([D(2026, 1, 1)], D(2025, 6, 30), D(2026, 1, 1)),  # an expired hold changes nothing
        ([], D(2026, 6, 30), D(2026, 7, 1)),
    ],
)
def test_deletion_allowed_from(dates: list[date], hold_until: date | None, allowed_from: date) -> None:
    assert deletion_allowed_from(dates, hold_until) == allowed_from
    assert may_delete(allowed_from, dates, hold_until)
    assert not may_delete(allowed_from - timedelta(days=1), dates, hold_until)


def test_deletion_allowed_from_needs_a_rule() -> None:
    with pytest.raises(ValueError, match="at least one"):
        deletion_allowed_from([])


# ----------------------------------------------------------------------------------------------------
# Danish public holidays (R7)
# ----------------------------------------------------------------------------------------------------

RULES_NAMES_WITHOUT_STORE_BEDEDAG = set(DANISH_PUBLIC_HOLIDAYS) - {"Store bededag"}


@pytest.mark.parametrize(
    ("year", "names"),
    [
        (1990, set(DANISH_PUBLIC_HOLIDAYS)),
        (2023, set(DANISH_PUBLIC_HOLIDAYS)),
        (2024, RULES_NAMES_WITHOUT_STORE_BEDEDAG),
        (2025, RULES_NAMES_WITHOUT_STORE_BEDEDAG),
        (2030, RULES_NAMES_WITHOUT_STORE_BEDEDAG),
    ],
)
def test_danish_holidays_are_exactly_rules_r7_list(year: int, names: set[str]) -> None:
    table = danish_holidays(year)
    assert set(table.values()) == names
    assert len(table) == len(names)
    assert all(d.year == year for d in table)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2025, 1, 1), "Nytårsdag"),
        (D(2025, 4, 17), "Skærtorsdag"),
        (D(2025, 4, 18), "Langfredag"),
        (D(2025, 4, 20), "Påskedag"),
        (D(2025, 4, 21), "2. påskedag"),
        (D(2025, 5, 29), "Kristi himmelfartsdag"),
        (D(2025, 6, 8), "Pinsedag"),
        (D(2025, 6, 9), "2. pinsedag"),
        (D(2025, 12, 25), "Juledag"),
        (D(2025, 12, 26), "2. juledag"),
        (D(2023, 5, 5), "Store bededag"),
        (D(2024, 3, 29), "Langfredag"),
    ],
)
def test_danish_holiday_dates(day: date, name: str) -> None:
    assert danish_holidays(day.year)[day] == name
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2024, 4, 26),  # where Store bededag would have been: abolished from 2024
        D(2025, 5, 16),
        D(2025, 6, 5),  # Grundlovsdag (Thu): not a public holiday under R7
        D(2025, 12, 24),  # Juleaftensdag (Wed)
        D(2025, 12, 31),  # Nytårsaften (Wed)
        D(2025, 5, 1),  # Arbejdernes kampdag (Thu)
        D(2025, 5, 30),  # the day after Kristi himmelfart
    ],
)
def test_not_public_holidays_are_working_days(day: date) -> None:
    assert day.weekday() < SAT
    assert day not in danish_holidays(day.year)
    assert is_working_day(day)


def test_the_library_public_category_matches_rules_and_optional_days_are_left_out() -> None:
    """Documents what `holidays` returns for DK: its public category is R7's list (Store bededag up to 2023);
    its optional category holds Arbejdernes kampdag, Grundlovsdag, Juleaftensdag and Nytårsaften."""
    public = holidays.country_holidays("DK", years=2024, language="da")
    assert {
        cal._LIBRARY_NAME_TO_RULES.get(n, n) for n in public.values()
    } == RULES_NAMES_WITHOUT_STORE_BEDEDAG
    optional = holidays.country_holidays("DK", years=2024, language="da", categories=("optional",))
    assert set(optional.values()) == {"Arbejdernes kampdag", "Grundlovsdag", "Juleaftensdag", "Nytårsaften"}
    assert not set(optional) & set(danish_holidays(2024))


@pytest.fixture
def fake_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[date, str]]:
    fake: dict[date, str] = {}
    cal._holiday_table.cache_clear()
    monkeypatch.setattr(cal, "_library_holidays", lambda year: dict(fake))
    yield fake
    cal._holiday_table.cache_clear()


def complete_fake_year(year: int) -> dict[date, str]:
    library_names = ["Nytårsdag", "Skærtorsdag", "Langfredag", "Påskedag", "Anden påskedag"]
    library_names += ["Kristi himmelfartsdag", "Pinsedag", "Anden pinsedag", "Juledag", "Anden juledag"]
    return {date(year, 1, 1 + i): n for i, n in enumerate(library_names)}


def test_rules_list_filters_what_the_library_returns(fake_library: dict[date, str]) -> None:
    fake_library.update(complete_fake_year(2090))
    fake_library[D(2090, 6, 5)] = "Grundlovsdag"  # not in R7: dropped
    fake_library[D(2090, 5, 5)] = "Store bededag"  # abolished from 2024: dropped
    fake_library[D(2090, 1, 2)] = "Skærtorsdag; Juleaftensdag"  # combined names: keep only R7's
    table = danish_holidays(2090)
    assert D(2090, 6, 5) not in table
    assert D(2090, 5, 5) not in table
    assert table[D(2090, 1, 2)] == "Skærtorsdag"
    assert table[D(2090, 1, 5)] == "2. påskedag"


def test_missing_holiday_in_library_is_an_error(fake_library: dict[date, str]) -> None:
    fake_library.update(complete_fake_year(2090))
    del fake_library[D(2090, 1, 6)]  # no Kristi himmelfartsdag
    with pytest.raises(ValueError, match="Kristi himmelfartsdag"):
        danish_holidays(2090)


def test_year_outside_the_library_is_an_error() -> None:
    with pytest.raises(ValueError, match="no Danish holiday dates for 2200"):
        danish_holidays(2200)


def test_danish_holidays_returns_a_fresh_dict() -> None:
    table = danish_holidays(2025)
    table.clear()
    assert danish_holidays(2025)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (D(2025, 2, 17), D(2025, 2, 17)),  # a working day is itself
        (D(2025, 2, 15), D(2025, 2, 17)),  # Sat → Mon
        (D(2025, 4, 17), D(2025, 4, 22)),  # Skærtorsdag → Tue after 2. påskedag
        (D(2025, 12, 25), D(2025, 12, 29)),
        (D(2023, 5, 5), D(2023, 5, 8)),
    ],
)
def test_next_working_day(d: date, expected: date) -> None:
    assert next_working_day(d) == expected


# ----------------------------------------------------------------------------------------------------
# Answer deadlines (R6, R7)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "extension", "due", "due_weekday"),
    [
        # RULES R7 table
        (D(2025, 1, 15), 0, D(2025, 2, 17), MON),  # 15 Feb is a Saturday
        (D(2025, 1, 31), 0, D(2025, 2, 28), FRI),
        (D(2025, 1, 15), 2, D(2025, 4, 15), TUE),  # extended
        # one extension month only
        (D(2025, 1, 15), 1, D(2025, 3, 17), MON),  # 15 Mar is a Saturday
        # leap days: received 29/30/31 Jan 2024 → 29 Feb 2024
        (D(2024, 1, 29), 0, D(2024, 2, 29), THU),
        (D(2024, 1, 30), 0, D(2024, 2, 29), THU),
        (D(2024, 1, 31), 0, D(2024, 2, 29), THU),
        (D(2023, 1, 29), 0, D(2023, 2, 28), TUE),
        (D(2023, 1, 31), 0, D(2023, 2, 28), TUE),
        (D(2026, 1, 31), 0, D(2026, 3, 2), MON),  # 28 Feb 2026 is a Saturday
        (D(2024, 2, 29), 0, D(2024, 4, 2), TUE),  # 29 Mar 2024 Langfredag, 31 Mar Påskedag, 1 Apr 2. påskedag
        # month ends
        (D(2025, 3, 31), 0, D(2025, 4, 30), WED),
        (D(2024, 11, 30), 0, D(2024, 12, 30), MON),
        (D(2025, 12, 31), 0, D(2026, 2, 2), MON),  # 31 Jan 2026 is a Saturday
        # Easter 2025 (Skærtorsdag 17 Apr … 2. påskedag 21 Apr)
        (D(2025, 3, 17), 0, D(2025, 4, 22), TUE),  # due on Skærtorsdag
        (D(2025, 3, 18), 0, D(2025, 4, 22), TUE),  # Langfredag
        (D(2025, 3, 20), 0, D(2025, 4, 22), TUE),  # Påskedag
        (D(2025, 3, 21), 0, D(2025, 4, 22), TUE),  # 2. påskedag
        (D(2025, 3, 16), 0, D(2025, 4, 16), WED),  # the day before Skærtorsdag is a working day
        (D(2025, 1, 17), 2, D(2025, 4, 22), TUE),  # extended deadline on Skærtorsdag
        # Kristi himmelfartsdag, pinse
        (D(2025, 4, 29), 0, D(2025, 5, 30), FRI),
        (D(2024, 4, 9), 0, D(2024, 5, 10), FRI),
        (D(2025, 5, 8), 0, D(2025, 6, 10), TUE),  # Pinsedag (Sun) → 2. pinsedag (Mon) → Tue
        (D(2025, 5, 9), 0, D(2025, 6, 10), TUE),  # 2. pinsedag
        (D(2024, 4, 19), 0, D(2024, 5, 21), TUE),
        # Christmas and New Year
        (D(2025, 11, 25), 0, D(2025, 12, 29), MON),  # Juledag Thu, 2. juledag Fri, weekend
        (D(2024, 11, 25), 0, D(2024, 12, 27), FRI),  # Juledag Wed, 2. juledag Thu
        (D(2025, 11, 24), 0, D(2025, 12, 24), WED),  # Juleaftensdag is a working day
        (D(2024, 12, 1), 0, D(2025, 1, 2), THU),  # Nytårsdag
        (D(2025, 11, 30), 0, D(2025, 12, 30), TUE),
        # not public holidays under R7
        (D(2025, 5, 5), 0, D(2025, 6, 5), THU),  # Grundlovsdag
        (D(2024, 4, 1), 0, D(2024, 5, 1), WED),  # Arbejdernes kampdag
        # Store bededag: a holiday in 2023, abolished from 2024
        (D(2023, 4, 5), 0, D(2023, 5, 8), MON),  # due on Store bededag 2023-05-05 → rolls forward
        (D(2024, 3, 26), 0, D(2024, 4, 26), FRI),  # same weekday position in 2024: a working day
        (D(2022, 4, 13), 0, D(2022, 5, 16), MON),  # Store bededag 2022-05-13 → Mon
    ],
)
def test_answer_due(received: date, extension: int, due: date, due_weekday: int) -> None:
    assert answer_due(received, extension) == due
    assert due.weekday() == due_weekday


@pytest.mark.parametrize("extension", [3, 4, -1])
def test_answer_due_refuses_more_than_two_extension_months(extension: int) -> None:
    with pytest.raises(ValueError, match="at most 2 further months"):
        answer_due(D(2025, 1, 15), extension)


@pytest.mark.parametrize(
    ("received", "notice_due"),
    [(D(2025, 1, 15), D(2025, 2, 17)), (D(2025, 1, 31), D(2025, 2, 28)), (D(2023, 4, 5), D(2023, 5, 8))],
)
def test_extension_notice_is_due_within_the_first_month(received: date, notice_due: date) -> None:
    assert extension_notice_due(received) == notice_due == answer_due(received)


@pytest.mark.parametrize(
    ("received", "answered", "extension", "on_time"),
    [
        (D(2025, 1, 15), D(2025, 2, 17), 0, True),
        (D(2025, 1, 15), D(2025, 2, 18), 0, False),
        (D(2025, 1, 15), D(2025, 4, 15), 2, True),
        (D(2025, 1, 15), D(2025, 4, 16), 2, False),
    ],
)
def test_answered_on_time(received: date, answered: date, extension: int, on_time: bool) -> None:
    assert answered_on_time(received, answered, extension) is on_time


# ----------------------------------------------------------------------------------------------------
# Breaches (R16)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aware_at", "deadline"),
    [
        # RULES R16: aware Fri 2025-10-03 14:20 → deadline Mon 2025-10-06 14:20 (straight through the weekend)
        (datetime(2025, 10, 3, 14, 20, tzinfo=COPENHAGEN), datetime(2025, 10, 6, 14, 20, tzinfo=COPENHAGEN)),
        (datetime(2025, 10, 3, 12, 20, tzinfo=UTC), datetime(2025, 10, 6, 12, 20, tzinfo=UTC)),
        # through Easter: holidays do not extend an hour period
        (datetime(2025, 4, 17, 9, 0, tzinfo=COPENHAGEN), datetime(2025, 4, 20, 9, 0, tzinfo=COPENHAGEN)),
        # autumn DST change (26 Oct 2025, 03:00 CEST → 02:00 CET): 72 real hours are 11:00 on the wall clock
        (datetime(2025, 10, 24, 12, 0, tzinfo=COPENHAGEN), datetime(2025, 10, 27, 11, 0, tzinfo=COPENHAGEN)),
        # spring DST change (30 Mar 2025, 02:00 CET → 03:00 CEST): 13:00 on the wall clock
        (datetime(2025, 3, 28, 12, 0, tzinfo=COPENHAGEN), datetime(2025, 3, 31, 13, 0, tzinfo=COPENHAGEN)),
        # a fixed offset is kept as it is
        (
            datetime(2025, 10, 24, 12, 0, tzinfo=timezone(timedelta(hours=2))),
            datetime(2025, 10, 27, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_breach_notification_deadline(aware_at: datetime, deadline: datetime) -> None:
    result = breach_notification_deadline(aware_at)
    assert result == deadline
    assert result.astimezone(UTC) - aware_at.astimezone(UTC) == timedelta(hours=72)  # real hours
    assert result.tzinfo is aware_at.tzinfo
    assert (result.hour, result.minute) == (deadline.hour, deadline.minute)  # same wall clock as expected


def test_breach_deadline_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        breach_notification_deadline(datetime(2025, 10, 3, 14, 20))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("notified_at", "in_time"),
    [
        (datetime(2025, 10, 6, 12, 20, tzinfo=UTC), True),  # 14:20 in Copenhagen: exactly 72 hours
        (datetime(2025, 10, 6, 12, 21, tzinfo=UTC), False),
    ],
)
def test_breach_notified_in_time(notified_at: datetime, in_time: bool) -> None:
    aware_at = datetime(2025, 10, 3, 14, 20, tzinfo=COPENHAGEN)
    assert breach_notified_in_time(aware_at, notified_at) is in_time


# ----------------------------------------------------------------------------------------------------
# The half-yearly control (R17)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "months", "due"),
    [
        (D(2025, 1, 15), 6, D(2025, 7, 15)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2025, 3, 1), 12, D(2026, 3, 1)),
    ],
)
def test_next_review(last: date, months: int, due: date) -> None:
    assert next_review(last, months) == due


@pytest.mark.parametrize(
    ("last", "today", "overdue"),
    [
        (None, D(2025, 1, 1), True),  # never reviewed
        (D(2025, 1, 15), D(2025, 7, 14), False),
        (D(2025, 1, 15), D(2025, 7, 15), False),  # the due day itself is on time
        (D(2025, 1, 15), D(2025, 7, 16), True),
        (D(2025, 8, 31), D(2026, 3, 1), True),
    ],
)
def test_review_overdue(last: date | None, today: date, overdue: bool) -> None:
    assert review_overdue(last, today) is overdue


def test_review_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1 month"):
        next_review(D(2025, 1, 1), 0)


# ----------------------------------------------------------------------------------------------------
# legal_date
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), D(2026, 1, 1)),  # CET: already New Year in Copenhagen
        (datetime(2025, 12, 31, 22, 59, tzinfo=UTC), D(2025, 12, 31)),
        (datetime(2025, 6, 30, 22, 0, tzinfo=UTC), D(2025, 7, 1)),  # CEST: +2 hours
        (datetime(2025, 6, 30, 21, 59, tzinfo=UTC), D(2025, 6, 30)),
        (datetime(2025, 6, 30, 1, 0, tzinfo=timezone(timedelta(hours=-5))), D(2025, 6, 30)),
    ],
)
def test_legal_date_is_copenhagen_date(at: datetime, expected: date) -> None:
    assert legal_date(at) == expected


def test_legal_date_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        legal_date(datetime(2025, 6, 30, 22, 0))  # noqa: DTZ001 - the point of the test


# ----------------------------------------------------------------------------------------------------
# Properties over a few thousand dates (deterministic)
# ----------------------------------------------------------------------------------------------------

PROPERTY_DAYS = list(days(D(2019, 1, 1), D(2031, 12, 31)))


@pytest.mark.parametrize("extension", [0, 1, 2])
def test_answer_due_is_a_working_day_within_five_days_of_the_clamped_date(extension: int) -> None:
    for received in PROPERTY_DAYS:
        clamped = add_months(received, 1 + extension)
        due = answer_due(received, extension)
        assert is_working_day(due), received
        assert clamped <= due <= clamped + timedelta(days=5), received
        assert due == clamped or not is_working_day(clamped), received


@pytest.mark.parametrize("fy", ALL_FYS, ids=str)
def test_delete_on_is_never_before_five_years_after_the_financial_year_end(fy: FinancialYear) -> None:
    for invoice in PROPERTY_DAYS:
        r = accounting_retention(invoice, fy)
        end = fy.end_of(invoice)
        assert r.delete_on > add_months(end, 60), invoice
        assert r.delete_on == fy.start_of(r.delete_on), invoice  # deletion starts with a financial year
        assert r.keep_until == r.delete_on - timedelta(days=1)
        assert r.clash is (r.policy_latest < r.delete_on)
        assert r.window_end >= r.delete_on
        assert fy.start_of(invoice) <= invoice <= end
