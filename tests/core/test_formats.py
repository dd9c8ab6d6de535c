"""``core/formats.py``: money, numbers, dates and times, the Danish way and the English way (table-driven)."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from persondata.core import formats

NB = "\u00a0"


@pytest.mark.parametrize(
    ("minor_units", "currency", "da", "en"),
    [
        (123450, "DKK", f"1.234,50{NB}kr.", f"DKK{NB}1,234.50"),
        (24950, "DKK", f"249,50{NB}kr.", f"DKK{NB}249.50"),
        (0, "DKK", f"0,00{NB}kr.", f"DKK{NB}0.00"),
        (5, "DKK", f"0,05{NB}kr.", f"DKK{NB}0.05"),
        (-123450, "DKK", f"-1.234,50{NB}kr.", f"DKK{NB}-1,234.50"),
        (123456789, "DKK", f"1.234.567,89{NB}kr.", f"DKK{NB}1,234,567.89"),
        (99900, "EUR", f"999,00{NB}EUR", f"EUR{NB}999.00"),
        (100000, "eur", f"1.000,00{NB}EUR", f"EUR{NB}1,000.00"),
        (None, "DKK", "", ""),
    ],
)
def test_money(minor_units: int | None, currency: str, da: str, en: str) -> None:
    assert formats.money(minor_units, currency, "da") == da
    assert formats.money(minor_units, currency, "en") == en


@pytest.mark.parametrize(
    ("minor_units", "point", "comma"),
    [
        (124950, "1249.50", "1249,50"),
        (5, "0.05", "0,05"),
        (-100, "-1.00", "-1,00"),
        (123456789, "1234567.89", "1234567,89"),
    ],
)
def test_plain_amounts_for_machines(minor_units: int, point: str, comma: str) -> None:
    assert (formats.plain_amount(minor_units), formats.plain_amount(minor_units, mark=",")) == (point, comma)


@pytest.mark.parametrize(
    ("value", "decimals", "da", "en"),
    [
        (0, 0, "0", "0"),
        (999, 0, "999", "999"),
        (1234, 0, "1.234", "1,234"),
        (1234567, 0, "1.234.567", "1,234,567"),
        (-1234, 0, "-1.234", "-1,234"),
        (Decimal("12.5"), 1, "12,5", "12.5"),
        (Decimal("1234.567"), 2, "1.234,57", "1,234.57"),
        (Decimal("0.125"), 2, "0,13", "0.13"),  # half away from zero, as on an invoice
        (Decimal("-0.125"), 2, "-0,13", "-0.13"),
        (3, 2, "3,00", "3.00"),
    ],
)
def test_number(value: int | Decimal, decimals: int, da: str, en: str) -> None:
    assert formats.number(value, "da", decimals) == da
    assert formats.number(value, "en", decimals) == en


@pytest.mark.parametrize(
    ("day", "da", "en", "da_weekday", "en_weekday"),
    [
        (
            date(2026, 3, 5),
            "5. marts 2026",
            "5 March 2026",
            "torsdag den 5. marts 2026",
            "Thursday 5 March 2026",
        ),
        (
            date(2026, 1, 1),
            "1. januar 2026",
            "1 January 2026",
            "torsdag den 1. januar 2026",
            "Thursday 1 January 2026",
        ),
        (
            date(2026, 12, 28),
            "28. december 2026",
            "28 December 2026",
            "mandag den 28. december 2026",
            "Monday 28 December 2026",
        ),
        (
            date(2028, 2, 29),
            "29. februar 2028",
            "29 February 2028",
            "tirsdag den 29. februar 2028",
            "Tuesday 29 February 2028",
        ),
        (date(2026, 5, 31), "31. maj 2026", "31 May 2026", "søndag den 31. maj 2026", "Sunday 31 May 2026"),
    ],
)
def test_dates(day: date, da: str, en: str, da_weekday: str, en_weekday: str) -> None:
    assert (formats.format_date(day, "da"), formats.format_date(day, "en")) == (da, en)
    assert formats.format_date(day, "da", weekday=True) == da_weekday
    assert formats.format_date(day, "en", weekday=True) == en_weekday


@pytest.mark.parametrize(
    ("at", "da", "en"),
    [
        (
            datetime(2026, 10, 1, 8, 30, tzinfo=UTC),
            "1. oktober 2026 kl. 10.30",
            "1 October 2026, 10:30",
        ),  # summer
        (
            datetime(2026, 12, 1, 8, 5, tzinfo=UTC),
            "1. december 2026 kl. 09.05",
            "1 December 2026, 09:05",
        ),  # winter
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "1. januar 2027 kl. 00.30", "1 January 2027, 00:30"),
        (
            datetime(2026, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=1))),
            "5. marts 2026 kl. 14.30",
            "5 March 2026, 14:30",
        ),
    ],
)
def test_date_times_are_shown_in_danish_time(at: datetime, da: str, en: str) -> None:
    assert (formats.format_datetime(at, "da"), formats.format_datetime(at, "en")) == (da, en)
    assert formats.format_time(at, "da") == da.rsplit(" ", 1)[1]
    assert formats.format_time(at, "en") == en.rsplit(" ", 1)[1]
    assert formats.format_date(at, "da") == da.split(" kl. ")[0]  # a date-time's date is its Danish date


@pytest.mark.parametrize(
    ("md", "da", "en"),
    [
        ((1, 1), "1. januar", "1 January"),
        ((6, 30), "30. juni", "30 June"),
        ((2, 29), "28. februar (29. i skudår)", "28 February (29 in leap years)"),
    ],
)
def test_days_of_the_year(md: tuple[int, int], da: str, en: str) -> None:
    assert (formats.format_month_day(md, "da"), formats.format_month_day(md, "en")) == (da, en)


@pytest.mark.parametrize(
    ("months", "da", "en"),
    [
        (66, "5½ år", "5½ years"),
        (60, "5 år", "5 years"),
        (12, "1 år", "1 year"),
        (36, "3 år", "3 years"),
        (18, "1½ år", "1½ years"),
        (6, "6 måneder", "6 months"),
        (1, "1 måned", "1 month"),
        (13, "13 måneder", "13 months"),
    ],
)
def test_periods(months: int, da: str, en: str) -> None:
    assert (formats.months_in_words(months, "da"), formats.months_in_words(months, "en")) == (da, en)


@pytest.mark.parametrize(
    "call",
    [
        lambda: formats.money(100, "DKK", "de"),
        lambda: formats.number(1, "sv"),
        lambda: formats.format_date(date(2026, 1, 1), "DA"),
        lambda: formats.format_datetime(datetime(2026, 1, 1, tzinfo=UTC), ""),
        lambda: formats.months_in_words(6, "no"),
    ],
)
def test_an_unknown_language_is_refused(call: object) -> None:
    with pytest.raises(ValueError, match="one of da, en"):
        call()  # type: ignore[operator]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        formats.format_datetime(datetime(2026, 1, 1, 12, 0), "da")  # noqa: DTZ001 - the point of the test


def test_the_module_is_pure_python() -> None:
    tree = ast.parse(Path(formats.__file__).read_text())
    imported = {
        (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert not {m for m in imported if m.split(".")[0] == "django"}


def test_no_other_module_formats_money() -> None:
    """The four copies are gone: ``kr.`` and thousands separators in amounts are written only in core/formats.py."""
    src = Path(formats.__file__).resolve().parents[1]
    offenders = []
    for path in src.rglob("*.py"):
        if path.name == "formats.py" and path.parent.name == "core":
            continue
        text = path.read_text()
        if '"kr."' in text or 'kr."' in text or ("divmod(abs(" in text and "100)" in text):
            offenders.append(str(path.relative_to(src)))
    assert offenders == []
