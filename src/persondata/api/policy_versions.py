"""The API of the policy's versions and their adoption (policy [14]): read them (any staff token), record an
adoption (``adopt_policy``). Same services as the staff page and ``persondata policy adopt``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict

from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.api.schemas import ERRORS
from persondata.governance import policy_versions as versions
from persondata.governance.errors import GovernanceError
from persondata.governance.models import PolicyAdoption

router = Router(tags=["policy"])


class AdoptionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    adopted_on: date
    adopted_by: str
    role: str


class AdoptionOut(Schema):
    adopted_on: date
    adopted_by: str
    role: str
    recorded_at: datetime


class VersionOut(Schema):
    number: int
    label: str
    sha256: str
    in_force_from: date
    in_force_until: date | None
    in_force_now: bool
    adoption: AdoptionOut | None


class VersionDetailOut(VersionOut):
    content: str
    diff: str


def _adoption(a: PolicyAdoption | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "adopted_on": a.adopted_on,
        "adopted_by": a.adopted_by,
        "role": a.role,
        "recorded_at": a.recorded_at,
    }


def _periods(request: HttpRequest) -> list[dict[str, Any]]:
    Actor.staff(request.auth, "api")  # type: ignore[attr-defined]
    current = versions.in_force()
    return [
        {
            "number": p.version.number,
            "label": p.version.label,
            "sha256": p.version.sha256,
            "in_force_from": p.since,
            "in_force_until": p.until,
            "in_force_now": current is not None and current.pk == p.version.pk,
            "adoption": _adoption(p.adoption),
            "content": p.version.content,
            "diff": p.version.diff,
        }
        for p in versions.periods()
    ]


@router.get("/versions", response={200: list[VersionOut], **ERRORS}, summary="The policy's versions")
def list_policy_versions(request: HttpRequest) -> list[dict[str, Any]]:
    return _periods(request)


@router.get("/versions/{number}", response={200: VersionDetailOut, **ERRORS}, summary="One version")
def get_policy_version(request: HttpRequest, number: int) -> dict[str, Any]:
    found = next((p for p in _periods(request) if p["number"] == number), None)
    if found is None:
        raise Http404
    return found


@router.put(
    "/versions/{number}/adoption",
    response={200: AdoptionOut, **ERRORS},
    summary="Record a version's adoption",
)
def adopt_policy_version(request: HttpRequest, number: int, body: AdoptionIn) -> dict[str, Any]:
    actor = Actor.staff(request.auth, "api")  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            adoption = versions.adopt(actor, number, now=timezone.now(), **body.model_dump())
    except NotFound as exc:
        raise Http404 from exc
    except GovernanceError as exc:
        raise ValidationError([{"loc": ("body", exc.field), "msg": exc.message, "type": "invalid"}]) from exc
    out = _adoption(adoption)
    assert out is not None
    return out
