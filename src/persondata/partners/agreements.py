"""The partners' processor agreements (GDPR Art. 28; RULES R14): recording them, and what follows from them.

One record per partner of the policy file holds the current agreement: signed date, version, next review,
where the partner processes the data, the Chapter V basis of a transfer outside the EU/EEA, its sub-processors,
the Art. 28(3) clauses it contains and the signed PDF (sealed). :mod:`persondata.core.agreements` decides
whether the record is complete and current; from that:

* ``policy check`` and the dashboard show an error for each partner receiving data without one
  (:mod:`persondata.partners.checks`);
* its webhook notices are held in the outbox with the reason (:func:`hold_reason`), and go once it is complete;
* the printed privacy policy claims an agreement, and states a transfer's basis, only from these records
  (:func:`facts`, given to ``persondata.documents`` through its hook).

Recording is the data controller's (``manage_partners``); each create, update and delete writes an audit entry
with codes only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core import sealing
from persondata.core.agreements import (
    CLAUSES,
    SAFEGUARDS,
    AgreementFacts,
    Problem,
    SubProcessor,
    problems,
)
from persondata.core.calendar import legal_date
from persondata.core.policy import Partner
from persondata.core.sensitive import check_free_text
from persondata.core.vault import seal, unseal
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.keys import ring, rotation
from persondata.partners.errors import PartnerError
from persondata.partners.models import ProcessorAgreement
from persondata.refusals import refusal_text

KEY_CLASS = "processor_agreement"
#: the agreement's row keeps its wrapped key: ``persondata keys rotate`` re-wraps it
ROTATED = rotation.WrappedColumn(
    "partner_agreement", "id", KEY_CLASS, lambda ident: sealing.key_owner("processor_agreement", ident)
)
MAX_DOCUMENT = 10 * 1024 * 1024  # bytes of the signed PDF
MAX_SUB_PROCESSORS = 50
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class AgreementInput:
    """What the controller records; ``document`` None keeps the attached PDF (if any)."""

    signed_on: date
    version: str
    next_review: date
    country: str
    clauses: frozenset[str]
    sub_processors: tuple[SubProcessor, ...] = ()
    safeguard: str = ""
    safeguard_date: date | None = None
    document: bytes | None = None


# -- checking the input --------------------------------------------------------------------------------------
def partner_of(key: str) -> Partner:
    policy = runtime.policy()
    partner = policy.partner(key)
    if partner is None:
        keys = ", ".join(p.key for p in policy.partners) or "–"
        raise PartnerError(
            "partner",
            _("“%(key)s” is not a partner of the policy file (partners: %(keys)s).")
            % {"key": key, "keys": keys},
        )
    return partner


def check_country(field: str, value: str) -> str:
    value = (value or "").strip().upper()
    if not _COUNTRY.fullmatch(value):
        raise PartnerError(
            field, _("The country must be a two-letter country code (ISO 3166-1), e.g. DK, SE, US.")
        )
    return value


def parse_sub_processors(text: str) -> tuple[SubProcessor, ...]:
    """One sub-processor a line, ``name; country`` (the page's and the CLI's spelling)."""
    found = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, country = line.rpartition(";")
        if not sep or not name.strip():
            raise PartnerError(
                "sub_processors",
                _("Sub-processors, line %(n)s: write “name; country code”, e.g. “Hosting A/S; DK”.")
                % {"n": n},
            )
        found.append(SubProcessor(name.strip(), check_country("sub_processors", country)))
    return tuple(found)


def _checked(data: AgreementInput) -> AgreementInput:
    version = (data.version or "").strip()
    if not version or len(version) > 40:
        raise PartnerError(
            "version", _("Give the agreement's version or date of issue (at most 40 characters).")
        )
    if data.next_review <= data.signed_on:
        raise PartnerError(
            "next_review", _("The next review must come after the date the agreement was signed.")
        )
    if unknown := sorted(set(data.clauses) - set(CLAUSES)):
        raise PartnerError(
            "clauses",
            _("Unknown clause %(unknown)s: Art. 28(3) has (a)–(h).") % {"unknown": ", ".join(unknown)},
        )
    if data.safeguard and data.safeguard not in SAFEGUARDS:
        raise PartnerError(
            "safeguard",
            _("The transfer basis must be one of %(safeguards)s, or empty within the EU/EEA.")
            % {"safeguards": ", ".join(SAFEGUARDS)},
        )
    if data.safeguard_date and not data.safeguard:
        raise PartnerError(
            "safeguard_date", _("The transfer basis's date needs a transfer basis: choose the basis too.")
        )
    if len(data.sub_processors) > MAX_SUB_PROCESSORS:
        raise PartnerError(
            "sub_processors", _("At most %(max)s sub-processors.") % {"max": MAX_SUB_PROCESSORS}
        )
    for sub in data.sub_processors:
        if not sub.name or len(sub.name) > 200:
            raise PartnerError(
                "sub_processors", _("Each sub-processor needs a name of at most 200 characters.")
            )
        if (refusal := check_free_text(sub.name)) is not None:
            raise PartnerError(
                "sub_processors",
                _("A sub-processor's name %(problem)s.") % {"problem": refusal_text(refusal)},
            )
        check_country("sub_processors", sub.country)
    if data.document is not None and (
        not data.document.startswith(b"%PDF-") or len(data.document) > MAX_DOCUMENT
    ):
        raise PartnerError(
            "document",
            _("The document must be the signed agreement as a PDF of at most %(mb)s MB.")
            % {"mb": MAX_DOCUMENT // 2**20},
        )
    return AgreementInput(
        signed_on=data.signed_on,
        version=version,
        next_review=data.next_review,
        country=check_country("country", data.country),
        clauses=frozenset(data.clauses),
        sub_processors=data.sub_processors,
        safeguard=data.safeguard,
        safeguard_date=data.safeguard_date,
        document=data.document,
    )


# -- recording -----------------------------------------------------------------------------------------------
def _owner(agreement: ProcessorAgreement) -> str:
    return sealing.key_owner("processor_agreement", agreement.id)


def save_agreement(
    actor: Actor, partner_key: str, data: AgreementInput, *, now: datetime
) -> ProcessorAgreement:
    """Record (or replace) the partner's agreement. Once it is complete, its held webhook notices go."""
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    partner = partner_of(partner_key)
    data = _checked(data)
    agreement = ProcessorAgreement.objects.select_for_update().filter(partner_key=partner.key).first()
    created = agreement is None
    if agreement is None:
        agreement = ProcessorAgreement(partner_key=partner.key, created_at=now)
    agreement.signed_on, agreement.version, agreement.next_review = (
        data.signed_on,
        data.version,
        data.next_review,
    )
    agreement.country, agreement.safeguard = data.country, data.safeguard
    agreement.safeguard_date = data.safeguard_date
    agreement.clauses = sorted(data.clauses)
    agreement.sub_processors = [{"name": s.name, "country": s.country} for s in data.sub_processors]
    agreement.updated_at, agreement.updated_by_id = now, actor.user_id
    if data.document is not None:
        data_key = ring.new_wrapped(_owner(agreement), KEY_CLASS)
        agreement.wrapped_key = data_key.wrapped
        agreement.document_blob = seal(
            data_key.key, {"pdf": data.document.hex()}, sealing.processor_agreement(agreement.id)
        )
        agreement.document_size = len(data.document)
        agreement.document_sha256 = hashlib.sha256(data.document).hexdigest()
    agreement.save()
    found = problems(facts_of(agreement), legal_date(now))
    audit.record(
        "partner.agreement_create" if created else "partner.agreement_update",
        actor=actor.code,
        target=str(agreement.id),
        details={
            "partner": partner.key,
            "clauses_missing": sorted(set(CLAUSES) - data.clauses),
            "document": "attached" if data.document is not None else "kept",
            "complete": not found,
            "problems": [p.code for p in found],
        },
        now=now,
    )
    if not found:
        release_held()
    return agreement


def delete_agreement(actor: Actor, partner_key: str, *, now: datetime) -> bool:
    """Remove the record (and with it the sealed PDF); the partner is then flagged and receives nothing."""
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    agreement = ProcessorAgreement.objects.filter(partner_key=partner_key).first()
    if agreement is None:
        return False
    agreement_id = agreement.id
    agreement.delete()
    audit.record(
        "partner.agreement_delete",
        actor=actor.code,
        target=str(agreement_id),
        details={"partner": partner_key},
        now=now,
    )
    return True


def get_agreement(actor: Actor, partner_key: str) -> ProcessorAgreement:
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    agreement = ProcessorAgreement.objects.filter(partner_key=partner_key).first()
    if agreement is None:
        raise NotFound(_("No agreement is recorded for this partner."))
    return agreement


def read_document(actor: Actor, partner_key: str) -> bytes:
    """The signed PDF, unsealed (for the controller)."""
    agreement = get_agreement(actor, partner_key)
    if agreement.document_blob is None or agreement.wrapped_key is None:
        raise NotFound(_("No document is attached to this agreement."))
    key = ring.unwrap(agreement.wrapped_key, _owner(agreement), KEY_CLASS)
    sealed = unseal(key, bytes(agreement.document_blob), sealing.processor_agreement(agreement.id))
    return bytes.fromhex(str(sealed["pdf"]))


def release_held() -> None:
    """After the commit, try the webhook messages the outbox holds: each is checked again and goes if its
    partner's agreement is now complete (the others are held again)."""
    held = list(Outbox.objects.filter(kind="webhook", state=outbox.HELD).values_list("id", flat=True))
    if held:
        transaction.on_commit(lambda: outbox.kick(held))


# -- what the records prove ----------------------------------------------------------------------------------
def facts_of(agreement: ProcessorAgreement) -> AgreementFacts:
    return AgreementFacts(
        partner_key=agreement.partner_key,
        signed_on=agreement.signed_on,
        version=agreement.version,
        next_review=agreement.next_review,
        country=agreement.country,
        clauses=frozenset(agreement.clauses),
        sub_processors=tuple(SubProcessor(s["name"], s["country"]) for s in agreement.sub_processors),
        safeguard=agreement.safeguard or None,
        safeguard_date=agreement.safeguard_date,
        has_document=agreement.document_blob is not None,
    )


def facts() -> dict[str, AgreementFacts]:
    """Every recorded agreement, by partner key."""
    return {a.partner_key: facts_of(a) for a in ProcessorAgreement.objects.all()}


def hold_reason(partner_key: str, today: date) -> str | None:
    """Why no data may go to this partner now (a code such as ``agreement:clauses``), or None."""
    agreement = ProcessorAgreement.objects.filter(partner_key=partner_key).first()
    found = problems(facts_of(agreement) if agreement else None, today)
    return "agreement:" + ",".join(p.code for p in found) if found else None


def cleared_partners(keys: Iterable[str], today: date) -> set[str]:
    """Those of ``keys`` whose agreement is complete and current."""
    recorded = facts()
    return {k for k in keys if not problems(recorded.get(k), today)}


@dataclass(frozen=True)
class AgreementRow:
    partner: Partner
    agreement: ProcessorAgreement | None
    problems: list[Problem]

    @property
    def complete(self) -> bool:
        return not self.problems


def overview(today: date) -> list[AgreementRow]:
    """Each partner of the policy file with its agreement (if any) and what it still lacks."""
    recorded = {a.partner_key: a for a in ProcessorAgreement.objects.all()}
    rows = []
    for partner in runtime.policy().partners:
        agreement = recorded.get(partner.key)
        rows.append(
            AgreementRow(partner, agreement, problems(facts_of(agreement) if agreement else None, today))
        )
    return rows
