"""The retention page, for the data controller: upcoming deletions, the last runs, legal holds, the policy clash.

Thin: it checks the access rule, calls the retention services in one transaction and renders. The forecast is the
one the last sweep (or plan) computed, so the page stays fast at a million customers.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.core.policy_check import check_policy, clash_sentence
from persondata.jobs.clock import legal_today
from persondata.retention import holds
from persondata.retention.forms import HoldForm
from persondata.retention.models import RUN_KINDS, RUN_STATUSES, RetentionRun
from persondata.retention.sweep_report import CATEGORY_OF, COUNT_KEYS

#: The page is for the data controller: whoever may read contact data to answer customers' requests.
RECENT_RUNS = 10
FORECAST_CATEGORIES = ("contact", "customer_number", "order_history", "payment")


def _controller(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.MANAGE_RETENTION, "web")


def _forecast(run: RetentionRun | None) -> list[dict[str, Any]]:
    if run is None:
        return []
    weeks = []
    for week in sorted(run.forecast):
        cells = run.forecast[week]
        weeks.append(
            {
                "week": date.fromisoformat(week),
                "cells": [cells.get(c, 0) for c in FORECAST_CATEGORIES],
                "total": sum(cells.values()),
            }
        )
    return weeks


def _runs() -> list[dict[str, Any]]:
    out = []
    for run in RetentionRun.objects.order_by("-started_at")[:RECENT_RUNS]:
        deleted = (run.counts or {}).get("deleted", {})
        out.append(
            {
                "run": run,
                "kind": gettext(RUN_KINDS[run.kind]) if run.kind in RUN_KINDS else run.kind,
                "status": gettext(RUN_STATUSES[run.status]) if run.status in RUN_STATUSES else run.status,
                "records": sum(v for k, v in deleted.items() if k in CATEGORY_OF),
                "customers_removed": deleted.get("customers_removed", 0),
            }
        )
    return out


def _page(
    request: HttpRequest, form: HoldForm | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    policy = runtime.policy()
    today = legal_today(timezone.now())
    latest = (
        RetentionRun.objects.filter(kind__in=("sweep", "plan"), status="done").order_by("-started_at").first()
    )
    clash = None
    finding = next((f for f in check_policy(policy, today) if f.code == "retention-clash"), None)
    if finding is not None:
        lang = runtime.language()
        counts = (latest.counts if latest else {}) or {}
        clash = {
            "message": finding.message.get(lang),
            "fix": finding.fix.get(lang),
            "customers_text": clash_sentence(policy, lang),
            "affected": counts.get("clash_affected"),
            "kept_past_policy": counts.get("clash_kept_past_policy"),
        }
    context = {
        "today": today,
        "latest": latest,
        "forecast": _forecast(latest),
        "forecast_categories": FORECAST_CATEGORIES,
        "runs": _runs(),
        "holds": holds.holds_in_force(today),
        "past_holds": holds.holds_past(today),
        "form": form or HoldForm(),
        "clash": clash,
        "count_keys": COUNT_KEYS,
        "error": error,
    }
    return render(request, "retention/overview.html", context, status=status)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _controller(request)
    return _page(request)


@login_required
@require_POST
def hold_create(request: HttpRequest) -> HttpResponse:
    actor = _controller(request)
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    f = form.cleaned_data
    try:
        with transaction.atomic():
            holds.create_hold(
                customer_id=f["customer"],
                record_id=f["record"],
                reason=f["reason"],
                ends_on=f["ends_on"],
                created_by=actor.user_id,
                now=timezone.now(),
            )
    except holds.HoldRefused as exc:
        # shown again without the reason: it may be what was refused (a CPR number is not echoed back)
        again = HoldForm(initial={k: f[k] for k in ("customer", "record", "ends_on")})
        return _page(request, again, status=400, error=str(exc))
    return HttpResponseRedirect(reverse("retention:overview") + "#holds")


@login_required
@require_POST
def hold_end(request: HttpRequest, hold_id: uuid.UUID) -> HttpResponse:
    actor = _controller(request)
    try:
        with transaction.atomic():
            holds.end_hold(hold_id, ended_by=actor.user_id, now=timezone.now())
    except holds.HoldRefused as exc:
        return _page(request, status=400, error=str(exc))
    return HttpResponseRedirect(reverse("retention:overview") + "#holds")
