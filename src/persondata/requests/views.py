"""Staff pages for customers' requests: the list with deadlines, intake, one request with its steps.

Thin: each view checks who is asking, validates the form, calls :mod:`persondata.requests.services` (or
:mod:`persondata.requests.answers.answering`) in one transaction and redirects. Requests are addressed by their
pseudonymous id; the requester's details are shown only to whoever handles requests (the data controller in the
shipped policy).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.core import requests as rq
from persondata.core.calendar import legal_date
from persondata.documents.csp import with_document_csp
from persondata.register.rectify import RectifyError
from persondata.requests import handling, intake, services, spool
from persondata.requests.answers import answering as answers
from persondata.requests.answers import delivery, documents, printing
from persondata.requests.forms import (
    GROUND_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    VERIFIED_BY,
    AssignForm,
    CommentForm,
    EraseForm,
    ExtendForm,
    HandlerForm,
    LiftNoticeForm,
    NewRequestForm,
    PostedForm,
    RectifyForm,
    ReferenceForm,
    RefuseForm,
    RestrictForm,
    SendLinkForm,
    TextAnswerForm,
    VerifyForm,
)
from persondata.requests.inbox import InboxFilter, inbox
from persondata.requests.models import Document, Request


def handler(request: HttpRequest) -> Actor:
    """The logged-in staff member as an actor who handles customers' requests (the data controller), or
    :class:`AccessDenied`. The partners' page uses it too."""
    return permissions.actor_for(request.user, permissions.HANDLE_REQUESTS, "web")


def _get(request_id: uuid.UUID) -> Request:
    found = Request.objects.filter(pk=request_id).first()
    if found is None:
        raise Http404("no such request")
    return found


def _inbox_page(
    request: HttpRequest, reference_form: ReferenceForm | None = None, status: int = 200
) -> HttpResponse:
    """The inbox as the query string filters it (codes and ids only: no personal data in the URL)."""
    today = legal_date(timezone.now())
    form = InboxFilter(request.GET or None, handling.handlers())
    spooled, _oldest = spool.waiting()  # public submissions made beside a long import, not yet moved in
    return render(
        request,
        "requests/list.html",
        {
            "form": form,
            "inbox": inbox(form, request.GET.get("page"), today),
            "reference_form": reference_form or ReferenceForm(),
            "headers": [
                ("reference", _("Reference")),
                ("kind", _("Kind")),
                ("state", _("State")),
                ("received", _("Received")),
                ("due", _("Answer due")),
            ],
            "kinds": KIND_LABELS,
            "states": STATE_LABELS,
            "spooled": spooled,
        },
        status=status,
    )


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    handler(request)
    return _inbox_page(request)


@login_required
@require_POST
def find_reference(request: HttpRequest) -> HttpResponse:
    """The request with the reference the customer quotes (typed loosely). A POST, so the reference stays out of
    URLs and the browser's history; found, it redirects to the request's page (its pseudonymous id)."""
    handler(request)
    form = ReferenceForm(request.POST)
    if form.is_valid():
        ref = rq.normalize_reference(form.cleaned_data["reference"])
        found = Request.objects.filter(reference=ref).only("id").first() if ref else None
        if found is not None:
            return HttpResponseRedirect(reverse("requests:detail", args=[found.id]))
        form.add_error(
            "reference",
            _(
                "No request has this reference. A reference looks like PD-7K3F-9QXW: check the letters and digits."
            )
            if ref
            else _(
                "This is not a reference: it looks like PD-7K3F-9QXW (eight letters and digits after PD)."
            ),
        )
    return _inbox_page(request, form, status=400)


def _customer_param(request: HttpRequest) -> uuid.UUID | None:
    """``?customer=<pseudonymous id>`` of "start a request for this customer" (an id, never personal data)."""
    try:
        return uuid.UUID(request.GET.get("customer", ""))
    except ValueError:
        return None


def _new_form(data: Any, initial: dict[str, Any], handles: bool) -> NewRequestForm:
    form = NewRequestForm(data, initial=initial)
    if not handles:  # only those who handle requests say which customer it is (a match discloses a customer)
        del form.fields["customer"]
    return form


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Any staff member may register a request that reached them (by e-mail, letter, phone)."""
    actor = Actor.for_user(request.user, None, "web")
    today = legal_date(timezone.now())
    handles = permissions.holds(actor, permissions.HANDLE_REQUESTS)
    initial = {
        "received_on": today,
        "language": "da",
        "customer": _customer_param(request) if handles else None,
    }
    form = _new_form(request.POST or None, initial, handles)
    error = ""
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data
        try:
            with transaction.atomic():
                created = intake.submit(
                    f["kind"],
                    form.details(),
                    channel="staff",
                    language=f["language"],
                    now=timezone.now(),
                    by=actor,
                    received_on=f["received_on"],
                )
                services.update_work(created, received_via=f["received_via"])
                if f.get("customer"):  # started from the customer's page, or picked
                    services.assign_customer(actor, created, f["customer"], now=timezone.now())
        except NotFound:
            form.add_error("customer", _("No such customer: pick the customer again."))
        except services.RequestError as exc:
            field = exc.field if exc.field in form.fields else None
            if field is not None:  # shown again without what was refused (a CPR number is not echoed back)
                data = request.POST.copy()
                data[field] = ""
                form = _new_form(data, {}, handles)
                form.is_valid()
            form.add_error(field, exc.message)
        else:
            if handles:
                return HttpResponseRedirect(reverse("requests:detail", args=[created.id]))
            return render(request, "requests/registered.html", {"req": created})
    return render(
        request,
        "requests/new.html",
        {"form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )


def _detail_context(req: Request, actor: Actor, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    today = legal_date(timezone.now())
    deadline = rq.deadline(req.received_on, req.extension_months)
    state = rq.State(req.state)
    events = [e.value for e in rq.allowed_events(state)]
    context: dict[str, Any] = {
        "req": req,
        "kind_label": KIND_LABELS[rq.Kind(req.kind)],
        "requester": services.show_requester(actor, req, now=timezone.now()),
        "work": services.work(req),
        "deadline": deadline,
        "days_left": deadline.days_left(today),
        "level": deadline.level(today) if state in rq.OPEN_STATES else "closed",
        "open": state in rq.OPEN_STATES,
        "events": events,
        "history": list(req.events.all()),
        "documents": list(
            req.documents.order_by("created_at")
            .defer("blob")
            .annotate(stored=ExpressionWrapper(Q(blob__isnull=False), output_field=BooleanField()))
        ),
        "printing": printing.pending(req),
        "identity_required": rq.Kind(req.kind) in rq.IDENTITY_REQUIRED,
        "identity_label": VERIFIED_BY.get(req.identity_method, ""),
        "ground_label": GROUND_LABELS.get(req.refusal_ground, ""),
        "may_extend": state in rq.OPEN_STATES
        and not req.extension_months
        and today <= deadline.extension_notice_due,
        "answer_form": _answer_form(req),
        "restriction_active": _restriction_active(req),
        "lift_form": LiftNoticeForm(),
        "assign_form": AssignForm(),
        "handler_form": HandlerForm(initial={"handler": req.assigned_to_id}),
        "comment_form": CommentForm(),
        "comments": handling.comments(actor, req),
        "verify_form": VerifyForm(),
        "extend_form": ExtendForm(),
        "refuse_form": RefuseForm(),
        "sendable": req.state in delivery.SENDABLE and req.purged_at is None,
        "send_link_form": SendLinkForm(),
        "posted_form": PostedForm(initial={"posted_on": today}),
        "sent": [e for e in req.events.all() if e.event.startswith("answer_")],
    }
    context.update(forms or {})
    return context


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = handler(request)
    return render(request, "requests/detail.html", _detail_context(_get(request_id), actor))


def _step(
    request: HttpRequest,
    request_id: uuid.UUID,
    form_class: type[Any] | None,
    form_key: str,
    run: Callable[[Actor, Request, dict[str, Any]], object],
) -> HttpResponse:
    """Run one step on a request; on bad input show the page again with the form's errors (400)."""
    actor = handler(request)
    req = _get(request_id)
    form = form_class(request.POST) if form_class is not None else None
    if form is not None and not form.is_valid():
        context = _detail_context(req, actor, {form_key: form})
        return render(request, "requests/detail.html", context, status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=req.pk)
            run(actor, locked, data)
    except (services.RequestError, RectifyError, NotFound) as exc:
        req.refresh_from_db()
        context = _detail_context(req, actor)
        context["error"] = exc.message if isinstance(exc, services.RequestError) else str(exc)
        if isinstance(exc, RectifyError) and form is not None:
            # shown again without the refused values (they may be a CPR number), each error at its field
            again = form_class({k: v for k, v in request.POST.items() if k not in exc.errors})  # type: ignore[misc]
            again.is_valid()
            for name, message in exc.errors.items():
                again.add_error(name if name in again.fields else None, message)
            context[form_key] = again
        return render(request, "requests/detail.html", context, status=400)
    return HttpResponseRedirect(reverse("requests:detail", args=[req.id]))


def _send_confirmation(actor: Actor, req: Request, data: dict[str, Any], now: datetime) -> None:
    if not services.send_confirmation(req, now=now, actor=actor):
        raise services.RequestError(
            "customer", _("No single customer with an e-mail address on file: check identity another way.")
        )


def _extend(actor: Actor, req: Request, data: dict[str, Any], now: datetime) -> None:
    services.extend(actor, req, data["months"], data["reasons"], now=now)
    answers.extension_notice(actor, req, now=now)  # R6: the customer is told, with the reasons


def _refuse(actor: Actor, req: Request, data: dict[str, Any], now: datetime) -> None:
    services.refuse(actor, req, data["ground"], data["reasons"], now=now)
    answers.refusal_letter(actor, req, now=now)  # R8: the reasons and the right to complain


Step = Callable[[Actor, Request, dict[str, Any], datetime], object]  # what it returns is not used

#: The steps on a request's page other than the answer: URL name → (form, its name in the page, what it does).
STEPS: dict[str, tuple[type[Any] | None, str, Step]] = {
    "send_confirmation": (None, "", _send_confirmation),
    # how the answer leaves: a download link to the address on file, or a posted letter (answers/delivery.py)
    "send_link": (
        SendLinkForm,
        "send_link_form",
        lambda a, r, d, now: delivery.send_link(a, r, note=d["note"], now=now),
    ),
    "record_post": (
        PostedForm,
        "posted_form",
        lambda a, r, d, now: delivery.record_post(a, r, posted_on=d["posted_on"], now=now),
    ),
    "verify": (
        VerifyForm,
        "verify_form",
        lambda a, r, d, now: services.verify_manually(a, r, d["method"], now=now, note=d["note"]),
    ),
    "assign": (
        AssignForm,
        "assign_form",
        lambda a, r, d, now: services.assign_customer(a, r, d["customer"], now=now),
    ),
    "start": (None, "", lambda a, r, d, now: services.start(a, r, now=now)),
    "handler": (
        HandlerForm,
        "handler_form",
        lambda a, r, d, now: handling.assign_handler(a, r, d["handler"], now=now),
    ),
    "comment": (
        CommentForm,
        "comment_form",
        lambda a, r, d, now: handling.add_comment(a, r, d["text"], now=now),
    ),
    "extend": (ExtendForm, "extend_form", _extend),
    "refuse": (RefuseForm, "refuse_form", _refuse),
    "withdraw": (None, "", lambda a, r, d, now: services.withdraw(a, r, now=now)),
    # Art. 15(1): the requester is not a customer — confirm that no data is held (an answer, not a refusal)
    "no_data": (None, "", lambda a, r, d, now: answers.answer_no_data(a, r, now=now)),
    # R10: restrict while a disputed accuracy is checked (a rectification request)
    "restrict_pending": (None, "", lambda a, r, d, now: answers.restrict_pending_check(a, r, now=now)),
    # Art. 18(3): tell the customer, before it happens, that a restriction will be lifted; then lift it
    "lift_notice": (
        LiftNoticeForm,
        "lift_form",
        lambda a, r, d, now: answers.answer_lift_notice(
            a, r, lift_on=d["lift_on"], reasons=d["reasons"], now=now
        ),
    ),
    "lift": (None, "", lambda a, r, d, now: answers.lift_after_notice(a, r, now=now)),
}


@login_required
@require_POST
def step(request: HttpRequest, request_id: uuid.UUID, name: str) -> HttpResponse:
    form_class, form_key, run = STEPS[name]
    return _step(request, request_id, form_class, form_key, lambda a, r, d: run(a, r, d, timezone.now()))


# -- answers -------------------------------------------------------------------------------------------------
ANSWER_FORMS: dict[str, type[Any] | None] = {
    rq.Kind.INFORMATION: None,
    rq.Kind.ACCESS: None,
    rq.Kind.PORTABILITY: None,
    rq.Kind.ERASURE: EraseForm,
    rq.Kind.RECTIFICATION: RectifyForm,
    rq.Kind.RESTRICTION: RestrictForm,
    rq.Kind.OBJECTION: TextAnswerForm,
    rq.Kind.OTHER: TextAnswerForm,
}


def _answer_form(req: Request) -> Any:
    form_class = ANSWER_FORMS[rq.Kind(req.kind)]
    return form_class() if form_class is not None else None


def _restriction_active(req: Request) -> bool:
    from persondata.register.models import Restriction

    if req.customer_id is None or req.kind not in (rq.Kind.RESTRICTION, rq.Kind.RECTIFICATION):
        return False
    return (
        Restriction.objects.filter(customer_id=req.customer_id, lifted_at__isnull=True)
        .exclude(reason="erasure_request")
        .exists()
    )


def _answer(actor: Actor, req: Request, data: dict[str, Any]) -> None:
    now = timezone.now()
    kind = rq.Kind(req.kind)
    if kind is rq.Kind.INFORMATION:
        answers.answer_information(actor, req, now=now)
    elif kind is rq.Kind.ACCESS:
        answers.answer_access(actor, req, now=now)
    elif kind is rq.Kind.PORTABILITY:
        answers.answer_portability(actor, req, now=now)
    elif kind is rq.Kind.ERASURE:
        answers.answer_erasure(actor, req, now=now)
    elif kind is rq.Kind.RECTIFICATION:
        changes = {k: v for k, v in data.items() if k != "note" and v}
        answers.answer_rectification(actor, req, changes, now=now, note=data.get("note", ""))
    elif kind is rq.Kind.RESTRICTION:
        answers.answer_restriction(actor, req, reason=data["reason"], now=now, note=data.get("note", ""))
    elif kind is rq.Kind.OBJECTION:
        answers.answer_objection(actor, req, text=data["text"], now=now)
    else:
        answers.answer_other(actor, req, text=data["text"], now=now)


@login_required
@require_POST
def answer(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Do what the request asks and produce the letter (and files): the request is then answered."""
    handler(request)  # refused before anything is told about the request, even whether it exists
    form_class = ANSWER_FORMS[rq.Kind(_get(request_id).kind)]
    return _step(request, request_id, form_class, "answer_form", _answer)


@login_required
@require_GET
def document(request: HttpRequest, request_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    """Download a letter or file of the request (recorded as a step; the file name holds no personal data)."""
    actor = handler(request)
    found = Document.objects.select_related("request").filter(pk=document_id, request_id=request_id).first()
    if found is None:
        raise Http404("no such document")
    try:
        with transaction.atomic():
            data, content_type, name = documents.read_document(actor, found, now=timezone.now())
    except services.RequestError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if found.fmt in ("html", "pdf") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return with_document_csp(response, data) if found.fmt == "html" else response
