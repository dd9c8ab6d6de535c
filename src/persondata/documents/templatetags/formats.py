"""Template helpers over ``persondata.core.formats``, in the language of the page being rendered.

``{% load formats %}``, then ``{% money amount_ore currency %}``, ``{{ day|date_words }}``,
``{{ day|date_words:"weekday" }}``, ``{{ at|datetime_words }}`` and ``{{ n|number }}``. No value (None or an
empty string) renders as nothing. Every page, its tables too, shows dates this way: one way per language
(docs/development.md, "Formats")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils.translation import get_language

from persondata.core import formats

register = template.Library()


def page_language() -> str:
    """The active language as ``da`` or ``en`` (Danish unless English is chosen)."""
    return "en" if (get_language() or "da").startswith("en") else "da"


@register.simple_tag
def money(amount_ore: int | None, currency: str = "DKK") -> str:
    """``1.234,50 kr.`` / ``DKK 1,234.50`` (amounts are stored in øre)."""
    return "" if amount_ore is None else formats.money(int(amount_ore), currency, page_language())


@register.filter
def date_words(value: date | None, style: str = "") -> str:
    """``5. marts 2026`` / ``5 March 2026``; ``:"weekday"`` puts the day of the week in front."""
    if not value:
        return ""
    return formats.format_date(value, page_language(), weekday=style == "weekday")


@register.filter
def datetime_words(value: datetime | None) -> str:
    """``5. marts 2026 kl. 14.30`` / ``5 March 2026, 14:30``, in Danish time."""
    return formats.format_datetime(value, page_language()) if value else ""


@register.filter
def number(value: int | Decimal | None, decimals: int = 0) -> str:
    """``1.234`` / ``1,234``."""
    return "" if value is None or value == "" else formats.number(value, page_language(), int(decimals))
