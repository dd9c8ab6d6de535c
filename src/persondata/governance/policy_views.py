"""The staff page of the policy's versions: each version with its days in force and its changes, and the form that
records an adoption (``adopt_policy``; the data controller by default)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.governance import policy_versions as versions
from persondata.governance.errors import GovernanceError


class AdoptionForm(forms.Form):
    adopted_on = forms.DateField(
        label=_("Adopted (signed) on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    adopted_by = forms.CharField(label=_("Adopted by (name)"), max_length=versions.MAX_NAME)
    role = forms.CharField(label=_("Role, e.g. Direktør"), max_length=versions.MAX_ROLE)


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.ADOPT_POLICY, "web", customer_data=False)


def _page(request: HttpRequest, form: AdoptionForm | None = None, status: int = 200) -> HttpResponse:
    current = versions.in_force()
    periods = versions.periods()
    context = {
        "periods": periods,
        "current": current,
        # the adoption form goes with the version in force (or the newest); earlier ones: the CLI or the API
        "target": current or (periods[0].version if periods else None),
        "form": form or AdoptionForm(initial={"adopted_on": timezone.localdate()}),
    }
    return render(request, "governance/policy.html", context, status=status)


@never_cache
@login_required
@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    _actor(request)
    return _page(request)


@login_required
@require_POST
def policy_adopt(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    form = AdoptionForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        with transaction.atomic():
            versions.adopt(actor, number, now=timezone.now(), **form.cleaned_data)
    except NotFound as exc:
        raise Http404 from exc
    except GovernanceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, form, status=400)
    return HttpResponseRedirect(reverse("governance:policy") + f"#version-{number}")
