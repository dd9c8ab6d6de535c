"""The systems pages: the inventory with the heat map of residual risks, one system, rating a feared event.

Thin: the named permission ``manage_systems``, a form, a service call in one transaction, a redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.core.risk import EVENTS, LEVELS
from persondata.core.risk import heat_map_svg as draw
from persondata.documents.csp import with_document_csp
from persondata.systems import record, services, words
from persondata.systems.forms import AssessmentForm, SystemForm
from persondata.systems.models import System


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.MANAGE_SYSTEMS, "web", customer_data=False)


def _svg(actor: Actor) -> str:
    now = timezone.now()
    with transaction.atomic():
        services.refresh_own(now)
    rows = services.overview(actor, now)
    return draw(services.heat_map(rows), runtime.language(), _("Residual risks of the IT systems"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def system_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = SystemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            f = form.cleaned_data
            data = services.SystemInput(
                key=f["key"],
                name=f["name"],
                kind=f["kind"],
                location=f["location"],
                owner=f["owner"],
                categories=frozenset(f["categories"]),
                partner_key=f["partner_key"],
            )
            try:
                with transaction.atomic():
                    services.save_system(actor, data, now=timezone.now())
            except services.SystemInputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return HttpResponseRedirect(reverse("systems:list"))
    svg = _svg(actor)
    rows = services.overview(actor, timezone.now())
    context: dict[str, Any] = {
        "rows": rows,
        "svg": mark_safe(svg),  # noqa: S308 - drawn by core.risk, every text in it escaped
        "form": form,
        "events": {k: t.get(runtime.language()) for k, t in EVENTS.items()},
    }
    return render(request, "systems/list.html", context, status=status)


RECORD_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
                "pdf": "application/pdf"}  # fmt: skip


@never_cache
@login_required
@require_GET
def record_of_processing(request: HttpRequest, fmt: str) -> HttpResponse:
    """The Art. 30(1) record, ``?lang=da|en``, as JSON, CSV, HTML or PDF (a download)."""
    _actor(request)
    lang = request.GET.get("lang", runtime.language())
    if fmt not in RECORD_TYPES or lang not in ("da", "en"):
        raise Http404
    now = timezone.now()
    with transaction.atomic():
        services.refresh_own(now)
    response = HttpResponse(record.render_record(fmt, lang, now), content_type=RECORD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="record-of-processing-{lang}.{fmt}"'
    return with_document_csp(response, response.content) if fmt == "html" else response


@never_cache
@login_required
@require_GET
def heat_map_svg(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_svg(_actor(request)), content_type="image/svg+xml")


@never_cache
@login_required
@require_GET
def system_detail(request: HttpRequest, key: str) -> HttpResponse:
    return _detail(request, _actor(request), key)


def _detail(
    request: HttpRequest, actor: Actor, key: str, form: AssessmentForm | None = None, status: int = 200
) -> HttpResponse:
    row = next((r for r in services.overview(actor, timezone.now()) if r.system.key == key), None)
    if row is None:
        raise Http404
    lang = runtime.language()
    ratings = [
        {
            "event": EVENTS[a.event].get(lang),
            "before": f"{a.severity} × {a.likelihood}",
            "after": f"{a.residual_severity} {LEVELS[a.residual_severity].get(lang)} × "
            f"{a.residual_likelihood} {LEVELS[a.residual_likelihood].get(lang)}",
            "assessment": a,
        }
        for a in row.assessments
    ]
    context = {
        "row": row,
        "ratings": ratings,
        "due": [EVENTS[e].get(lang) for e in row.due],
        "form": form or AssessmentForm(),
        "measures": words.measures(row.system.measures, lang),
    }
    return render(request, "systems/detail.html", context, status=status)


@login_required
@require_POST
def assess(request: HttpRequest, key: str) -> HttpResponse:
    actor = _actor(request)
    if not System.objects.filter(key=key).exists():
        raise Http404
    form = AssessmentForm(request.POST)
    if form.is_valid():
        f = form.cleaned_data
        try:
            with transaction.atomic():
                services.assess(actor, key, f.pop("event"), now=timezone.now(), **f)
        except services.SystemInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except NotFound:
            raise Http404 from None
        else:
            return HttpResponseRedirect(reverse("systems:detail", args=[key]))
    return _detail(request, actor, key, form, 400)
