"""The partners page, for the data controller: open notices to partners, ticking them off, webhook endpoints.

Thin: each view checks who is asking (whoever handles customers' requests), validates the form, calls
:mod:`persondata.partners.services` in one transaction and redirects — except after an endpoint got a new secret,
which is shown once on the page itself (never in a URL).
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.core.calendar import legal_date
from persondata.partners import agreements, services
from persondata.partners.errors import PartnerError
from persondata.partners.forms import EndpointForm, TickForm
from persondata.partners.models import FAILED, SENDING, PartnerNotice
from persondata.partners.webhooks import MAX_ATTEMPTS

ACTION_LABELS = {
    "rectification": _("Rectification"),
    "erasure": _("Erasure"),
    "restriction": _("Restriction"),
    "restriction_lifted": _("Restriction lifted"),
}
STATE_LABELS = {
    "pending": _("waiting"),
    "sending": _("being sent"),
    "done": _("done"),
    "failed": _("failed"),
}


def _row(notice: PartnerNotice, tick_error: tuple[uuid.UUID, str] | None = None) -> dict[str, object]:
    return {
        "notice": notice,
        "action": ACTION_LABELS.get(notice.action, notice.action),
        "state": STATE_LABELS.get(notice.state, notice.state),
        "error": tick_error[1] if tick_error and tick_error[0] == notice.id else "",
    }


def _page(
    request: HttpRequest,
    *,
    form: EndpointForm | None = None,
    tick_error: tuple[uuid.UUID, str] | None = None,
    secret: tuple[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    lang = (get_language() or "da").split("-")[0]
    lang = lang if lang in ("da", "en") else "da"
    # a partner without a complete processor agreement (Art. 28) receives nothing: its notices are held
    held = {
        r.partner.key: "; ".join(p.message.get(lang) for p in r.problems)
        for r in agreements.overview(legal_date(timezone.now()))
        if not r.complete
    }
    notices = []
    for n in services.open_notices():
        row = _row(n, tick_error)
        row["held"] = held.get(n.partner_key, "") if n.state != "failed" else ""
        notices.append(row)
    context = {
        "notices": notices,
        "held": held,
        "done": [_row(n) for n in services.recent_done()],
        "partners": services.partners_overview(),
        "form": form or EndpointForm(),
        "tick_form": TickForm(),
        "tick_error": tick_error[1] if tick_error else "",
        "secret": secret,
        "max_attempts": MAX_ATTEMPTS,
        "sending": SENDING,
        "failed": FAILED,
    }
    return render(request, "partners/notices.html", context, status=status)


def _actor(request: HttpRequest, duty: str) -> Actor:
    """The logged-in staff member, refused unless their role holds ``duty`` (a named permission)."""
    return permissions.actor_for(request.user, duty, "web")


@never_cache
@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    _actor(request, permissions.HANDLE_REQUESTS)
    return _page(request)


@login_required
@require_POST
def tick(request: HttpRequest, notice_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, permissions.HANDLE_REQUESTS)
    form = TickForm(request.POST)
    if not form.is_valid():
        return _page(request, tick_error=(notice_id, form.errors.as_text()), status=400)
    try:
        with transaction.atomic():
            services.tick(actor, notice_id, now=timezone.now(), note=form.cleaned_data["note"])
    except NotFound:
        return _page(request, tick_error=(notice_id, str(_("No such notice."))), status=404)
    except PartnerError as exc:
        return _page(request, tick_error=(notice_id, exc.message), status=400)
    return HttpResponseRedirect(reverse("partners:notices") + "#notices")


@never_cache
@login_required
@require_POST
def endpoint_set(request: HttpRequest) -> HttpResponse:
    actor = _actor(request, permissions.MANAGE_PARTNERS)
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    f = form.cleaned_data
    try:
        with transaction.atomic():
            endpoint, made = services.set_endpoint(
                actor,
                f["partner"],
                f["url"],
                now=timezone.now(),
                secret=f["secret"] or None,
                new_secret_wanted=f["new_secret"],
                enabled=f["enabled"],
            )
    except PartnerError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, form=form, status=400)
    if made:
        # shown once, on this answer only: the partner needs it to check our signatures
        return _page(request, secret=(endpoint.partner_key, made))
    return HttpResponseRedirect(reverse("partners:notices") + "#endpoints")


@login_required
@require_POST
def endpoint_remove(request: HttpRequest, partner_key: str) -> HttpResponse:
    actor = _actor(request, permissions.MANAGE_PARTNERS)
    with transaction.atomic():
        services.remove_endpoint(actor, partner_key, now=timezone.now())
    return HttpResponseRedirect(reverse("partners:notices") + "#endpoints")
