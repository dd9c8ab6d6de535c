"""The pages of the half-yearly control (R17), for whoever holds ``run_control`` (the data controller by default).

Thin: each view checks the duty, validates, calls :mod:`persondata.governance.control` in one transaction and
redirects; the report is rendered by :mod:`persondata.governance.control_report`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.core.calendar import add_months, legal_date
from persondata.documents.csp import with_document_csp
from persondata.documents.templatetags.formats import page_language
from persondata.governance import attachments, control_report
from persondata.governance import control as controls
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Control


class AnswerForm(forms.Form):
    item = forms.CharField(max_length=60)
    ok = forms.ChoiceField(label=_("In order"), choices=[("yes", _("yes")), ("no", _("no"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=controls.MAX_NOTE)


class AttachForm(forms.Form):
    item = forms.CharField(max_length=60)
    attachment = forms.FileField(
        label=_("Attachment"),
        error_messages={
            "required": _("choose the PDF, PNG or JPEG file to attach"),
            "empty": _("the file is empty; choose the PDF, PNG or JPEG to attach"),
        },
    )


class SignForm(forms.Form):
    signer_name = forms.CharField(label=_("Signed by (name)"), max_length=120)


def _staff_logins() -> list[str]:
    """The owners a follow-up task may have: the active staff logins."""
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )


def _assignment(owner: str, due: str) -> controls.Assignment:
    try:
        due_on = date.fromisoformat(due.strip())
    except ValueError:
        raise GovernanceError("due_on", str(_("Write the due date as YYYY-MM-DD."))) from None
    return controls.Assignment(owner, due_on)


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.user, permissions.RUN_CONTROL, "web", customer_data=False)


def _list_page(request: HttpRequest, assign_error: str = "", status: int = 200) -> HttpResponse:
    today = legal_date(timezone.now())
    context = {
        "schedule": controls.schedule(today),
        "controls": list(Control.objects.all()[:20]),
        "follow_ups": [control_report.labelled(f) for f in controls.open_follow_ups()],
        "today": today,
        "staff_logins": _staff_logins(),
        "error": request.GET.get("error", "") == "open",
        "assign_error": assign_error,
    }
    return render(request, "governance/controls.html", context, status=status)


@never_cache
@login_required
@require_GET
def control_list(request: HttpRequest) -> HttpResponse:
    _actor(request)
    return _list_page(request)


@login_required
@require_POST
def control_start(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        with transaction.atomic():
            control = controls.start_control(actor, now=timezone.now())
    except GovernanceError:
        return HttpResponseRedirect(reverse("governance:controls") + "?error=open")
    return HttpResponseRedirect(reverse("governance:control", args=[control.id]))


@login_required
@require_POST
def follow_up_assign(request: HttpRequest, follow_up_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    owner, due = request.POST.get("owner", ""), request.POST.get("due_on", "")
    try:
        with transaction.atomic():
            controls.assign_follow_up(actor, follow_up_id, _assignment(owner, due), now=timezone.now())
    except NotFound as exc:
        raise Http404 from exc
    except GovernanceError as exc:
        return _list_page(request, exc.message, status=400)
    return HttpResponseRedirect(reverse("governance:controls") + "#follow-ups")


def _page(request: HttpRequest, control: Control, error: str = "", status: int = 200) -> HttpResponse:
    lang = page_language()
    context = {
        "control": control,
        "rows": control_report.rows(control, lang),
        "manual": control_report.manual_rows(control, lang),
        "findings": [
            {"key": k, "label": control_report.item_label(k, lang)} for k in controls.findings(control)
        ],
        "staff_logins": _staff_logins(),
        "default_due": add_months(legal_date(timezone.now()), controls.FOLLOW_UP_MONTHS),
        "sign_form": SignForm(),
        "error": error,
        "languages": control_report.LANGUAGES,
    }
    return render(request, "governance/control.html", context, status=status)


def _control(actor: Actor, control_id: uuid.UUID) -> Control:
    try:
        return controls.get_control(actor, control_id)
    except NotFound as exc:
        raise Http404 from exc


@never_cache
@login_required
@require_GET
def control_detail(request: HttpRequest, control_id: uuid.UUID) -> HttpResponse:
    return _page(request, _control(_actor(request), control_id))


def _post(request: HttpRequest, control_id: uuid.UUID, run: Any) -> HttpResponse:
    actor = _actor(request)
    try:
        with transaction.atomic():
            run(actor)
    except NotFound as exc:
        raise Http404 from exc
    except GovernanceError as exc:
        return _page(request, _control(actor, control_id), exc.message, status=400)
    return HttpResponseRedirect(reverse("governance:control", args=[control_id]))


@login_required
@require_POST
def control_answer(request: HttpRequest, control_id: uuid.UUID) -> HttpResponse:
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _page(request, _control(_actor(request), control_id), form.errors.as_text(), status=400)
    f = form.cleaned_data
    return _post(
        request,
        control_id,
        lambda a: controls.answer(a, control_id, f["item"], f["ok"] == "yes", f["note"], now=timezone.now()),
    )


@login_required
@require_POST
def control_attach(request: HttpRequest, control_id: uuid.UUID) -> HttpResponse:
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(str(m) for m in e)}" for field, e in form.errors.items())
        return _page(request, _control(_actor(request), control_id), errors, status=400)
    item, upload = form.cleaned_data["item"], form.cleaned_data["attachment"]
    try:
        attachments.check_size(upload.size)  # before the file is read into memory
    except GovernanceError as exc:
        return _page(request, _control(_actor(request), control_id), exc.message, 400)
    content = upload.read()
    return _post(
        request,
        control_id,
        lambda a: attachments.attach(a, control_id, item, upload.name, content, now=timezone.now()),
    )


@never_cache
@login_required
@require_GET
def control_attachment(request: HttpRequest, control_id: uuid.UUID, item: str) -> HttpResponse:
    actor = _actor(request)
    try:
        attachment, content = attachments.read(actor, control_id, item)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def control_sign(request: HttpRequest, control_id: uuid.UUID) -> HttpResponse:
    form = SignForm(request.POST)
    if not form.is_valid():
        return _page(request, _control(_actor(request), control_id), form.errors.as_text(), status=400)
    name = form.cleaned_data["signer_name"]

    def sign(actor: Actor) -> Control:
        chosen = {
            key: _assignment(request.POST.get(f"owner-{key}", ""), request.POST.get(f"due-{key}", ""))
            for key in controls.findings(controls.get_control(actor, control_id))
            if f"owner-{key}" in request.POST
        }
        return controls.sign_off(actor, control_id, name, now=timezone.now(), assignments=chosen)

    return _post(request, control_id, sign)


@login_required
@require_GET
def control_report_file(request: HttpRequest, control_id: uuid.UUID, lang: str, fmt: str) -> HttpResponse:
    control = _control(_actor(request), control_id)
    if lang not in control_report.LANGUAGES or fmt not in control_report.FORMATS:
        raise Http404
    body = control_report.render(control, lang, fmt, timezone.now())
    response = HttpResponse(
        body, content_type="application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'inline; filename="control-{control.period_end.isoformat()}-{lang}.{fmt}"'
    )
    response["Cache-Control"] = "no-store"
    return with_document_csp(response, body) if fmt == "html" else response


@login_required
@require_POST
def follow_up_done(request: HttpRequest, follow_up_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    try:
        with transaction.atomic():
            controls.complete_follow_up(actor, follow_up_id, now=timezone.now())
    except NotFound as exc:
        raise Http404 from exc
    return HttpResponseRedirect(reverse("governance:controls") + "#follow-ups")
