"""The API of the breach register (GDPR Art. 33–34): list, read, register and update breaches, for whoever holds
``manage_breaches``. Same services as the web pages and the CLI."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field, StringConstraints

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.api.schemas import ERRORS, Category
from persondata.governance import breaches
from persondata.governance.errors import GovernanceError
from persondata.governance.models import KINDS, RISKS, Breach

router = Router(tags=["breaches"])


Text = Annotated[str, StringConstraints(max_length=breaches.MAX_TEXT)]


class BreachChange(Schema):
    """The fields to set; those left out keep their value. Times with their offset (ISO 8601), from 1900 to now."""

    model_config = ConfigDict(extra="forbid")
    discovered_at: datetime | None = Field(
        None, description="when the company became aware: the 72 hours start"
    )
    occurred_at: datetime | None = None
    nature: Text | None = Field(None, pattern=r"\S", description="what happened (Art. 33(3)(a))")
    # lists: left out to keep them, never null
    kinds: list[Literal[KINDS]] = None  # type: ignore[valid-type,assignment]
    categories: list[Category] = Field(None, description="the policy file's data categories affected")  # type: ignore[valid-type,arg-type]
    customers_affected: int = Field(None, ge=0)  # type: ignore[assignment]
    records_affected: int = Field(None, ge=0)  # type: ignore[assignment]
    consequences: Text | None = None
    measures_taken: Text | None = None
    measures_planned: Text | None = None
    risk: Literal[tuple(dict(RISKS))] | None = None  # type: ignore[valid-type]
    notified_at: datetime | None = None
    authority_reference: str | None = None
    delay_reason: Text | None = None
    not_notified_reason: Text | None = None
    customers_told_at: datetime | None = None
    customers_not_told_reason: Text | None = None
    letter_da: Text | None = None
    letter_en: Text | None = None


class BreachOut(Schema):
    id: uuid.UUID
    reference: str
    discovered_at: datetime
    deadline: datetime = Field(description="72 real hours after discovered_at, in Danish time")
    hours_left: float
    state: str = Field(description="open, overdue, notified, notified_late or not_notified")
    occurred_at: datetime | None
    nature: str
    kinds: list[str]
    categories: list[str]
    customers_affected: int
    records_affected: int
    consequences: str
    measures_taken: str
    measures_planned: str
    risk: str
    notified_at: datetime | None
    authority_reference: str
    delay_reason: str
    not_notified_reason: str
    customers_told_at: datetime | None
    customers_not_told_reason: str
    letter_da: str
    letter_en: str


def _out(breach: Breach) -> dict[str, Any]:
    c = breaches.clock(breach, timezone.now())
    out = {name: getattr(breach, name) for name in ("id", "reference", *breaches.FIELDS)}
    return {**out, "deadline": c.deadline, "hours_left": round(c.hours_left, 2), "state": c.state}


def _manager(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.auth, permissions.MANAGE_BREACHES, "api", customer_data=False)  # type: ignore[attr-defined]


def _invalid(exc: GovernanceError) -> ValidationError:
    return ValidationError([{"loc": ("body", exc.field), "msg": exc.message, "type": "invalid"}])


class BreachIn(BreachChange):
    """A new breach: when the company became aware is required (the 72 hours start then)."""

    discovered_at: datetime = Field(description="when the company became aware: the 72 hours start")
    nature: str = Field(pattern=r"\S", description="what happened (Art. 33(3)(a))")


def _given(body: BreachChange) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


@router.get("", response={200: list[BreachOut], **ERRORS}, summary="The breach register, newest first")
def list_breaches(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(b) for b in breaches.list_breaches(_manager(request))]


@router.post("", response={201: BreachOut, **ERRORS}, summary="Register a breach (e-mails the controller)")
def create_breach(request: HttpRequest, body: BreachIn) -> Status[dict[str, Any]]:
    actor = _manager(request)
    try:
        with transaction.atomic():
            breach = breaches.record_breach(actor, _given(body), now=timezone.now())
    except GovernanceError as exc:
        raise _invalid(exc) from exc
    return Status(201, _out(breach))


@router.get("/{breach_id}", response={200: BreachOut, **ERRORS}, summary="One breach with its clock")
def get_breach(request: HttpRequest, breach_id: uuid.UUID) -> dict[str, Any]:
    try:
        return _out(breaches.get_breach(_manager(request), breach_id))
    except NotFound as exc:
        raise Http404 from exc


@router.patch("/{breach_id}", response={200: BreachOut, **ERRORS}, summary="Update a breach")
def update_breach(request: HttpRequest, breach_id: uuid.UUID, body: BreachChange) -> dict[str, Any]:
    actor = _manager(request)
    try:
        with transaction.atomic():
            breach = breaches.update_breach(actor, breach_id, _given(body), now=timezone.now())
    except GovernanceError as exc:
        raise _invalid(exc) from exc
    except NotFound as exc:
        raise Http404 from exc
    return _out(breach)
