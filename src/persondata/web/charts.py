"""Small server-rendered SVG charts for the dashboard: bars and a timeline of dots, nothing else.

No script and no inline style (the CSP allows neither): shapes carry classes that ``app.css`` colours, and the
geometry is in attributes. Each chart is an image with a <title> and a <desc> a screen reader reads, each bar or
dot its own <title> with the exact figure, and every bar a visible text label and value — so the chart says the
same as a table would. ``data-value`` on each shape is the figure it stands for (the tests read the SVG back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR_AREA = 120  # px: the height of the tallest bar
LABEL_SPACE = 34  # px below the bars: the category's label
VALUE_SPACE = 16  # px above a bar: its value


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # shown under the bar
    value: int
    title: str  # the bar's <title>: what it stands for, in words
    css: str = ""  # an extra class, e.g. "bar--overdue"


def _open(chart_id: str, css: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart {css}" id="{chart_id}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def bar_chart(chart_id: str, title: str, desc: str, bars: list[Bar], *, bar_width: int = 36) -> SafeString:
    """Vertical bars scaled to the largest value (an empty chart keeps its axis and labels)."""
    gap = max(bar_width // 3, 6)
    width = len(bars) * (bar_width + gap) + gap
    height = VALUE_SPACE + BAR_AREA + LABEL_SPACE
    top = max((b.value for b in bars), default=0)
    parts = _open(chart_id, "chart--bars", width, height, title, desc)
    base = VALUE_SPACE + BAR_AREA
    parts.append(f'<line class="chart__axis" x1="0" y1="{base}" x2="{width}" y2="{base}"/>')
    for i, bar in enumerate(bars):
        x = gap + i * (bar_width + gap)
        h = round(BAR_AREA * bar.value / top) if top else 0
        middle = x + bar_width / 2
        parts.append(
            f'<g class="chart__item"><title>{escape(bar.title)}</title>'
            f'<rect class="bar {escape(bar.css)}" data-value="{bar.value}" x="{x}" y="{base - h}" '
            f'width="{bar_width}" height="{h}"/>'
            f'<text class="chart__value" x="{middle:g}" y="{base - h - 4}" text-anchor="middle">{bar.value}</text>'
            f'<text class="chart__label" x="{middle:g}" y="{base + 14}" text-anchor="middle">'
            f"{escape(bar.label)}</text></g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@dataclass(frozen=True, slots=True)
class Mark:
    day: date
    count: int
    title: str
    css: str = ""  # e.g. "dot--due_soon"


DAY_WIDTH = 22


def timeline(
    chart_id: str,
    title: str,
    desc: str,
    start: date,
    days: int,
    marks: list[Mark],
    tick: Callable[[date], str],
) -> SafeString:
    """A dot per day that has something due, from ``start`` for ``days`` days; the dot's size grows with the
    count, which is written above it. ``tick`` labels every seventh day from ``start`` under the axis."""
    width = 16 + (days + 1) * DAY_WIDTH
    height = 84
    axis = 40
    parts = _open(chart_id, "chart--timeline", width, height, title, desc)
    parts.append(f'<line class="chart__axis" x1="8" y1="{axis}" x2="{width - 8}" y2="{axis}"/>')
    for offset in range(0, days + 1, 7):
        x = 16 + offset * DAY_WIDTH
        label = tick(start + timedelta(days=offset))
        parts.append(
            f'<line class="chart__tick" x1="{x}" y1="{axis - 4}" x2="{x}" y2="{axis + 4}"/>'
            f'<text class="chart__label" x="{x}" y="{axis + 22}" text-anchor="middle">{escape(label)}</text>'
        )
    for mark in marks:
        offset = (mark.day - start).days
        if not 0 <= offset <= days or mark.count <= 0:
            continue
        x = 16 + offset * DAY_WIDTH
        radius = min(4 + 2 * mark.count, 10)
        parts.append(
            f'<g class="chart__item"><title>{escape(mark.title)}</title>'
            f'<circle class="dot {escape(mark.css)}" data-value="{mark.count}" data-day="{mark.day.isoformat()}" '
            f'cx="{x}" cy="{axis}" r="{radius}"/>'
            f'<text class="chart__value" x="{x}" y="{axis - radius - 4}" text-anchor="middle">{mark.count}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
