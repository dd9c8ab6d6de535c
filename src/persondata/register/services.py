"""Reading the register: find customers and show one, through the access decision and the access log.

Services take an :class:`Actor` (who, with which roles, for which purpose, through which channel) and ``now``.
Categories the actor may not read are neither fetched nor decrypted (issue 3's rule, kept from the start), and
every read of personal data writes one access-log entry per customer shown (RULES R9).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from persondata import runtime
from persondata.access.access_log import log_reads
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied, NotFound
from persondata.core import sealing
from persondata.core.access import Decision, apply_restriction
from persondata.core.vault import (
    name_tokens,
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    unseal,
)
from persondata.keys import ring
from persondata.rawsql import as_date, as_uuid, fetch, fetch_in
from persondata.register.models import (
    RELEVANCE,
    Customer,
    CustomerNameToken,
)

SEARCH_LIMIT = 50
SUGGEST_MIN = 3  # characters before the type-ahead searches
SUGGEST_LIMIT = 10
NUMBER_PREFIX_DIGITS = 2  # a customer number's beginning is completed by at most this many digits
_NUMBER_PREFIX = re.compile(r"^[A-Z]*\d+$")


@dataclass(slots=True)
class CustomerView:
    """A customer as one actor may see them: only the readable categories are filled in."""

    id: uuid.UUID
    purpose: str
    shown: dict[str, Decision]
    hidden: dict[str, Decision]
    contact: dict[str, Any] | None = None
    customer_number: str | None = None
    orders: list[dict[str, Any]] = field(default_factory=list)
    agreements: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "purpose": self.purpose,
            "hidden_categories": {k: d.reason for k, d in self.hidden.items()},
        }
        if "contact" in self.shown:
            out["contact"] = self.contact
        if "customer_number" in self.shown:
            out["customer_number"] = self.customer_number
        if "order_history" in self.shown:
            out["orders"], out["agreements"] = self.orders, self.agreements
        if "payment" in self.shown:
            out["invoices"], out["payments"] = self.invoices, self.payments
        return out


Restricted = tuple[list[str], list[str]]  # (purposes, categories) still allowed by an active restriction


def _restrictions(customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Restricted]:
    rows = fetch_in(
        "SELECT customer_id, purposes, categories FROM restriction WHERE customer_id IN ({}) AND lifted_at IS NULL",
        [c.hex for c in customer_ids],
    )
    return {as_uuid(c): (_json(p), _json(k)) for c, p, k in rows}


def _json(value: Any) -> Any:
    """A ``JSONField`` read with a raw cursor: JSON text (Django has psycopg hand ``jsonb`` over unparsed too)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _allowed(
    actor: Actor, restricted: Restricted | None = None
) -> tuple[dict[str, Decision], dict[str, Decision]]:
    decisions = actor.categories()
    if restricted is not None:
        decisions = apply_restriction(decisions, actor.purpose, *restricted)
    shown = {k: d for k, d in decisions.items() if d.allowed}
    if not shown:
        reasons = "; ".join(d.reason for d in decisions.values())
        raise AccessDenied(
            f"no customer data may be read for purpose '{actor.purpose}': {reasons}",
            "restricted" if restricted is not None else "not_granted",
            actor.purpose,
        )
    return shown, {k: d for k, d in decisions.items() if not d.allowed}


_DIGITS = re.compile(r"^[+\d][\d ()\-]*$")


def _candidates(query: str) -> list[uuid.UUID]:
    vault = runtime.vault()
    q = query.strip()
    if not q:
        return []
    if "@" in q:
        return list(
            Customer.objects.filter(email_bidx=vault.blind_index("email", normalize_email(q))).values_list(
                "id", flat=True
            )[:SEARCH_LIMIT]
        )
    ids: list[uuid.UUID] = list(
        Customer.objects.filter(
            number_bidx=vault.blind_index("customer_number", normalize_customer_number(q))
        ).values_list("id", flat=True)
    )
    if _DIGITS.match(q) and sum(c.isdigit() for c in q) >= 8:
        ids += Customer.objects.filter(phone_bidx=vault.blind_index("phone", normalize_phone(q))).values_list(
            "id", flat=True
        )[:SEARCH_LIMIT]
    if not ids:
        ids += Customer.objects.filter(name_bidx=vault.blind_index("name", normalize_name(q))).values_list(
            "id", flat=True
        )[:SEARCH_LIMIT]
    if not ids:
        tokens = sorted(name_tokens(q))
        if tokens:
            # every word of the query must be a word of the name
            sets = [
                set(
                    CustomerNameToken.objects.filter(
                        token_bidx=vault.blind_index("name_token", t)
                    ).values_list("customer_id", flat=True)[:10_000]
                )
                for t in tokens
            ]
            ids = sorted(set.intersection(*sets))[:SEARCH_LIMIT]
    return list(dict.fromkeys(ids))[:SEARCH_LIMIT]


@dataclass(frozen=True, slots=True)
class CustomerHit:
    id: uuid.UUID
    name: str | None
    customer_number: str | None
    email: str | None
    city: str | None


def find_customers(actor: Actor, query: str, *, now: datetime) -> list[CustomerHit]:
    """Search by e-mail, phone, customer number or name (whole or some of its words), via blind indexes."""
    return _hits(actor, _candidates(query), now)


def _number_completions(text: str) -> list[str]:
    """Every customer number that ``text`` begins and that is at most :data:`NUMBER_PREFIX_DIGITS` digits longer."""
    q = normalize_customer_number(text)
    if not _NUMBER_PREFIX.match(q):
        return []
    return [q + str(n).zfill(k) for k in range(1, NUMBER_PREFIX_DIGITS + 1) for n in range(10**k)]


def suggest_customers(actor: Actor, text: str, *, now: datetime) -> list[CustomerHit]:
    """The type-ahead: what ``find_customers`` finds, and customer numbers by their beginning, from
    :data:`SUGGEST_MIN` characters on, at most :data:`SUGGEST_LIMIT` (each hit shown is an access-log entry).

    The blind indexes are not weakened for it: no prefix of anything is stored. A number's beginning is completed
    here by every ending of one or two digits (at most 110 keyed index values computed on the server, looked up in
    the unique index), so a prefix finds only numbers within two digits of it; name words match whole words, as
    in the search (docs/security.md)."""
    q = text.strip()
    if len(q) < SUGGEST_MIN:
        return []
    ids = _candidates(q)
    if not ids:
        vault = runtime.vault()
        values = [vault.blind_index("customer_number", n) for n in _number_completions(q)]
        ids = list(
            Customer.objects.filter(number_bidx__in=values).values_list("id", flat=True)[:SUGGEST_LIMIT]
        )
    return _hits(actor, ids[:SUGGEST_LIMIT], now)


def _hits(actor: Actor, ids: list[uuid.UUID], now: datetime) -> list[CustomerHit]:
    """The customers ``ids`` as this actor may see them in a list; each one shown is logged as read (R9)."""
    shown, _hidden = _allowed(actor)
    if not {"contact", "customer_number"} & shown.keys():
        raise AccessDenied("searching shows names and customer numbers, which this role may not read")
    if not ids:
        return []
    rows = Customer.objects.filter(id__in=ids).values_list("id", "contact_blob", "number_blob")
    keys = ring.customer_keys([i.hex for i in ids], RELEVANCE)
    restrictions = _restrictions(ids)
    hits, reads = [], []
    for cid, contact_blob, number_blob in rows:
        key = keys.get(cid.hex)
        if key is None:
            continue  # the contact data is shredded
        visible = shown
        if cid in restrictions:
            try:
                visible, _hidden = _allowed(actor, restrictions[cid])
            except AccessDenied:
                continue
        listed = {"contact", "customer_number"} & visible.keys()
        if not listed:
            continue  # restricted: this purpose may not even see that the customer exists
        contact = (
            unseal(key, contact_blob, sealing.contact(cid)) if "contact" in listed and contact_blob else {}
        )
        number = (
            unseal(key, number_blob, sealing.customer_number(cid))["customer_number"]
            if "customer_number" in listed and number_blob
            else None
        )
        address = contact.get("address") or {}
        hits.append(CustomerHit(cid, contact.get("name"), number, contact.get("email"), address.get("city")))
        reads.append((cid, listed))
    log_reads(actor, reads, now)
    hits.sort(key=lambda h: (h.name or "", h.customer_number or ""))
    return hits


# The read of one customer, in raw SQL like the other hot paths (persondata.rawsql): the ORM's building of these
# queries cost more CPU than the rest of the read (issue 17). Only the categories shown are fetched.
_CUSTOMER = "SELECT id, {} FROM customer WHERE id = %s"
_ORDERS = (
    "SELECT order_number, ordered_on, delivered_on, total_ore, currency, detail_blob FROM customer_order"
    " WHERE customer_id = %s ORDER BY ordered_on DESC"
)
_AGREEMENTS = (
    "SELECT agreement_ref, kind, starts_on, ends_on, detail_blob FROM service_agreement"
    " WHERE customer_id = %s ORDER BY starts_on DESC"
)
_INVOICES = (
    "SELECT invoice_number, invoice_date, due_date, total_ore, currency, order_number, key_class, snapshot_blob"
    " FROM invoice WHERE customer_id = %s ORDER BY invoice_date DESC"
)
_PAYMENTS = (
    "SELECT payment_ref, invoice_number, paid_on, amount_ore, currency, method, key_class, reference_blob"
    " FROM payment WHERE customer_id = %s ORDER BY paid_on DESC"
)


def show_customer(actor: Actor, customer_id: uuid.UUID, *, now: datetime) -> CustomerView:
    shown, hidden = _allowed(actor, _restrictions([customer_id]).get(customer_id))
    owner = customer_id.hex
    columns = ", ".join(
        [
            "contact_blob" if "contact" in shown else "NULL",
            "number_blob" if "customer_number" in shown else "NULL",
        ]
    )
    found = fetch(_CUSTOMER.format(columns), [owner])
    if not found:
        raise NotFound("no such customer")
    _id, contact_blob, number_blob = found[0]
    keys = ring.CustomerKeys(owner)
    view = CustomerView(customer_id, actor.purpose, shown, hidden)
    if "contact" in shown:
        view.contact = keys.open(RELEVANCE, contact_blob, sealing.contact(customer_id))
    if "customer_number" in shown:
        opened = keys.open(RELEVANCE, number_blob, sealing.customer_number(customer_id))
        view.customer_number = opened["customer_number"] if opened else None
    if "order_history" in shown:
        for number, ordered, delivered, total, currency, blob in fetch(_ORDERS, [owner]):
            detail = keys.open(RELEVANCE, blob, sealing.order(number)) or {}
            view.orders.append(
                {
                    "order_number": number,
                    "ordered_on": as_date(ordered),
                    "delivered_on": as_date(delivered),
                    "total_ore": total,
                    "currency": currency,
                    **detail,
                }
            )
        for ref, kind, starts, ends, blob in fetch(_AGREEMENTS, [owner]):
            detail = keys.open(RELEVANCE, blob, sealing.agreement(ref)) or {}
            view.agreements.append(
                {
                    "agreement_ref": ref,
                    "kind": kind,
                    "starts_on": as_date(starts),
                    "ends_on": as_date(ends),
                    **detail,
                }
            )
    if "payment" in shown:
        for number, dated, due, total, currency, order, klass, blob in fetch(_INVOICES, [owner]):
            snap = keys.open(klass, blob, sealing.invoice(number)) or {}
            view.invoices.append(
                {
                    "invoice_number": number,
                    "invoice_date": as_date(dated),
                    "due_date": as_date(due),
                    "total_ore": total,
                    "currency": currency,
                    "order_number": order,
                    "billing": snap,
                }
            )
        for ref, invoice, paid, amount, currency, method, klass, blob in fetch(_PAYMENTS, [owner]):
            opened = keys.open(klass, blob, sealing.payment(ref)) or {}
            view.payments.append(
                {
                    "payment_ref": ref,
                    "invoice_number": invoice,
                    "paid_on": as_date(paid),
                    "amount_ore": amount,
                    "currency": currency,
                    "method": method,
                    "reference": opened.get("reference", ""),
                }
            )
    log_reads(actor, [(customer_id, shown.keys())], now)
    return view


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def contact_on_file(customer_id: uuid.UUID) -> dict[str, Any] | None:
    """The customer's contact data for the system's own use, shown to no one: checking a requester's address
    when matching a request, and sending an identity confirmation to the e-mail address on file (never to an
    address someone typed). None when the contact data has been deleted."""
    blob = Customer.objects.filter(pk=customer_id).values_list("contact_blob", flat=True).first()
    if blob is None:
        return None
    return ring.CustomerKeys(customer_id).open(RELEVANCE, blob, sealing.contact(customer_id))
