"""The API of the half-yearly control (policy [13], R17), for whoever holds ``run_control``: the controls, starting
one, answering a manual item, signing off. Same services as the pages and ``persondata control``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import File, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile
from pydantic import ConfigDict, Field, WithJsonSchema

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.api.schemas import CONFLICT, ERRORS
from persondata.core.calendar import legal_date
from persondata.governance import attachments
from persondata.governance import control as controls
from persondata.governance.errors import Conflict, GovernanceError
from persondata.governance.models import Control, FollowUp

router = Router(tags=["control"])
#: the upload: required to the schema (a client generated from it sends one), but checked by the view, after the
#: duty (a refusal is a refusal, not a 422), so optional to ninja's validation
_OPTIONAL_FILE: Any = File(None)  # type: ignore[type-arg]
Upload = Annotated[UploadedFile | None, WithJsonSchema({"type": "string", "format": "binary"})]
_FILE_REQUIRED = {"requestBody": {"content": {"multipart/form-data": {"schema": {"required": ["file"]}}}}}


#: a manual item: a security measure of the policy file (read once, as the purposes). In a path it is checked after
#: the duty (a refusal is a refusal, not a 422 on the path), so there the schema states it without validating it.
Item = Literal[tuple(controls.measures())]  # type: ignore[valid-type]
ItemPath = Annotated[str, WithJsonSchema({"type": "string", "enum": controls.measures()})]


#: what JSON Schema states of answer and note together: a "no" says what is missing and what will be done
_NO_NEEDS_A_NOTE: dict[str, Any] = {
    "if": {"properties": {"answer": {"const": "no"}}, "required": ["answer"]},
    "then": {"properties": {"note": {"pattern": r"\S"}}, "required": ["note"]},
}


class ControlAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_NO_NEEDS_A_NOTE)
    item: Item  # type: ignore[valid-type]
    answer: Literal["yes", "no"]
    note: str = Field(
        "", max_length=controls.MAX_NOTE, description="required for no: what is missing, what will be done"
    )


class FollowUpIn(Schema):
    model_config = ConfigDict(extra="forbid")
    owner: str  # an active staff login
    due_on: date


class SignIn(Schema):
    model_config = ConfigDict(extra="forbid")
    signer_name: str
    follow_ups: dict[str, FollowUpIn] = {}  # by finding key; a finding not named: the signer, in a month


class FollowUpOut(Schema):
    id: uuid.UUID
    item: str
    owner: str
    due_on: date
    done_at: datetime | None
    overdue: bool


class AttachmentOut(Schema):
    item: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class ControlOut(Schema):
    id: uuid.UUID
    period_start: date
    period_end: date
    due_on: date
    evidence: list[dict[str, Any]]
    answers: dict[str, Any]
    findings: list[str]
    collected_at: datetime
    signed_at: datetime | None
    signer_name: str
    next_due: date | None
    attachments: list[AttachmentOut]
    follow_ups: list[FollowUpOut]


def _out(c: Control) -> dict[str, Any]:
    fields = (
        "id",
        "period_start",
        "period_end",
        "due_on",
        "evidence",
        "answers",
        "collected_at",
        "signed_at",
    )
    return {
        **{f: getattr(c, f) for f in fields},
        "signer_name": c.signer_name,
        "next_due": c.next_due,
        "findings": controls.findings(c),
        "attachments": [
            {f: getattr(a, f) for f in ("item", "filename", "content_type", "size", "sha256", "created_at")}
            for a in attachments.listing(c).values()
        ],
        "follow_ups": [_task(t) for t in c.follow_ups.select_related("owner")],
    }


def _task(task: FollowUp) -> dict[str, Any]:
    today = legal_date(timezone.now())
    return {
        "id": task.id,
        "item": task.item,
        "owner": task.owner.get_username(),
        "due_on": task.due_on,
        "done_at": task.done_at,
        "overdue": task.done_at is None and task.due_on < today,
    }


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.auth, permissions.RUN_CONTROL, "api", customer_data=False)  # type: ignore[attr-defined]


def _run(request: HttpRequest, step: Any) -> Any:
    actor = _actor(request)
    try:
        with transaction.atomic():
            result = step(actor)
    except NotFound as exc:
        raise Http404 from exc
    except Conflict:
        raise  # 409 (api.endpoints)
    except GovernanceError as exc:
        raise ValidationError([{"loc": ("body", exc.field), "msg": exc.message, "type": "invalid"}]) from exc
    return result


@router.get("", response={200: list[ControlOut], **ERRORS}, summary="The controls, newest first")
def list_controls(request: HttpRequest) -> list[dict[str, Any]]:
    _actor(request)
    return [_out(c) for c in Control.objects.all()[:50]]


@router.post(
    "", response={201: ControlOut, **ERRORS, **CONFLICT}, summary="Start a control (collects the evidence)"
)
def start_control(request: HttpRequest) -> Status[dict[str, Any]]:
    return Status(201, _out(_run(request, lambda a: controls.start_control(a, now=timezone.now()))))


@router.get("/{control_id}", response={200: ControlOut, **ERRORS}, summary="One control")
def get_control(request: HttpRequest, control_id: uuid.UUID) -> dict[str, Any]:
    return _out(_run(request, lambda a: controls.get_control(a, control_id)))


@router.post(
    "/{control_id}/answers", response={200: ControlOut, **ERRORS, **CONFLICT}, summary="Answer a manual item"
)
def answer_control(request: HttpRequest, control_id: uuid.UUID, body: ControlAnswerIn) -> dict[str, Any]:
    ok = body.answer == "yes"
    step = lambda a: controls.answer(a, control_id, body.item, ok, body.note, now=timezone.now())  # noqa: E731
    return _out(_run(request, step))


@router.post(
    "/{control_id}/sign", response={200: ControlOut, **ERRORS, **CONFLICT}, summary="Sign the control off"
)
def sign_control(request: HttpRequest, control_id: uuid.UUID, body: SignIn) -> dict[str, Any]:
    chosen = {k: controls.Assignment(v.owner, v.due_on) for k, v in body.follow_ups.items()}
    step = lambda a: controls.sign_off(  # noqa: E731
        a, control_id, body.signer_name, now=timezone.now(), assignments=chosen
    )
    return _out(_run(request, step))


@router.post(
    "/follow-ups/{follow_up_id}",
    response={200: FollowUpOut, **ERRORS, **CONFLICT},
    summary="Give a follow-up task its owner (a staff login) and due date",
)
def assign_follow_up(request: HttpRequest, follow_up_id: uuid.UUID, body: FollowUpIn) -> dict[str, Any]:
    assignment = controls.Assignment(body.owner, body.due_on)
    step = lambda a: controls.assign_follow_up(a, follow_up_id, assignment, now=timezone.now())  # noqa: E731
    return _task(_run(request, step))


@router.post(
    "/{control_id}/attachments/{item}",
    response={200: ControlOut, **ERRORS, **CONFLICT},
    summary="Attach a file (PDF, PNG or JPEG, multipart field 'file') to a manual item",
    openapi_extra=_FILE_REQUIRED,
)
def attach_control(
    request: HttpRequest, control_id: uuid.UUID, item: ItemPath, file: Upload = _OPTIONAL_FILE
) -> dict[str, Any]:
    def step(actor: Actor) -> Control:
        if file is None:
            raise GovernanceError("file", "send the PDF, PNG or JPEG as the multipart field 'file'")
        attachments.check_size(file.size or 0)  # before the file is read into memory
        content = file.read()
        attachments.attach(actor, control_id, item, file.name or "", content, now=timezone.now())
        return controls.get_control(actor, control_id)

    return _out(_run(request, step))


@router.get(
    "/{control_id}/attachments/{item}",
    response={200: None, **ERRORS},
    summary="Download the file attached to a manual item",
)
def get_control_attachment(request: HttpRequest, control_id: uuid.UUID, item: ItemPath) -> HttpResponse:
    actor = _actor(request)
    try:
        attachment, content = attachments.read(actor, control_id, item)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename) or "attachment"
    return response
