"""Correcting a customer's contact data (GDPR Art. 16; RULES R10).

The contact record (name, address, phone, e-mail) is one ciphertext under the customer's ``relevance`` key, and
lookups go through blind indexes; a correction therefore re-seals the record and replaces every index derived
from it — e-mail, phone, full name and each word of the name — so that the customer is found by the new values
and no longer by the old ones. The values are checked with the importer's own rules (the same data enters the
register the same way) and for CPR and card numbers (RULES R18). The audit entry names the fields changed,
never their values. Invoices are not touched: their billing name and address are a snapshot (RULES R2).

Runs inside the caller's transaction.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied, NotFound
from persondata.access.models import AccessLog
from persondata.audit import services as audit
from persondata.core import sealing
from persondata.core.access import apply_restriction, decide
from persondata.core.sensitive import Refusal, check_free_text
from persondata.core.vault import name_tokens, normalize_email, normalize_name, normalize_phone, seal
from persondata.keys import ring
from persondata.refusals import refusal_text
from persondata.register.import_formats import _Row
from persondata.register.models import RELEVANCE, Customer, CustomerNameToken, Restriction

#: The contact fields a correction may change, in the order they are shown.
FIELDS = ("name", "street", "postcode", "city", "country", "phone", "email")
ADDRESS_FIELDS = ("street", "postcode", "city", "country")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

#: each field in words, to begin a refusal's sentence (``errors`` keeps the key for the form and the API)
_FIELD_WORDS: dict[str, Promise] = {
    "name": _("The name"),
    "street": _("The street"),
    "postcode": _("The postcode"),
    "city": _("The city"),
    "country": _("The country"),
    "phone": _("The phone number"),
    "email": _("The e-mail address"),
}
#: the importer's English predicates (its rules check the values) → the same in the active language
_PREDICATES: dict[str, Promise] = {
    "is missing; it is required": _("is missing; it is required"),
    "must be text": _("must be text"),
    "is not a phone number; write at least 8 digits, e.g. +45 12 34 56 78": _(
        "is not a phone number; write at least 8 digits, e.g. +45 12 34 56 78"
    ),
}
_TOO_LONG = re.compile(r"is longer than (\d+) characters; shorten it")


def _sentence(name: str, predicate: str) -> str:
    """``The phone number is not a phone number; …`` in the active language (the key for a field not known)."""
    words = _FIELD_WORDS.get(name)
    field = name if words is None else str(words)
    if (known := _PREDICATES.get(predicate)) is not None:
        predicate = str(known)
    elif too_long := _TOO_LONG.fullmatch(predicate):
        predicate = gettext("is longer than %(max)s characters; shorten it") % {"max": too_long[1]}
    else:
        predicate = refusal_text(Refusal("", predicate))
    return gettext("%(field)s %(problem)s.") % {"field": field, "problem": predicate}


class RectifyError(ValueError):
    """Corrections that cannot be stored: ``errors`` maps each bad field to what is wrong (never the value)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


@dataclass(frozen=True, slots=True)
class Rectified:
    changed: tuple[str, ...]  # the field names whose value changed, in FIELDS order
    contact: dict[str, Any]  # the contact record as it now stands (for the answer to the customer)


def clean_changes(changes: dict[str, Any]) -> dict[str, str]:
    """Check corrections field by field; :class:`RectifyError` names every bad field and says how to fix it."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, value in changes.items():
        if name not in FIELDS:
            errors[name] = gettext("“%(name)s” cannot be corrected here; use %(fields)s.") % {
                "name": name,
                "fields": ", ".join(FIELDS),
            }
        elif not isinstance(value, str):
            errors[name] = _sentence(name, "must be text")
        else:
            values[name] = value.strip()
    for name, value in values.items():
        if (refusal := check_free_text(value)) is not None:
            errors[name] = _sentence(name, refusal.message)
    row = _Row(values, "correction", 0)
    out: dict[str, str] = {}
    for name, value in values.items():
        if name in errors:
            continue
        if name == "name":
            out[name] = row.text("name", required=True)
        elif name == "postcode":
            out[name] = row.text("postcode", max_len=12)
        elif name == "city":
            out[name] = row.text("city", max_len=80)
        elif name == "country":
            country = value.upper()
            if country and not _COUNTRY.match(country):
                errors[name] = gettext("The country is not a country code: write two letters, e.g. DK.")
            out[name] = country or "DK"
        elif name == "phone":
            out[name] = row.phone()
        elif name == "email":
            out[name] = row.email()
        else:
            out[name] = row.text(name)
    for error in row.errors:
        errors.setdefault(error.field, _sentence(error.field, error.reason))
    if errors:
        raise RectifyError(errors)
    return out


def _may_change(actor: Actor, customer_id: uuid.UUID) -> None:
    decision = decide(runtime.policy(), actor.roles, "contact", "change", actor.purpose)
    if not decision:
        raise AccessDenied(f"correcting contact data: {decision.reason}", "not_granted", actor.purpose)
    restricted = Restriction.objects.filter(customer_id=customer_id, lifted_at__isnull=True).values_list(
        "purposes", "categories"
    )
    for purposes, categories in restricted:
        narrowed = apply_restriction({"contact": decision}, actor.purpose, purposes, categories)["contact"]
        if not narrowed:
            raise AccessDenied(narrowed.reason, "restricted", actor.purpose)


def rectify_customer(
    actor: Actor, customer_id: uuid.UUID, changes: dict[str, Any], *, now: datetime
) -> Rectified:
    """Apply corrections to the customer's contact data; returns the fields that changed and the new record."""
    clean = clean_changes(changes)
    _may_change(actor, customer_id)
    customer = Customer.objects.select_for_update().filter(pk=customer_id).only("id", "contact_blob").first()
    if customer is None:
        raise NotFound("no such customer")
    keys = ring.CustomerKeys(customer_id)
    key = keys.get(RELEVANCE)
    contact = keys.open(RELEVANCE, customer.contact_blob, sealing.contact(customer_id))
    if key is None or contact is None:
        raise NotFound("the customer's contact data has been deleted; there is nothing to correct")
    address = dict(contact.get("address") or {})
    changed = []
    for name in FIELDS:
        if name not in clean:
            continue
        old = address.get(name, "") if name in ADDRESS_FIELDS else contact.get(name, "")
        if (old or "") == clean[name]:
            continue
        changed.append(name)
        if name in ADDRESS_FIELDS:
            address[name] = clean[name]
        else:
            contact[name] = clean[name]
    contact["address"] = address
    # reading the record to correct it is a read of personal data (RULES R9)
    AccessLog.objects.create(
        at=now,
        staff_id=actor.user_id,
        customer_id=customer_id,
        categories="contact",
        purpose=actor.purpose,
        channel=actor.channel,
    )
    if not changed:
        return Rectified((), contact)
    vault = runtime.vault()
    fields: dict[str, Any] = {
        "contact_blob": seal(key, contact, sealing.contact(customer_id)),
        "updated_at": now,
    }
    if "email" in changed:
        email = contact.get("email") or ""
        fields["email_bidx"] = vault.blind_index("email", normalize_email(email)) if email else None
    if "phone" in changed:
        phone = contact.get("phone") or ""
        fields["phone_bidx"] = vault.blind_index("phone", normalize_phone(phone)) if phone else None
    if "name" in changed:
        fields["name_bidx"] = vault.blind_index("name", normalize_name(contact["name"]))
        CustomerNameToken.objects.filter(customer_id=customer_id).delete()
        CustomerNameToken.objects.bulk_create(
            [
                CustomerNameToken(customer_id=customer_id, token_bidx=vault.blind_index("name_token", t))
                for t in sorted(name_tokens(contact["name"]))
            ]
        )
    Customer.objects.filter(pk=customer_id).update(**fields)
    audit.record(
        "customer.rectify",
        actor=actor.code,
        target=str(customer_id),
        details={"fields": changed, "purpose": actor.purpose},
        now=now,
    )
    return Rectified(tuple(changed), contact)
