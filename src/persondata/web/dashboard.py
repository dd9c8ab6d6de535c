"""The dashboard's charts: deadlines of the coming 30 days, requests per month, deletions of the next 90 days, and
the risk reviews due — each for whoever holds the duty it belongs to, each from a cheap query.

The deletions forecast is the one the last daily sweep (or ``persondata retention plan``) stored with its run —
weekly counts per kind of data — so a page view reads one row instead of planning over the whole register.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.core.formats import MONTHS_DA, MONTHS_EN, format_month_day
from persondata.requests.models import Request
from persondata.requests.services import OpenRequest
from persondata.retention.models import RetentionRun
from persondata.retention.schedule import week_of
from persondata.retention.sweep_report import FORECAST_DAYS
from persondata.systems.services import overview as systems_overview
from persondata.web.charts import Bar, Mark, bar_chart, timeline

TIMELINE_DAYS = 30
MONTHS = 12
_SEVERITY = {"ok": 0, "due_soon": 1, "overdue": 2}


def _month_label(month: int, lang: str) -> str:
    return (MONTHS_DA if lang == "da" else MONTHS_EN)[month - 1][:3]


def deadlines_chart(items: list[OpenRequest], today: date) -> Any:
    """The open requests due in the coming 30 days, a dot per day (amber within a week)."""
    lang = runtime.language()
    per_day: Counter[date] = Counter()
    level: dict[date, str] = {}
    for item in items:
        day = item.request.due_on
        if today <= day <= today + timedelta(days=TIMELINE_DAYS):
            per_day[day] += 1
            if _SEVERITY[item.level] >= _SEVERITY.get(level.get(day, "ok"), 0):
                level[day] = item.level
    marks = [
        Mark(
            day,
            n,
            ngettext("%(day)s: %(n)d request due", "%(day)s: %(n)d requests due", n)
            % {"day": day.isoformat(), "n": n},
            f"dot--{level[day]}",
        )
        for day, n in sorted(per_day.items())
    ]
    total = sum(per_day.values())
    return timeline(
        "chart-deadlines",
        _("Deadlines of the coming 30 days"),
        ngettext(
            "%(n)d open request is due in the coming 30 days.",
            "%(n)d open requests are due in the coming 30 days.",
            total,
        )
        % {"n": total},
        today,
        TIMELINE_DAYS,
        marks,
        lambda d: format_month_day((d.month, d.day), lang),
    )


def requests_per_month(today: date) -> list[tuple[date, int]]:
    """The requests received in each of the last 12 months (this one included), oldest first."""
    first = date(today.year, today.month, 1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(year, month + 1, 1))
    counts = {
        (row["month"].year, row["month"].month): row["n"]
        for row in Request.objects.filter(received_on__gte=months[0])
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(n=Count("id"))
    }
    return [(m, counts.get((m.year, m.month), 0)) for m in months]


def per_month_chart(today: date) -> Any:
    lang = runtime.language()
    data = requests_per_month(today)
    bars = [
        Bar(
            _month_label(m.month, lang),
            n,
            ngettext("%(month)s: %(n)d request received", "%(month)s: %(n)d requests received", n)
            % {"month": f"{_month_label(m.month, lang)} {m.year}", "n": n},
        )
        for m, n in data
    ]
    total = sum(n for _m, n in data)
    return bar_chart(
        "chart-per-month",
        _("Requests per month"),
        ngettext(
            "%(n)d request received in the last 12 months.",
            "%(n)d requests received in the last 12 months.",
            total,
        )
        % {"n": total},
        bars,
        bar_width=28,
    )


def deletion_forecast(today: date) -> tuple[RetentionRun | None, list[tuple[date, int]]]:
    """The records the last sweep or plan forecast for deletion, per week, over the next 90 days."""
    run = (
        RetentionRun.objects.filter(kind__in=("sweep", "plan"), status="done")
        .order_by("-started_at")
        .only("today", "started_at", "forecast")
        .first()
    )
    if run is None:
        return None, []
    first = week_of(today)
    weeks = [first + timedelta(weeks=i) for i in range(FORECAST_DAYS // 7 + 1)]
    stored = run.forecast or {}
    return run, [(w, sum(stored.get(w.isoformat(), {}).values())) for w in weeks]


def forecast_chart(today: date) -> dict[str, Any] | None:
    run, weeks = deletion_forecast(today)
    if run is None:
        return None
    lang = runtime.language()
    bars = [
        Bar(
            format_month_day((w.month, w.day), lang),
            n,
            ngettext(
                "Week of %(day)s: %(n)d record falls due for deletion",
                "Week of %(day)s: %(n)d records fall due for deletion",
                n,
            )
            % {"day": w.isoformat(), "n": n},
        )
        for w, n in weeks
    ]
    total = sum(n for _w, n in weeks)
    chart = bar_chart(
        "chart-forecast",
        _("Deletions of the next 90 days"),
        ngettext(
            "%(n)d record falls due for deletion in the next 90 days.",
            "%(n)d records fall due for deletion in the next 90 days.",
            total,
        )
        % {"n": total},
        bars,
        bar_width=44,
    )
    return {"chart": chart, "run": run, "total": total}


def reviews_due(actor: Actor, now: datetime) -> list[dict[str, Any]] | None:
    """The IT systems whose risk assessment is due for review (or was never made), for ``manage_systems``."""
    if not permissions.holds(actor, permissions.MANAGE_SYSTEMS):
        return None
    return [
        {"name": row.system.name, "key": row.system.key, "events": len(row.due)}
        for row in systems_overview(actor, now)
        if row.due
    ]


def request_charts(items: list[OpenRequest], today: date) -> dict[str, Any]:
    return {"deadlines": deadlines_chart(items, today), "per_month": per_month_chart(today)}
