"""The ``formats`` template library: core/formats.py in the language of the page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

NB = "\u00a0"
TEMPLATE = Template(
    "{% load formats %}{% money ore currency %}|{{ day|date_words }}|{{ day|date_words:'weekday' }}|"
    "{{ at|datetime_words }}|{{ n|number }}|{% money none %}{{ none|date_words }}{{ none|datetime_words }}"
)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "da",
            f"1.234,50{NB}kr.|5. marts 2026|torsdag den 5. marts 2026|1. oktober 2026 kl. 10.30|1.234.567|",
        ),
        ("en", f"DKK{NB}1,234.50|5 March 2026|Thursday 5 March 2026|1 October 2026, 10:30|1,234,567|"),
    ],
)
def test_the_page_language_decides(lang: str, expected: str) -> None:
    context = Context(
        {
            "ore": 123450,
            "currency": "DKK",
            "day": date(2026, 3, 5),
            "at": datetime(2026, 10, 1, 8, 30, tzinfo=UTC),
            "n": 1234567,
            "none": None,
        }
    )
    with translation.override(lang):
        assert TEMPLATE.render(context) == expected
