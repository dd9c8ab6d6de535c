"""The processor-agreement pages (GDPR Art. 28) and the disclosures, for whoever manages the partners.

Thin: each view checks the named permission, validates the form, calls :mod:`persondata.partners.agreements` in
one transaction and redirects. The list shows each partner's agreement and what it still lacks; a partner
without a complete, current one receives no data (its webhook notices are held).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.core.agreements import CLAUSES
from persondata.core.calendar import legal_date
from persondata.partners import agreements, disclosures
from persondata.partners.errors import PartnerError
from persondata.partners.forms import AgreementForm, DisclosureFilterForm, DisclosureForm, agreement_initial
from persondata.partners.models import ProcessorAgreement


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.MANAGE_PARTNERS, "web")


def _problems(row: agreements.AgreementRow) -> list[str]:
    return [p.message.get(runtime.language()) for p in row.problems]


@never_cache
@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    _actor(request)
    rows = [
        {"row": row, "problems": _problems(row)} for row in agreements.overview(legal_date(timezone.now()))
    ]
    return render(request, "partners/agreements.html", {"rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, partner_key: str) -> HttpResponse:
    actor = _actor(request)
    try:
        partner = agreements.partner_of(partner_key)
    except PartnerError:
        raise Http404 from None
    current = ProcessorAgreement.objects.filter(partner_key=partner.key).first()
    if request.method == "POST":
        form = AgreementForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    agreements.save_agreement(actor, partner.key, form.to_input(), now=timezone.now())
            except PartnerError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return HttpResponseRedirect(reverse("partners:agreements") + f"#agreement-{partner.key}")
        status = 400
    else:
        form = AgreementForm(initial=agreement_initial(current) if current else {"country": partner.country})
        status = 200
    context = {"partner": partner, "form": form, "agreement": current, "clauses": CLAUSES}
    return render(request, "partners/agreement_form.html", context, status=status)


@login_required
@require_POST
def agreement_delete(request: HttpRequest, partner_key: str) -> HttpResponse:
    actor = _actor(request)
    with transaction.atomic():
        agreements.delete_agreement(actor, partner_key, now=timezone.now())
    return HttpResponseRedirect(reverse("partners:agreements"))


@never_cache
@login_required
@require_GET
def agreement_document(request: HttpRequest, partner_key: str) -> HttpResponse:
    actor = _actor(request)
    try:
        pdf = agreements.read_document(actor, partner_key)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="processor-agreement-{partner_key}.pdf"'
    return response


# -- disclosures: who received what ----------------------------------------------------------------------------
PAGE_SIZE = 50


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def disclosure_list(request: HttpRequest) -> HttpResponse:
    """The records of transfers, filtered by partner and channel, 50 a page; and recording one by hand."""
    actor = _actor(request)
    filters = DisclosureFilterForm(request.GET or None)
    query = disclosures.listing(actor)
    if filters.is_valid():
        if key := filters.cleaned_data["partner"]:
            query = query.filter(partner_key=key)
        if channel := filters.cleaned_data["channel"]:
            query = query.filter(channel=channel)
    form = DisclosureForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            now = timezone.now()
            try:
                with transaction.atomic():
                    disclosures.record_by_hand(actor, now=now, **form.to_kwargs(now))
            except PartnerError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return HttpResponseRedirect(reverse("partners:disclosures"))
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "form": form, "query": _query_without_page(request)}
    return render(request, "partners/disclosures.html", context, status=status)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
