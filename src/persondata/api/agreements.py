"""The API for the partners' processor agreements (GDPR Art. 28) — list, read, record and remove them — and the
disclosures (who received what), for whoever manages the partners (``manage_partners``). Same services as the
pages and the command."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date, datetime

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.api.schemas import ERRORS, Category, PartnerKey, Purpose
from persondata.core.agreements import SubProcessor
from persondata.core.calendar import legal_date
from persondata.partners import agreements, disclosures
from persondata.partners.errors import PartnerError
from persondata.partners.models import Disclosure, ProcessorAgreement

router = Router(tags=["partners"])


class SubProcessorIO(Schema):
    name: str = Field(max_length=200)
    country: str = Field(description="ISO 3166-1 alpha-2, e.g. DK")


class ProcessorAgreementIn(Schema):
    model_config = ConfigDict(extra="forbid")
    signed_on: date
    version: str = Field(max_length=40)
    next_review: date
    country: str = Field(description="where the partner processes the data (ISO 3166-1 alpha-2)")
    clauses: list[str] = Field(description="the letters of Art. 28(3) the agreement contains, a–h")
    sub_processors: list[SubProcessorIO] = []
    safeguard: str = Field("", description="outside the EU/EEA: adequacy, scc or bcr")
    safeguard_date: date | None = None
    document_base64: str | None = Field(
        None, description="the signed PDF, base64; omit to keep the attached one"
    )


class ProcessorAgreementOut(Schema):
    partner: str
    complete: bool
    problems: list[str]
    signed_on: date | None = None
    version: str | None = None
    next_review: date | None = None
    country: str | None = None
    clauses: list[str] = []
    sub_processors: list[SubProcessorIO] = []
    safeguard: str | None = None
    safeguard_date: date | None = None
    document_sha256: str | None = None


def _actor(request: HttpRequest) -> Actor:
    return permissions.actor_for(request.auth, permissions.MANAGE_PARTNERS, "api")  # type: ignore[attr-defined]


def _out(row: agreements.AgreementRow) -> ProcessorAgreementOut:
    a: ProcessorAgreement | None = row.agreement
    out = ProcessorAgreementOut(
        partner=row.partner.key, complete=row.complete, problems=[p.code for p in row.problems]
    )
    if a is not None:
        out.signed_on, out.version, out.next_review, out.country = (
            a.signed_on,
            a.version,
            a.next_review,
            a.country,
        )
        out.clauses = list(a.clauses)
        out.sub_processors = [SubProcessorIO(**s) for s in a.sub_processors]
        out.safeguard, out.safeguard_date = a.safeguard or None, a.safeguard_date
        out.document_sha256 = a.document_sha256 or None
    return out


def _row(key: str) -> agreements.AgreementRow:
    row = next((r for r in agreements.overview(legal_date(timezone.now())) if r.partner.key == key), None)
    if row is None:
        raise Http404
    return row


@router.get(
    "/agreements", response={200: list[ProcessorAgreementOut], **ERRORS}, summary="Each partner's agreement"
)
def list_agreements(request: HttpRequest) -> list[ProcessorAgreementOut]:
    _actor(request)
    return [_out(r) for r in agreements.overview(legal_date(timezone.now()))]


@router.get(
    "/agreements/{partner}",
    response={200: ProcessorAgreementOut, **ERRORS},
    summary="One partner's agreement",
)
def get_agreement(request: HttpRequest, partner: str) -> ProcessorAgreementOut:
    _actor(request)
    return _out(_row(partner))


@router.put(
    "/agreements/{partner}",
    response={200: ProcessorAgreementOut, **ERRORS},
    summary="Record (or replace) a partner's processor agreement",
)
def put_agreement(request: HttpRequest, partner: str, body: ProcessorAgreementIn) -> ProcessorAgreementOut:
    actor = _actor(request)
    _row(partner)
    try:
        document = base64.b64decode(body.document_base64, validate=True) if body.document_base64 else None
    except (binascii.Error, ValueError):
        raise ValidationError(
            [{"loc": ("document_base64",), "msg": "is not base64", "type": "base64"}]
        ) from None
    data = agreements.AgreementInput(
        signed_on=body.signed_on,
        version=body.version,
        next_review=body.next_review,
        country=body.country,
        clauses=frozenset(body.clauses),
        sub_processors=tuple(SubProcessor(s.name, s.country) for s in body.sub_processors),
        safeguard=body.safeguard,
        safeguard_date=body.safeguard_date,
        document=document,
    )
    try:
        with transaction.atomic():
            agreements.save_agreement(actor, partner, data, now=timezone.now())
    except PartnerError as exc:
        raise ValidationError([{"loc": (exc.field,), "msg": exc.message, "type": "invalid"}]) from None
    return _out(_row(partner))


@router.delete(
    "/agreements/{partner}", response={204: None, **ERRORS}, summary="Remove a partner's agreement"
)
def delete_agreement(request: HttpRequest, partner: str) -> tuple[int, None]:
    actor = _actor(request)
    with transaction.atomic():
        if not agreements.delete_agreement(actor, partner, now=timezone.now()):
            raise Http404
    return 204, None


# -- disclosures: who received what ------------------------------------------------------------------------------
class DisclosureIn(Schema):
    model_config = ConfigDict(extra="forbid")
    partner: PartnerKey  # type: ignore[valid-type]
    categories: list[Category]  # type: ignore[valid-type]
    purpose: Purpose = Field(description="a purpose of the policy file the transfer served")
    customers: list[uuid.UUID] = Field([], description="the customers' pseudonymous ids")
    standing: bool = Field(False, description="every customer's data, continuously, from occurred_at")
    export: bool = Field(False, description="a file exported for the partner (refused without an agreement)")
    occurred_at: datetime | None = None


class DisclosureOut(Schema):
    id: uuid.UUID
    partner: str
    occurred_at: datetime
    channel: str
    purpose: str
    categories: list[str]
    standing: bool
    customer_count: int


def _disclosure_out(d: Disclosure) -> DisclosureOut:
    return DisclosureOut(
        id=d.id,
        partner=d.partner_key,
        occurred_at=d.occurred_at,
        channel=d.channel,
        purpose=d.purpose,
        categories=d.categories,
        standing=d.standing,
        customer_count=d.customer_count,
    )


@router.get("/disclosures", response={200: list[DisclosureOut], **ERRORS}, summary="Recorded disclosures")
def list_disclosures(request: HttpRequest, partner: str | None = None) -> list[DisclosureOut]:
    actor = _actor(request)
    return [_disclosure_out(d) for d in disclosures.listing(actor, partner)[:1000]]


@router.post(
    "/disclosures", response={201: DisclosureOut, **ERRORS}, summary="Record a disclosure to a partner"
)
def create_disclosure(request: HttpRequest, body: DisclosureIn) -> tuple[int, DisclosureOut]:
    actor = _actor(request)
    now = timezone.now()
    try:
        with transaction.atomic():
            made = disclosures.record_by_hand(
                actor,
                body.partner,
                categories=body.categories,
                purpose=body.purpose,
                customer_ids=body.customers,
                standing=body.standing,
                export=body.export,
                occurred_at=body.occurred_at or now,
                now=now,
            )
    except PartnerError as exc:
        raise ValidationError([{"loc": (exc.field,), "msg": exc.message, "type": "invalid"}]) from None
    return 201, _disclosure_out(made)
