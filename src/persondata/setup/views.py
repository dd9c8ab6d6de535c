"""The setup pages (``/setup/``): the data controller (``adopt_policy``) makes the policy their own.

Each step saves on its own, so a person can leave and come back; the overview shows what is done. A save writes
the policy file (:mod:`persondata.setup.policy_file`) and goes on to the next step that is not done.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.core.agreements import cleared
from persondata.governance import policy_versions, review
from persondata.partners import agreements
from persondata.setup import customers as customer_files
from persondata.setup import policy_file
from persondata.setup import steps as setup_steps
from persondata.setup.forms import CompanyForm, PartnersForm, PolicyForm, YearForm


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.ADOPT_POLICY, "web", customer_data=False)


def _page(
    request: HttpRequest, key: str, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    all_steps = setup_steps.steps(runtime.policy(), timezone.localdate())
    number = setup_steps.KEYS.index(key) + 1
    context = {"steps": all_steps, "step": all_steps[number - 1], "number": number, **context}
    return render(request, f"setup/{template}", context, status=status)


def _next(after: str) -> HttpResponseRedirect:
    """The next step that is not done (after ``after``), else the overview."""
    later = setup_steps.KEYS[setup_steps.KEYS.index(after) + 1 :]
    todo = {s.key for s in setup_steps.unfinished(runtime.policy(), timezone.localdate())}
    following = next((k for k in later if k in todo), None)
    return HttpResponseRedirect(reverse(f"setup:{following}" if following else "setup:overview"))


@never_cache
@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _actor(request)
    all_steps = setup_steps.steps(runtime.policy(), timezone.localdate())
    first = next((s for s in all_steps if not s.done), None)
    return render(request, "setup/overview.html", {"steps": all_steps, "first": first})


def _policy_step(
    request: HttpRequest, key: str, form: PolicyForm, template: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                policy_file.save(actor, form.changes(), now=timezone.now())
                if key in setup_steps.CONFIRMED:
                    setup_steps.confirm(actor, key, now=timezone.now())
        except policy_file.Refused as exc:
            form.add_problems(exc.problems)
        else:
            return _next(key)
    status = 400 if request.method == "POST" else 200
    return _page(request, key, template, {"form": form, **(extra or {})}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def company(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    return _policy_step(request, "company", CompanyForm.for_policy(runtime.policy(), data), "company.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def year(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    return _policy_step(request, "year", YearForm.for_policy(runtime.policy(), data), "year.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def partners(request: HttpRequest) -> HttpResponse:
    policy = runtime.policy()
    data = request.POST if request.method == "POST" else None
    form = PartnersForm(policy, data)
    facts = agreements.facts()  # the agreements on record, beside each partner (docs/partners.md)
    today = timezone.localdate()
    extra = {"cleared": {p.key for p in policy.partners if cleared(facts.get(p.key), today)}}
    return _policy_step(request, "partners", form, "partners.html", extra)


@never_cache
@login_required
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    _actor(request)
    users = get_user_model().objects.filter(staff__isnull=False).select_related("staff").order_by("username")
    roles = runtime.policy().roles
    rows = [
        (u, [roles[r].label.get(runtime.language()) for r in u.staff.roles if r in roles], u.is_active)
        for u in users
    ]
    return _page(request, "staff", "staff.html", {"rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def customers(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "upload":
                customer_files.store(request.FILES.getlist("files"))
            elif action == "import":
                customer_files.start(actor.code)
            elif action == "discard":
                customer_files.discard()
        except customer_files.UploadRefused as exc:
            error = str(exc)
        else:
            return HttpResponseRedirect(reverse("setup:customers"))
    state = customer_files.progress()
    running = state is not None and state["status"] == "running"
    paths = [] if running else customer_files.waiting()
    context = {
        "error": error,
        "state": state,
        "running": running,
        "percent": int(100 * state["done"] / state["total"]) if running and state and state["total"] else 0,
        "previews": customer_files.preview(paths),
        "shown": customer_files.PREVIEW_UNITS,
    }
    return _page(request, "customers", "customers.html", context, status=400 if error else 200)


@login_required
@require_POST
def confirm(request: HttpRequest, key: str) -> HttpResponse:
    actor = _actor(request)
    if key not in setup_steps.CONFIRMED:
        return HttpResponseRedirect(reverse("setup:overview"))
    with transaction.atomic():
        setup_steps.confirm(actor, key, now=timezone.now())
    return _next(key)


@never_cache
@login_required
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    _actor(request)
    lang = runtime.language()
    items = [
        {
            "severity": f.severity,
            "message": f.message.get(lang),
            "fix": f.fix.get(lang),
            "step": setup_steps.owner(f),
        }
        for f in review.findings(runtime.policy(), timezone.localdate())
    ]
    return _page(request, "review", "review.html", {"items": items})


@never_cache
@login_required
@require_GET
def adopt(request: HttpRequest) -> HttpResponse:
    _actor(request)
    current = policy_versions.in_force()
    context = {"current": current, "adoption": policy_versions.adoption_of(current)}
    return _page(request, "adopt", "adopt.html", context)
