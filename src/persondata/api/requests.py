"""The API for customers' requests: register one (any staff login with a customer role), and — for whoever
handles requests — list, read and take the steps of the state machine. Same services as the web pages."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field, StringConstraints

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.api.schemas import CONFLICT, ERRORS
from persondata.core.calendar import legal_date
from persondata.core.requests import Kind
from persondata.register.rectify import RectifyError
from persondata.requests import intake, services
from persondata.requests.answers import answering as answers
from persondata.requests.answers import documents, printing
from persondata.requests.models import Document, Request

router = Router(tags=["requests"])


def _text(n: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=n)]


def _identifying(n: int) -> Any:
    """A field that identifies the requester: when given, not blank."""
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=n, pattern=r"\S")]


class RequestIn(Schema):
    # at least one identifying field (intake.clean_requester): the schema says so, so clients send one
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": [k]} for k in intake.IDENTIFYING]}
    )

    kind: Kind
    received_on: date | None = Field(None, description="the day the request reached you (default: today)")
    language: str = Field("da", pattern="^(da|en)$", description="language of the answer")
    name: _identifying(intake.REQUESTER_FIELDS["name"]) = None  # type: ignore[valid-type]
    email: _identifying(intake.REQUESTER_FIELDS["email"]) = None  # type: ignore[valid-type]
    phone: _identifying(intake.REQUESTER_FIELDS["phone"]) = None  # type: ignore[valid-type]
    address: _text(intake.REQUESTER_FIELDS["address"]) | None = None  # type: ignore[valid-type]
    customer_number: _identifying(intake.REQUESTER_FIELDS["customer_number"]) = None  # type: ignore[valid-type]
    message: _text(intake.REQUESTER_FIELDS["message"]) | None = None  # type: ignore[valid-type]


class VerifyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(description="phone_callback, in_person, letter or known_contact")
    note: _text(500) = ""  # type: ignore[valid-type]


class ExtendIn(Schema):
    model_config = ConfigDict(extra="forbid")
    months: int = Field(ge=1, le=2)
    reasons: _text(2000)  # type: ignore[valid-type]


class RefuseIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ground: Literal["unfounded", "excessive", "identity"] = Field(
        description="manifestly unfounded, manifestly excessive, or identity not verifiable (Art. 12(5), 12(6)). "
        "Holding no data about the requester is not a refusal: POST /api/requests/{id}/no-data (Art. 15(1))"
    )
    reasons: _text(4000)  # type: ignore[valid-type]


class DocumentOut(Schema):
    id: uuid.UUID
    kind: str
    format: str
    language: str
    created_at: datetime
    size: int
    sha256: str
    available: bool


class RequestOut(Schema):
    id: uuid.UUID
    reference: str
    kind: str
    state: str
    channel: str
    received_on: date
    due_on: date
    extension_months: int
    days_left: int | None = None
    match: str | None = Field(
        description="none, single, ambiguous or manual; null on registering unless your login holds "
        "handle_requests (then the lookup is in the access log)"
    )
    customer_id: uuid.UUID | None = None
    identity_method: str = ""


PRINTING = Field(
    description="true while the letter (HTML and PDF) is still being drawn (it is made right after the answer "
    "commits, usually within a fraction of a second): fetch GET /api/requests/{id} again for it"
)


class RequestDetailOut(RequestOut):
    requester: dict[str, str]
    documents: list[DocumentOut]
    printing: bool = PRINTING


def _out(req: Request, shown_to: Actor | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        f: getattr(req, f)
        for f in (
            "id", "reference", "kind", "state", "channel", "received_on", "due_on", "extension_months", "match",
            "customer_id", "identity_method",
        )
    }  # fmt: skip
    if req.closed_at is None:
        out["days_left"] = (req.due_on - legal_date(timezone.now())).days
    if shown_to is not None:
        out["requester"] = services.show_requester(shown_to, req, now=timezone.now())
        out.update(_documents(req))
    return out


def _handler(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.auth, permissions.HANDLE_REQUESTS, "api")  # type: ignore[attr-defined]


def _invalid(exc: services.RequestError) -> ValidationError:
    return ValidationError([{"loc": ("body", exc.field), "msg": exc.message, "type": "invalid"}])


@router.post(
    "",
    response={201: RequestOut, **ERRORS},
    summary="Register a customer's request",
    description="Any staff login with a customer role may register a request. Whether it matched a customer "
    "(`match`, `customer_id`) is shown only to a login that holds `handle_requests`, and showing it is written "
    "to the access log; for any other login both are null.",
)
def create_request(request: HttpRequest, body: RequestIn) -> Status[dict[str, Any]]:
    actor = Actor.for_user(request.auth, None, "api")  # type: ignore[attr-defined]
    handles = permissions.holds(actor, permissions.HANDLE_REQUESTS)
    handler = permissions.actor_for(request.auth, permissions.HANDLE_REQUESTS, "api") if handles else None  # type: ignore[attr-defined]
    details = body.model_dump(exclude={"kind", "received_on", "language"}, exclude_none=True)
    now = timezone.now()
    try:
        with transaction.atomic():
            req = intake.submit(
                body.kind.value,
                details,
                channel="api",
                language=body.language,
                now=now,
                by=actor,
                received_on=body.received_on,
            )
            out = _out(req)
            if handler is not None:
                services.log_match(handler, req, now=now)
            else:  # else any token could test whether an e-mail address is a customer's
                out["match"] = out["customer_id"] = None
    except services.RequestError as exc:
        raise _invalid(exc) from None
    return Status(201, out)


@router.get("", response={200: list[RequestOut], **ERRORS}, summary="Open requests, most urgent first")
def list_requests(request: HttpRequest) -> list[dict[str, Any]]:
    _handler(request)
    return [_out(o.request) for o in services.open_requests(legal_date(timezone.now()))]


def _get(request_id: uuid.UUID) -> Request:
    req = Request.objects.filter(pk=request_id).first()
    if req is None:
        raise Http404
    return req


@router.get("/{request_id}", response={200: RequestDetailOut, **ERRORS}, summary="One request")
def get_request(request: HttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    actor = _handler(request)  # refused before anything is told about the request, even whether it exists
    return _out(_get(request_id), shown_to=actor)


def _locked(request: HttpRequest, request_id: uuid.UUID, run: Any) -> tuple[Request, Any]:
    """Run a step on the request, locked, in one transaction; bad input is a 422 naming the field, a step the
    request's state forbids (a closed request) a 409."""
    actor = _handler(request)
    try:
        with transaction.atomic():
            req = Request.objects.select_for_update().filter(pk=request_id).first()
            if req is None:
                raise Http404
            return req, run(actor, req)
    except services.RequestConflict:
        raise  # 409 (api.endpoints)
    except services.RequestError as exc:
        raise _invalid(exc) from None
    except RectifyError as exc:
        raise ValidationError(
            [
                {"loc": ("body", "body", "changes", f), "msg": m, "type": "invalid"}
                for f, m in exc.errors.items()
            ]
        ) from None


def _step(request: HttpRequest, request_id: uuid.UUID, run: Any) -> dict[str, Any]:
    req, _result = _locked(request, request_id, run)
    return _out(req)


@router.post(
    "/{request_id}/verify",
    response={200: RequestOut, **ERRORS, **CONFLICT},
    summary="Record an identity check",
)
def verify_request(request: HttpRequest, request_id: uuid.UUID, body: VerifyIn) -> dict[str, Any]:
    return _step(
        request,
        request_id,
        lambda a, r: services.verify_manually(a, r, body.method, now=timezone.now(), note=body.note),
    )


@router.post(
    "/{request_id}/extend", response={200: RequestOut, **ERRORS, **CONFLICT}, summary="Extend the deadline"
)
def extend_request(request: HttpRequest, request_id: uuid.UUID, body: ExtendIn) -> dict[str, Any]:
    def run(actor: Actor, req: Request) -> None:
        now = timezone.now()
        services.extend(actor, req, body.months, body.reasons, now=now)
        answers.extension_notice(actor, req, now=now)  # R6: the customer is told, with the reasons

    return _step(request, request_id, run)


@router.post(
    "/{request_id}/refuse", response={200: RequestOut, **ERRORS, **CONFLICT}, summary="Refuse, with reasons"
)
def refuse_request(request: HttpRequest, request_id: uuid.UUID, body: RefuseIn) -> dict[str, Any]:
    def run(actor: Actor, req: Request) -> None:
        now = timezone.now()
        services.refuse(actor, req, body.ground, body.reasons, now=now)
        answers.refusal_letter(actor, req, now=now)  # R8: the reasons and the right to complain

    return _step(request, request_id, run)


@router.post(
    "/{request_id}/withdraw",
    response={200: RequestOut, **ERRORS, **CONFLICT},
    summary="Withdrawn by the customer",
)
def withdraw_request(request: HttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    return _step(request, request_id, lambda a, r: services.withdraw(a, r, now=timezone.now()))


NO_DATA_ERRORS = """Errors: 401 without a valid token; 403 (`access_denied`) unless the login holds the permission
`handle_requests`; 404 for an unknown request; 422 (`invalid`, `fields`: `customer`) when the request is matched
to a customer — answer it instead; 409 (`conflict`, `detail`: `state: …`) when it is already closed."""


class NoDataOut(RequestOut):
    documents: list[DocumentOut]
    printing: bool = PRINTING


@router.post(
    "/{request_id}/no-data",
    response={200: NoDataOut, **ERRORS, **CONFLICT},
    summary="No data held: confirm it (an answer, not a refusal)",
    description="The requester is not a customer: send the confirmation that no personal data about them is "
    "processed (GDPR Art. 15(1)) — a letter in HTML and PDF — and close the request as answered. For any kind "
    "of request and any open state; it discloses nothing, so no identity check is needed. No body.\n\n"
    + NO_DATA_ERRORS,
)
def no_data_request(request: HttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    req, _answer = _locked(
        request, request_id, lambda actor, req: answers.answer_no_data(actor, req, now=timezone.now())
    )
    return {**_out(req), **_documents(req)}


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, _text(254)] | None = Field(  # type: ignore[valid-type]
        None,
        description="rectification: corrected values (name, street, postcode, city, country, phone, email)",
    )
    reason: str | None = Field(
        None, description="restriction: accuracy_disputed, unlawful, legal_claims, objection"
    )
    text: _text(8000) | None = Field(None, description="objection, other: the answer to the customer")  # type: ignore[valid-type]
    note: _text(2000) = ""  # type: ignore[valid-type]
    confirm_erasure: bool = Field(False, description="erasure: must be true — it cannot be undone")


class AnswerOut(RequestOut):
    documents: list[DocumentOut]
    printing: bool = PRINTING
    partners_told: list[str]


def _documents(req: Request) -> dict[str, Any]:
    """The request's documents, and whether a letter's PDF is still being printed."""
    listed = [
        {
            "id": d.id,
            "kind": d.kind,
            "format": d.fmt,
            "language": d.language,
            "created_at": d.created_at,
            "size": d.size,
            "sha256": d.sha256,
            "available": d.stored,
        }
        for d in req.documents.order_by("created_at")
        .defer("blob")
        .annotate(stored=ExpressionWrapper(Q(blob__isnull=False), output_field=BooleanField()))
    ]
    return {"documents": listed, "printing": printing.pending(req)}


def _run_answer(actor: Actor, req: Request, body: AnswerIn) -> answers.Answer:
    kind = Kind(req.kind)
    now = timezone.now()
    if kind is Kind.ERASURE:
        if not body.confirm_erasure:
            raise services.RequestError("confirm_erasure", "an erasure cannot be undone; set it to true")
        return answers.answer_erasure(actor, req, now=now)
    if kind is Kind.RECTIFICATION:
        if not body.changes:
            raise services.RequestError("changes", "give at least one corrected value")
        return answers.answer_rectification(actor, req, body.changes, now=now, note=body.note)
    if kind is Kind.RESTRICTION:
        return answers.answer_restriction(actor, req, reason=body.reason or "", now=now, note=body.note)
    if kind in (Kind.OBJECTION, Kind.OTHER):
        run = answers.answer_objection if kind is Kind.OBJECTION else answers.answer_other
        return run(actor, req, text=body.text or "", now=now)
    if kind is Kind.INFORMATION:
        return answers.answer_information(actor, req, now=now)
    if kind is Kind.ACCESS:
        return answers.answer_access(actor, req, now=now)
    return answers.answer_portability(actor, req, now=now)


@router.post(
    "/{request_id}/answer",
    response={200: AnswerOut, **ERRORS, **CONFLICT},
    summary="Answer: do what the request asks, produce the letter and files",
)
def answer_request(request: HttpRequest, request_id: uuid.UUID, body: AnswerIn) -> dict[str, Any]:
    req, result = _locked(request, request_id, lambda actor, req: _run_answer(actor, req, body))
    return {
        **_out(req),
        **_documents(req),
        "partners_told": [name for _k, name in result.partners],
    }


@router.get(
    "/{request_id}/documents/{document_id}",
    response={200: None, **ERRORS},
    summary="Download a letter or file of the request",
)
def get_document(request: HttpRequest, request_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    actor = _handler(request)
    found = Document.objects.select_related("request").filter(pk=document_id, request_id=request_id).first()
    if found is None:
        raise Http404
    try:
        with transaction.atomic():
            data, content_type, name = documents.read_document(actor, found, now=timezone.now())
    except services.RequestError:
        raise Http404 from None
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
