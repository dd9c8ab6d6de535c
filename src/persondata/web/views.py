"""The staff web app's pages. Thin: each view checks input, calls the register's services in one
transaction and renders. Access decisions and the access log live in the services, never here.

Personal data never goes into a URL: the search is a POST whose results are rendered in the response (no
redirect), and customer pages are addressed by the pseudonymous id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied, NotFound
from persondata.access.refusal import denied
from persondata.core.access import usable_purposes
from persondata.core.calendar import legal_date
from persondata.documents import labels
from persondata.governance import review
from persondata.governance.views import dashboard_panel as governance_panel
from persondata.rawsql import reading
from persondata.register.models import Customer, ImportRun, Invoice, Order, Payment
from persondata.register.services import (
    SEARCH_LIMIT,
    SUGGEST_MIN,
    find_customers,
    show_customer,
    suggest_customers,
)
from persondata.requests.services import open_requests
from persondata.web import customer_panels
from persondata.web import dashboard as charts
from persondata.web.forms import QUERY_MAX, CustomerSearchForm

RECENT_IMPORTS = 5


# -- helpers -------------------------------------------------------------------------------------------------
def _label(item: Any, key: str) -> str:
    """The policy's label of a purpose or category in the page's language; the key if it has none."""
    text = getattr(item, "label", None)
    if text is None:
        return key
    value = text.get(runtime.language()) if hasattr(text, "get") else str(text)
    return str(value) if value else key


def _roles(user: Any) -> frozenset[str]:
    staff = getattr(user, "staff", None)
    return frozenset(staff.roles if staff is not None else ())


def _purposes(user: Any) -> list[tuple[str, str]]:
    policy = runtime.policy()
    return [(key, _label(policy.purposes[key], key)) for key in usable_purposes(policy, _roles(user))]


# -- pages ---------------------------------------------------------------------------------------------------
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = [
        (_("Customers"), Customer.objects.count()),
        (_("Orders"), Order.objects.count()),
        (_("Invoices"), Invoice.objects.count()),
        (_("Payments"), Payment.objects.count()),
    ]
    runs = [
        {
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "mode": run.mode,
            "files": ", ".join(str(f.get("name", "")) for f in run.files if isinstance(f, dict)),
            "customers_created": run.counts.get("customers_created", 0),
            "customers_updated": run.counts.get("customers_updated", 0),
            "error_count": run.error_count,
        }
        for run in ImportRun.objects.order_by("-started_at")[:RECENT_IMPORTS]
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "counts": counts,
            "runs": runs,
            "findings": _policy_findings(),
            "purposes": _purposes(request.user),
            "requests": _open_requests(request.user),
            "governance": governance_panel(request.user),
            **_at_a_glance(request.user),
        },
    )


def _open_requests(user: Any) -> dict[str, Any] | None:
    """Open customers' requests with days left, for whoever handles them (R6: warn well before a deadline)."""
    try:
        actor = Actor.for_user(user, "rights_requests", "web")
    except AccessDenied:
        return None
    if not permissions.holds(actor, permissions.HANDLE_REQUESTS):
        return None
    today = legal_date(timezone.now())
    items = open_requests(today)
    return {
        "items": items[:10],
        "total": len(items),
        "overdue": sum(1 for i in items if i.level == "overdue"),
        "due_soon": sum(1 for i in items if i.level == "due_soon"),
        **charts.request_charts(items, today),
    }


def _at_a_glance(user: Any) -> dict[str, Any]:
    """The deletions forecast (``manage_retention``) and the risk reviews due (``manage_systems``): the company's
    own records, no customer's data."""
    try:
        actor = Actor.staff(user, "web")
    except AccessDenied:
        return {"forecast": None, "reviews": None}
    today = legal_date(timezone.now())
    forecast = (
        charts.forecast_chart(today) if permissions.holds(actor, permissions.MANAGE_RETENTION) else None
    )
    return {"forecast": forecast, "reviews": charts.reviews_due(actor, timezone.now())}


def _policy_findings() -> list[dict[str, str]]:
    """Today's findings of ``persondata policy check``, in the page's language. They never hold customer data."""
    lang = runtime.language()
    findings = review.findings(runtime.policy(), timezone.localdate())
    return [
        {"severity": f.severity, "key": f.key, "message": f.message.get(lang), "fix": f.fix.get(lang)}
        for f in findings
    ]


@login_required
@require_http_methods(["GET", "POST"])
def customer_search(request: HttpRequest) -> HttpResponse:
    purposes = _purposes(request.user)
    if not purposes:
        return denied(request, _("None of your roles gives access to customer data."))
    if request.method != "POST":
        return render(request, "web/search.html", {"form": CustomerSearchForm(purposes=purposes)})
    form = CustomerSearchForm(request.POST, purposes=purposes)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        actor = Actor.for_user(request.user, form.cleaned_data["purpose"], "web")
        with reading():
            hits = find_customers(actor, form.cleaned_data["query"], now=timezone.now())
        # Rendered right here, not redirected: a redirect would carry the query into a URL and the history.
        context.update(hits=hits, searched=True, purpose=actor.purpose, limited=len(hits) >= SEARCH_LIMIT)
    return render(request, "web/search.html", context)


def _why_hidden(category: str, actor: Actor) -> str:
    """The access decision's reason in the page's words (the decision's own reason, with keys, goes to the logs)."""
    cat = runtime.policy().categories.get(category)
    purpose = labels.purpose(actor.purpose or "")
    if cat is not None and actor.purpose not in cat.purposes:
        return _("this kind of data is not used for the purpose “%(purpose)s”") % {"purpose": purpose}
    roles = ", ".join(labels.role(r) for r in sorted(actor.roles)) or _("none")
    return _("none of your roles (%(roles)s) may read it for the purpose “%(purpose)s”") % {
        "roles": roles,
        "purpose": purpose,
    }


@login_required
@require_POST
def customer_suggest(request: HttpRequest) -> HttpResponse:
    """The type-ahead's suggestions (web/static/web/typeahead.js), as list items: POST, so what was typed never
    enters a URL. For the chosen purpose; without one, handling customers' rights if the roles allow it (the
    pickers of requests and legal holds), else the first purpose they may use."""
    purposes = [key for key, _label in _purposes(request.user)]
    if not purposes:
        return denied(request, _("None of your roles gives access to customer data."))
    purpose = request.POST.get("purpose") or (
        permissions.DUTY_PURPOSE if permissions.DUTY_PURPOSE in purposes else purposes[0]
    )
    if purpose not in purposes:
        return HttpResponse(_("Choose one of your purposes."), status=400, content_type="text/plain")
    actor = Actor.for_user(request.user, purpose, "web")
    text = request.POST.get("q", "")[:QUERY_MAX]
    with reading():  # a read beside a long import: the access log's own lock only (persondata.rawsql)
        hits = suggest_customers(actor, text, now=timezone.now())
    context = {"hits": hits, "purpose": purpose, "short": len(text.strip()) < SUGGEST_MIN}
    response = render(request, "web/_suggestions.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    purpose = request.GET.get("purpose") or None
    actor = Actor.for_user(request.user, purpose, "web")
    try:
        with reading():
            view = show_customer(actor, customer_id, now=timezone.now())
    except NotFound:
        raise Http404 from None
    policy = runtime.policy()
    purposes = _purposes(request.user)
    hidden = [
        {"key": key, "label": _label(policy.categories.get(key), key), "reason": _why_hidden(key, actor)}
        for key in view.hidden
    ]
    return render(
        request,
        "web/customer.html",
        {
            "customer": view,
            "shown": set(view.shown),
            "hidden": hidden,
            "purpose": view.purpose,
            "purpose_label": _label(policy.purposes.get(view.purpose), view.purpose),
            "purposes": purposes,
            "orders_shown": "order_history" in view.shown,
            "payments_shown": "payment" in view.shown,
            **customer_panels.panels(request.user, view.id, legal_date(timezone.now())),
        },
    )
