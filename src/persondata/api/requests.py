"""The API for customers' requests: register one (any staff login with a customer role), and — for whoever
handles requests — list, read and take the steps of the state machine. Same services as the web pages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field, StringConstraints

from persondata.api.schemas import ErrorOut, ValidationErrorOut
from persondata.core.calendar import legal_date
from persondata.core.requests import Kind
from persondata.register.services import Actor
from persondata.rights import services
from persondata.rights.models import Request

router = Router(tags=["requests"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _text(n: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=n)]


class RequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    received_on: date | None = Field(None, description="the day the request reached you (default: today)")
    language: str = Field("da", pattern="^(da|en)$", description="language of the answer")
    name: _text(services.REQUESTER_FIELDS["name"]) | None = None  # type: ignore[valid-type]
    email: _text(services.REQUESTER_FIELDS["email"]) | None = None  # type: ignore[valid-type]
    phone: _text(services.REQUESTER_FIELDS["phone"]) | None = None  # type: ignore[valid-type]
    address: _text(services.REQUESTER_FIELDS["address"]) | None = None  # type: ignore[valid-type]
    customer_number: _text(services.REQUESTER_FIELDS["customer_number"]) | None = None  # type: ignore[valid-type]
    message: _text(services.REQUESTER_FIELDS["message"]) | None = None  # type: ignore[valid-type]


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
    ground: str = Field(description="unfounded, excessive, identity or no_data")
    reasons: _text(4000)  # type: ignore[valid-type]


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
    match: str
    customer_id: uuid.UUID | None = None
    identity_method: str = ""


class RequestDetailOut(RequestOut):
    requester: dict[str, str]


def _out(req: Request, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        f: getattr(req, f)
        for f in (
            "id", "reference", "kind", "state", "channel", "received_on", "due_on", "extension_months", "match",
            "customer_id", "identity_method",
        )
    }  # fmt: skip
    if req.closed_at is None:
        out["days_left"] = (req.due_on - legal_date(timezone.now())).days
    if detail:
        out["requester"] = services.requester(req)
    return out


def _handler(request: HttpRequest) -> Actor:
    actor = Actor.for_user(request.auth, "rights_requests", "api")  # type: ignore[attr-defined]
    services.require_handler(actor)
    return actor


def _invalid(exc: services.RequestError) -> ValidationError:
    return ValidationError([{"loc": ("body", exc.field), "msg": exc.message, "type": "invalid"}])


@router.post("", response={201: RequestOut, **ERRORS}, summary="Register a customer's request")
def create_request(request: HttpRequest, body: RequestIn) -> Status[dict[str, Any]]:
    actor = Actor.for_user(request.auth, None, "api")  # type: ignore[attr-defined]
    details = body.model_dump(exclude={"kind", "received_on", "language"}, exclude_none=True)
    try:
        with transaction.atomic():
            req = services.submit(
                body.kind.value,
                details,
                channel="api",
                language=body.language,
                now=timezone.now(),
                by=actor,
                received_on=body.received_on,
            )
    except services.RequestError as exc:
        raise _invalid(exc) from None
    return Status(201, _out(req))


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
    _handler(request)
    return _out(_get(request_id), detail=True)


def _step(request: HttpRequest, request_id: uuid.UUID, run: Any) -> dict[str, Any]:
    actor = _handler(request)
    try:
        with transaction.atomic():
            req = Request.objects.select_for_update().filter(pk=request_id).first()
            if req is None:
                raise Http404
            run(actor, req)
    except services.RequestError as exc:
        raise _invalid(exc) from None
    return _out(req)


@router.post("/{request_id}/verify", response={200: RequestOut, **ERRORS}, summary="Record an identity check")
def verify_request(request: HttpRequest, request_id: uuid.UUID, body: VerifyIn) -> dict[str, Any]:
    return _step(
        request,
        request_id,
        lambda a, r: services.verify_manually(a, r, body.method, now=timezone.now(), note=body.note),
    )


@router.post("/{request_id}/extend", response={200: RequestOut, **ERRORS}, summary="Extend the deadline")
def extend_request(request: HttpRequest, request_id: uuid.UUID, body: ExtendIn) -> dict[str, Any]:
    return _step(
        request, request_id, lambda a, r: services.extend(a, r, body.months, body.reasons, now=timezone.now())
    )


@router.post("/{request_id}/refuse", response={200: RequestOut, **ERRORS}, summary="Refuse, with reasons")
def refuse_request(request: HttpRequest, request_id: uuid.UUID, body: RefuseIn) -> dict[str, Any]:
    return _step(
        request, request_id, lambda a, r: services.refuse(a, r, body.ground, body.reasons, now=timezone.now())
    )


@router.post(
    "/{request_id}/withdraw", response={200: RequestOut, **ERRORS}, summary="Withdrawn by the customer"
)
def withdraw_request(request: HttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    return _step(request, request_id, lambda a, r: services.withdraw(a, r, now=timezone.now()))
