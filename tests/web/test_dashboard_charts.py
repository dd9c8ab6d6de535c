"""The dashboard's SVG charts say what the data says: each bar and dot is read back from the page and compared with
the requests, the stored deletions forecast and the scale; the charts are accessible and CSP-clean."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from persondata.core.calendar import legal_date
from persondata.requests.models import Request
from persondata.retention.models import RetentionRun
from persondata.retention.schedule import week_of
from persondata.web.charts import BAR_AREA, Bar, bar_chart
from tests.requests.test_inbox import make_request

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own page's SVG, not untrusted input


def _svg(html: str, chart_id: str) -> ET.Element:
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id} on the page"
    return _parse(match.group(0))


def _bars(svg: ET.Element) -> list[tuple[int, float]]:
    return [(int(r.get("data-value", "")), float(r.get("height", ""))) for r in svg.iter(f"{SVG}rect")]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_bars_are_scaled_labelled_and_escaped() -> None:
    svg = _parse(
        str(bar_chart("c", "T <1>", "D", [Bar("a", 0, "zero"), Bar("<b>", 5, "five"), Bar("c", 10, "ten")]))
    )
    assert _bars(svg) == [(0, 0), (5, BAR_AREA / 2), (10, BAR_AREA)]
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "T <1>"  # type: ignore[union-attr]
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart__label"]
    assert labels == ["a", "<b>", "c"]
    assert [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")] == ["zero", "five", "ten"]  # type: ignore[union-attr]
    assert "style" not in str(
        bar_chart("c", "T", "D", [Bar("a", 1, "one")])
    )  # the CSP allows no inline style
    empty = _parse(str(bar_chart("e", "T", "D", [Bar("a", 0, "zero")])))
    assert _bars(empty) == [(0, 0)]


def test_the_dashboard_charts_match_the_data(controller: Any) -> None:
    today = legal_date(timezone.now())
    due_days = [2, 2, 5, 17, 29, -3, 45]  # the overdue one and the one past 30 days stay off the timeline
    for d in due_days:
        make_request(due_in=d)
    first = date(today.year, today.month, 1)
    last_year = (first - timedelta(days=200)).replace(day=3)
    old = make_request(state="answered", due_in=-200)
    Request.objects.filter(pk=old.pk).update(received_on=last_year)
    forecast_week = week_of(today) + timedelta(weeks=2)
    RetentionRun.objects.create(
        kind="sweep",
        today=today,
        started_at=timezone.now(),
        status="done",
        actor="system",
        forecast={
            forecast_week.isoformat(): {"contact": 4, "payment": 7},
            (week_of(today) + timedelta(weeks=30)).isoformat(): {"contact": 99},  # beyond 90 days: not shown
        },
    )
    html = _client(controller).get("/").content.decode()

    timeline = _svg(html, "chart-deadlines")
    dots = {c.get("data-day"): int(c.get("data-value", "")) for c in timeline.iter(f"{SVG}circle")}
    expected = Counter((today + timedelta(days=d)).isoformat() for d in due_days if 0 <= d <= 30)
    assert dots == dict(expected)
    assert timeline.find(f"{SVG}desc").text == "5 open requests are due in the coming 30 days."  # type: ignore[union-attr]

    months = _svg(html, "chart-per-month")
    per_month = Counter((r.received_on.year, r.received_on.month) for r in Request.objects.all())
    bars = _bars(months)
    assert len(bars) == 12
    labels = [t.text for t in months.iter(f"{SVG}text") if t.get("class") == "chart__label"]
    assert labels[-1] == today.strftime("%B")[:3]
    month_starts = []
    for back in range(11, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        month_starts.append((year, month + 1))
    assert [v for v, _h in bars] == [per_month.get(m, 0) for m in month_starts]
    top = max(v for v, _h in bars)
    assert all(h == round(BAR_AREA * v / top) for v, h in bars)

    forecast = _svg(html, "chart-forecast")
    weekly = _bars(forecast)
    assert len(weekly) == 13 and sum(v for v, _h in weekly) == 11
    assert weekly[2] == (11, BAR_AREA)


def test_charts_are_for_those_who_hold_the_duty(make_staff: Any) -> None:
    make_request(due_in=3)
    html = _client(make_staff("clerk", ["customer_service"])).get("/").content.decode()
    assert 'id="chart-deadlines"' not in html and 'id="chart-per-month"' not in html
    assert 'id="chart-forecast"' not in html
