"""The API for the IT systems inventory and their risk assessments (CNIL's 4×4 scale), for whoever keeps them
(``manage_systems``). Same services as the pages and the command (docs/systems.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field, StringConstraints, WithJsonSchema

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.api.schemas import CONFLICT, ERRORS, Category
from persondata.core.risk import EVENTS
from persondata.systems import services
from persondata.systems.services import SystemConflict, SystemInputError

router = Router(tags=["systems"])


class AssessmentOut(Schema):
    event: str = Field(description="the feared event: access (illegitimate access), change, disappearance")
    severity: int
    likelihood: int
    residual_severity: int
    residual_likelihood: int
    measures: str
    assessed_at: datetime


class SystemOut(Schema):
    key: str
    name: str
    kind: str = Field(description="own (persondata itself), admin, partner or other")
    partner_key: str
    version: str
    location: str
    owner: str
    categories: list[str]
    measures: dict[str, Any] = Field(
        description="the policy's IT-security measures: in place, evidence, checked"
    )
    assessments: list[AssessmentOut]
    review_due: list[str] = Field(description="the feared events whose assessment is due (or missing)")


#: a system's key, as the schema states it; checked after the duty (a refusal is a refusal, not a 422 on the path)
SystemKey = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "pattern": r"^[-a-zA-Z0-9_]{1,40}$", "description": "letters, digits, - and _"}
    ),
]
#: a feared event, as the schema states it; checked after the duty, as the key
Event = Annotated[str, WithJsonSchema({"type": "string", "enum": list(EVENTS)})]
#: a partner's key, or none: "" for a system the company runs itself
_PARTNERS = [p.key for p in runtime.policy().partners]
#: what JSON Schema states of kind and partner_key together: a partner's system names the partner that runs it
_PARTNER_RULE: dict[str, Any] = {
    "if": {"properties": {"kind": {"const": "partner"}}, "required": ["kind"]},
    "then": {"properties": {"partner_key": {"enum": _PARTNERS}}, "required": ["partner_key"]},
}
Text = Annotated[str, StringConstraints(max_length=200, pattern=r"\S")]  # written, not blank


class SystemIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_PARTNER_RULE)
    name: Text
    kind: Literal["admin", "partner", "other"]
    location: Text
    owner: Text
    categories: list[Category] = Field(description="the policy file's data categories the system holds")  # type: ignore[valid-type]
    partner_key: Literal[("", *_PARTNERS)] = Field(  # type: ignore[valid-type]
        "", description="for kind partner: the partner of the policy file that runs it (required then)"
    )
    version: str = Field("", max_length=80)


class AssessmentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    severity: int = Field(ge=1, le=4)
    likelihood: int = Field(ge=1, le=4)
    residual_severity: int = Field(ge=1, le=4)
    residual_likelihood: int = Field(ge=1, le=4)
    measures: str = Field("", max_length=4000, description="the measures that reduce the risk")


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.auth, permissions.MANAGE_SYSTEMS, "api", customer_data=False)  # type: ignore[attr-defined]


def _invalid(exc: SystemInputError) -> ValidationError:
    return ValidationError([{"loc": ("body", exc.field), "msg": exc.message, "type": "invalid"}])


def _out(row: services.SystemRow) -> dict[str, Any]:
    s = row.system
    return {
        "key": s.key,
        "name": s.name,
        "kind": s.kind,
        "partner_key": s.partner_key,
        "version": s.version,
        "location": s.location,
        "owner": s.owner,
        "categories": list(s.categories),
        "measures": dict(s.measures),
        "assessments": [{f: getattr(a, f) for f in AssessmentOut.model_fields} for a in row.assessments],
        "review_due": list(row.due),
    }


def _rows(actor: Actor) -> list[services.SystemRow]:
    """As the page and the command: persondata's own record brought up to date first."""
    now = timezone.now()
    with transaction.atomic():
        services.refresh_own(now)
    return services.overview(actor, now)


def _row(actor: Actor, key: str) -> services.SystemRow:
    found = next((r for r in _rows(actor) if r.system.key == key), None)
    if found is None:
        raise Http404
    return found


@router.get(
    "", response={200: list[SystemOut], **ERRORS}, summary="The IT systems and their risk assessments"
)
def list_systems(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _actor(request)
    return [_out(row) for row in _rows(actor)]


@router.get("/{key}", response={200: SystemOut, **ERRORS}, summary="One IT system")
def get_system(request: HttpRequest, key: SystemKey) -> dict[str, Any]:
    return _out(_row(_actor(request), key))


@router.put(
    "/{key}", response={200: SystemOut, **ERRORS, **CONFLICT}, summary="Record or change an IT system"
)
def put_system(request: HttpRequest, key: SystemKey, body: SystemIn) -> dict[str, Any]:
    actor = _actor(request)
    data = services.SystemInput(key=key, **{**body.model_dump(), "categories": frozenset(body.categories)})
    try:
        with transaction.atomic():
            services.save_system(actor, data, now=timezone.now())
    except SystemConflict:
        raise  # 409 (api.endpoints)
    except SystemInputError as exc:
        raise _invalid(exc) from exc
    return _out(_row(actor, key))


@router.delete("/{key}", response={204: None, **ERRORS, **CONFLICT}, summary="Remove an IT system")
def delete_system(request: HttpRequest, key: SystemKey) -> tuple[int, None]:
    actor = _actor(request)
    try:
        with transaction.atomic():
            services.delete_system(actor, key, now=timezone.now())
    except NotFound as exc:
        raise Http404 from exc
    except SystemConflict:
        raise  # 409 (api.endpoints)
    except SystemInputError as exc:
        raise _invalid(exc) from exc
    return 204, None


@router.put(
    "/{key}/assessments/{event}",
    response={200: SystemOut, **ERRORS},
    summary="Rate a feared event of a system (severity × likelihood, before and after the measures)",
)
def assess_system(request: HttpRequest, key: SystemKey, event: Event, body: AssessmentIn) -> dict[str, Any]:
    actor = _actor(request)  # the duty first: a refusal is a refusal, not a 422 on the path
    if event not in EVENTS:
        raise ValidationError(
            [{"loc": ("path", "event"), "msg": f"must be one of {', '.join(EVENTS)}", "type": "invalid"}]
        )
    try:
        with transaction.atomic():
            services.assess(actor, key, event, **body.model_dump(), now=timezone.now())
    except NotFound as exc:
        raise Http404 from exc
    except SystemConflict:
        raise  # 409 (api.endpoints)
    except SystemInputError as exc:
        raise _invalid(exc) from exc
    return _out(_row(actor, key))
