"""The access log for the data controller: search, and a customer's access history as CSV or JSON (RULES R9).

Filters travel in the query string: they are pseudonymous ids, staff ids, purposes and dates — never personal data.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from persondata import runtime
from persondata.access import access_log
from persondata.access.actor import Actor
from persondata.audit import services as audit


class AccessLogFilter(forms.Form):
    customer = forms.UUIDField(label=_("Customer (id)"), required=False)
    staff = forms.TypedChoiceField(label=_("Staff member"), required=False, coerce=int, empty_value=None)
    purpose = forms.ChoiceField(label=_("Purpose"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        staff = get_user_model().objects.order_by("username").values_list("pk", "username")
        self.fields["staff"].choices = [("", _("Everyone")), *staff]  # type: ignore[attr-defined]
        lang = "en" if (get_language() or "da").startswith("en") else "da"
        purposes = [(k, p.label.get(lang)) for k, p in runtime.policy().purposes.items()]
        self.fields["purpose"].choices = [("", _("All purposes")), *purposes]  # type: ignore[attr-defined]


def _local_midnight(day: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]


@login_required
@require_GET
def access_log_page(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilter(request.GET or None)
    events: list[access_log.AccessEvent] = []
    actor = Actor.for_user(request.user, access_log.READ_PURPOSE, "web")
    if form.is_valid():
        f = form.cleaned_data
        events = access_log.search_access_log(
            actor,
            customer_id=f["customer"],
            staff_id=f["staff"],
            purpose=f["purpose"] or None,
            since=_local_midnight(f["since"]) if f["since"] else None,
            until=_local_midnight(f["until"]) + timedelta(days=1) if f["until"] else None,
            limit=access_log.SEARCH_LIMIT,
        )
    elif not request.GET:
        events = access_log.search_access_log(actor, limit=100)
    return render(
        request,
        "web/access_log.html",
        {"form": form, "events": events, "limited": len(events) >= access_log.SEARCH_LIMIT},
    )


@login_required
@require_GET
def access_history_export(request: HttpRequest, customer_id: uuid.UUID, fmt: str) -> HttpResponse:
    """One customer's access history, for the access answer; staff identities only if ``?staff=1``."""
    if fmt not in ("csv", "json"):
        raise Http404
    include_staff = request.GET.get("staff") == "1"
    actor = Actor.for_user(request.user, access_log.READ_PURPOSE, "web")
    with transaction.atomic():
        events = access_log.customer_access_history(actor, customer_id, include_staff=include_staff)
        audit.record(
            "access_log.export",
            actor=actor.code,
            target=str(customer_id),
            details={"format": fmt, "staff_identities": include_staff, "entries": len(events)},
            now=timezone.now(),
        )
    body = access_log.export(events, fmt)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = HttpResponse(body, content_type=content_type)
    # the file name carries the pseudonymous id only
    response["Content-Disposition"] = f'attachment; filename="access-history-{customer_id}.{fmt}"'
    return response
