"""The breach register's pages, for whoever keeps it (``manage_breaches``; the data controller by default).

Thin: each view checks the duty, validates the form, calls :mod:`persondata.governance.breaches` in one
transaction and redirects. The printable notification is rendered by :mod:`persondata.governance.notification`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied, NotFound
from persondata.core.calendar import legal_date
from persondata.documents.csp import with_document_csp
from persondata.documents.templatetags.formats import page_language
from persondata.governance import breaches, control, notification
from persondata.governance.control_report import labelled
from persondata.governance.errors import GovernanceError
from persondata.governance.forms import BreachForm
from persondata.governance.models import Breach


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.MANAGE_BREACHES, "web", customer_data=False)


def _row(breach: Breach) -> dict[str, Any]:
    c = breaches.clock(breach, timezone.now())
    return {
        "breach": breach,
        "clock": c,
        "deadline": breaches.deadline_words(c.deadline, page_language()),
        "hours_left": int(c.hours_left) if c.hours_left >= 0 else int(-c.hours_left),
        "needs_letter": breaches.needs_letter(breach),
    }


@never_cache
@login_required
@require_GET
def breach_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = [_row(b) for b in breaches.list_breaches(actor)]
    return render(request, "governance/breaches.html", {"rows": rows})


def _save(request: HttpRequest, actor: Actor, form: BreachForm, breach_id: uuid.UUID | None) -> Breach | None:
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            if breach_id is None:
                return breaches.record_breach(actor, form.cleaned_data, now=timezone.now())
            return breaches.update_breach(actor, breach_id, form.cleaned_data, now=timezone.now())
    except GovernanceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def breach_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        form = BreachForm(request.POST)
        breach = _save(request, actor, form, None)
        if breach is not None:
            return HttpResponseRedirect(reverse("governance:breach", args=[breach.id]))
        return render(request, "governance/breach_form.html", {"form": form}, status=400)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = BreachForm(initial={"discovered_at": now})
    return render(request, "governance/breach_form.html", {"form": form})


def _initial(breach: Breach) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(breach, name) for name in breaches.FIELDS}
    for name in breaches.TIMES:
        if values[name] is not None:
            values[name] = timezone.localtime(values[name])
    return values


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def breach_detail(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    try:
        breach = breaches.get_breach(actor, breach_id)
    except NotFound as exc:
        raise Http404 from exc
    status = 200
    if request.method == "POST":
        form = BreachForm(request.POST)
        if _save(request, actor, form, breach_id) is not None:
            return HttpResponseRedirect(reverse("governance:breach", args=[breach_id]))
        status = 400
    else:
        form = BreachForm(initial=_initial(breach))
    context = {"row": _row(breach), "form": form, "languages": notification.LANGUAGES}
    return render(request, "governance/breach.html", context, status=status)


@login_required
@require_GET
def breach_letter(request: HttpRequest, breach_id: uuid.UUID, lang: str, fmt: str) -> HttpResponse:
    """The letter to the customers (Art. 34), for printing or sending."""
    return breach_notification(request, breach_id, lang, fmt, document="letter")


@login_required
@require_GET
def breach_notification(
    request: HttpRequest, breach_id: uuid.UUID, lang: str, fmt: str, document: str = "notification"
) -> HttpResponse:
    actor = _actor(request)
    if lang not in notification.LANGUAGES or fmt not in notification.FORMATS:
        raise Http404
    try:
        breach = breaches.get_breach(actor, breach_id)
    except NotFound as exc:
        raise Http404 from exc
    body = notification.render(breach, lang, fmt, timezone.now(), document)
    content_type = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{breach.reference}-{document}-{lang}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return with_document_csp(response, body) if fmt == "html" else response


def dashboard_panel(user: Any) -> dict[str, Any] | None:
    """The dashboard's panel: the breaches waiting to be notified, with their clocks (``manage_breaches``), and
    when the half-yearly control is due — red when overdue — and the follow-up tasks past their due date, in red
    (``run_control``)."""
    try:
        actor = Actor.staff(user, "web")
    except AccessDenied:
        return None
    panel: dict[str, Any] = {"breaches": None, "schedule": None, "overdue_follow_ups": []}
    if permissions.holds(actor, permissions.MANAGE_BREACHES):
        panel["breaches"] = [_row(b) for b, _clock in breaches.open_breaches(timezone.now())]
    if permissions.holds(actor, permissions.RUN_CONTROL):
        panel["schedule"] = control.schedule(legal_date(timezone.now()))
        panel["overdue_follow_ups"] = [
            labelled(task) for task in control.overdue_follow_ups(legal_date(timezone.now()))
        ]
    return panel if panel["breaches"] is not None or panel["schedule"] is not None else None
