"""Money, numbers, dates and times for people to read, the Danish way and the English way.

The one place that formats them: staff pages (through the ``formats`` template library), public pages, letters
and their PDFs, the published privacy policy and ``policy check``. The language is passed in (``"da"`` or
``"en"``); nothing here reads the active language or the clock. Pure Python: no Django import.

One convention per language (docs/development.md, "Formats"):

=========  ==============================  ===============================
           Danish (``da``)                 English (``en``)
=========  ==============================  ===============================
money      ``1.234,50 kr.`` (other         ``DKK 1,234.50`` (the currency
           currencies: ``1.234,50 EUR``)   code first, always)
number     ``1.234.567`` / ``12,5``        ``1,234,567`` / ``12.5``
date       ``5. marts 2026``               ``5 March 2026``
+ weekday  ``torsdag den 5. marts 2026``   ``Thursday 5 March 2026``
time       ``14.30``                       ``14:30``
date-time  ``5. marts 2026 kl. 14.30``     ``5 March 2026, 14:30``
period     ``5½ år``, ``18 måneder``       ``5½ years``, ``18 months``
=========  ==============================  ===============================

An amount and its unit are joined by a no-break space, so that a line never breaks between them. Times are shown
in Danish time (Europe/Copenhagen), whatever the zone of the value given. What machines read (CSV and JSON
exports, logs, the API) keeps ISO dates and amounts in minor units, or :func:`plain_amount`'s plain decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from persondata.core.calendar import COPENHAGEN

__all__ = [
    "LANGUAGES",
    "MONTHS_DA",
    "MONTHS_EN",
    "NBSP",
    "check_lang",
    "format_date",
    "format_datetime",
    "format_month_day",
    "format_time",
    "money",
    "months_in_words",
    "number",
    "plain_amount",
]

LANGUAGES: Final = ("da", "en")
NBSP: Final = "\u00a0"

MONTHS_DA: Final = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
                    "oktober", "november", "december")  # fmt: skip
MONTHS_EN: Final = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                    "October", "November", "December")  # fmt: skip
WEEKDAYS_DA: Final = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
WEEKDAYS_EN: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# (thousands separator, decimal mark) per language
_MARKS: Final = {"da": (".", ","), "en": (",", ".")}


def check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of da, en; got {lang!r}")


# -- numbers and money -----------------------------------------------------------------------------------------
def number(value: int | Decimal, lang: str, decimals: int = 0) -> str:
    """``1234567`` → ``1.234.567`` / ``1,234,567``; with ``decimals=1``, ``12.5`` → ``12,5`` / ``12.5``.

    Rounded half away from zero to ``decimals`` places (as on an invoice), never through a float.
    """
    check_lang(lang)
    thousands, mark = _MARKS[lang]
    exact = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding="ROUND_HALF_UP")
    sign = "-" if exact < 0 else ""
    text = f"{abs(exact):,.{decimals}f}"  # 1,234.50
    whole, _, fraction = text.partition(".")
    return sign + whole.replace(",", thousands) + (mark + fraction if fraction else "")


def money(minor_units: int | None, currency: str, lang: str) -> str:
    """An amount stored in minor units (øre): ``123450, "DKK"`` → ``1.234,50 kr.`` / ``DKK 1,234.50``.

    No amount (``None``) is the empty string. Danish writes kroner as ``kr.`` and other currencies by their code
    after the amount; English writes the code before it.
    """
    check_lang(lang)
    if minor_units is None:
        return ""
    amount = number(Decimal(int(minor_units)).scaleb(-2), lang, decimals=2)
    code = currency.upper()
    if lang == "da":
        return f"{amount}{NBSP}{'kr.' if code == 'DKK' else code}"
    return f"{code}{NBSP}{amount}"


def plain_amount(minor_units: int, mark: str = ".") -> str:
    """The machine form of an amount in minor units: no thousands separator, two decimals, ``mark`` between:
    ``124950`` → ``1249.50``; with ``mark=","``, ``1249,50`` (the CSV exports, for Danish spreadsheets)."""
    sign = "-" if minor_units < 0 else ""
    whole, cents = divmod(abs(int(minor_units)), 100)
    return f"{sign}{whole}{mark}{cents:02d}"


# -- dates and times -------------------------------------------------------------------------------------------
def format_month_day(md: tuple[int, int], lang: str) -> str:
    """``(1, 1)`` → ``1. januar`` / ``1 January``; 29 February, which exists only in leap years, says so."""
    check_lang(lang)
    month, day = md
    if (month, day) == (2, 29):
        return "28. februar (29. i skudår)" if lang == "da" else "28 February (29 in leap years)"
    return f"{day}. {MONTHS_DA[month - 1]}" if lang == "da" else f"{day} {MONTHS_EN[month - 1]}"


def format_date(d: date, lang: str, *, weekday: bool = False) -> str:
    """``5. marts 2026`` / ``5 March 2026``; with ``weekday``, ``torsdag den 5. marts 2026`` /
    ``Thursday 5 March 2026``. A date-time is taken as its Danish date."""
    check_lang(lang)
    if isinstance(d, datetime):
        d = _danish(d).date()
    text = (
        f"{d.day}. {MONTHS_DA[d.month - 1]} {d.year}"
        if lang == "da"
        else f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
    )
    if not weekday:
        return text
    return f"{WEEKDAYS_DA[d.weekday()]} den {text}" if lang == "da" else f"{WEEKDAYS_EN[d.weekday()]} {text}"


def format_time(at: datetime, lang: str) -> str:
    """``14.30`` / ``14:30``, in Danish time."""
    check_lang(lang)
    local = _danish(at)
    return f"{local:%H.%M}" if lang == "da" else f"{local:%H:%M}"


def format_datetime(at: datetime, lang: str) -> str:
    """``5. marts 2026 kl. 14.30`` / ``5 March 2026, 14:30``, in Danish time."""
    local = _danish(at)
    day, clock = format_date(local.date(), lang), format_time(local, lang)
    return f"{day} kl. {clock}" if lang == "da" else f"{day}, {clock}"


def months_in_words(months: int, lang: str) -> str:
    """66 → ``5½ år`` / ``5½ years``; 36 → ``3 år``; 18 → ``1½ år``; 13 → ``13 måneder``."""
    check_lang(lang)
    years, rest = divmod(months, 12)
    if years and rest in (0, 6):
        count = f"{years}½" if rest else str(years)
        if lang == "da":
            return f"{count} år"
        return f"{count} year" if count == "1" else f"{count} years"
    if lang == "da":
        return f"{months} måned" if months == 1 else f"{months} måneder"
    return f"{months} month" if months == 1 else f"{months} months"


def _danish(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            "a naive time cannot be shown in Danish time; give an aware one (UTC or with its offset)"
        )
    return at.astimezone(COPENHAGEN)
