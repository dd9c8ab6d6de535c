"""Why is this record still here, and when does it go? One customer's schedule, record by record, in words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from persondata import runtime
from persondata.core.policy import Policy
from persondata.rawsql import as_date, as_datetime, as_uuid, fetch
from persondata.retention import holds
from persondata.retention.schedule import (
    RelationshipFacts,
    RetentionDecision,
    accounting_cutoff,
    accounting_decision,
    claim_cutoff,
    relationship,
    relevance_decision,
)


@dataclass(frozen=True, slots=True)
class Explained:
    what: str  # "contact data", "order O00000012", "invoice F00000007" …
    decision: RetentionDecision
    day: date | None = None  # an invoice's or payment's date: its financial year (RULES R1)


def explain_customer(customer_id: uuid.UUID, today: date, policy: Policy | None = None) -> list[Explained]:
    """Every category and record of the customer with its deletion day and reason; [] if no such customer."""
    from persondata.core.calendar import legal_date

    policy = policy or runtime.policy()
    cid = customer_id.hex
    row = fetch(
        "SELECT created_at, relationship_ended_on, (name_bidx IS NOT NULL OR email_bidx IS NOT NULL "
        "OR phone_bidx IS NOT NULL), number_bidx IS NOT NULL, last_activity, customer_since FROM customer "
        "WHERE id = %s",
        [cid],
    )
    if not row:
        return []
    created, recorded_end, has_contact, has_number, last_activity, customer_since = row[0]
    orders = [(as_uuid(i), str(n), as_date(o), as_date(d)) for i, n, o, d in fetch(
        "SELECT id, order_number, ordered_on, delivered_on FROM customer_order WHERE customer_id = %s "
        "ORDER BY ordered_on", [cid])]  # fmt: skip
    agreements = [(as_uuid(i), str(r), as_date(s), as_date(e)) for i, r, s, e in fetch(
        "SELECT id, agreement_ref, starts_on, ends_on FROM service_agreement WHERE customer_id = %s "
        "ORDER BY starts_on", [cid])]  # fmt: skip
    invoices = [(as_uuid(i), str(n), as_date(d)) for i, n, d in fetch(
        "SELECT id, invoice_number, invoice_date FROM invoice WHERE customer_id = %s ORDER BY invoice_date",
        [cid])]  # fmt: skip
    payments = [(as_uuid(i), str(r), as_date(d)) for i, r, d in fetch(
        "SELECT id, payment_ref, paid_on FROM payment WHERE customer_id = %s ORDER BY paid_on", [cid])]  # fmt: skip
    cutoff = accounting_cutoff(policy, today) or date(1899, 12, 31)
    barred_cut = (claim_cutoff(policy, today) or date(1899, 12, 31)).isoformat()
    unpaid, barred = fetch(
        "SELECT COUNT(CASE WHEN COALESCE(i.due_date, i.invoice_date) > %s THEN 1 END), "
        "COUNT(CASE WHEN COALESCE(i.due_date, i.invoice_date) <= %s THEN 1 END) FROM invoice i "
        "WHERE i.customer_id = %s AND i.invoice_date > %s AND i.total_ore > "
        "COALESCE((SELECT SUM(p.amount_ore) FROM payment p WHERE p.customer_id = i.customer_id AND "
        "p.invoice_number = i.invoice_number), 0)", [barred_cut, barred_cut, cid, cutoff.isoformat()])[0]  # fmt: skip
    ended = [e for _i, _r, _s, e in agreements if e is not None and e < today]
    facts = RelationshipFacts(
        registered_on=legal_date(as_datetime(created)),
        last_order=max((o for _i, _n, o, _d in orders if o), default=None),
        last_delivery=max((d for _i, _n, _o, d in orders if d), default=None),
        last_agreement_end=max(ended, default=None),
        open_agreements=sum(1 for _i, _r, _s, e in agreements if e is None or e >= today),
        last_invoice=max((d for _i, _n, d in invoices if d), default=None),
        last_payment=max((d for _i, _n, d in payments if d), default=None),
        unpaid_invoices=int(unpaid),
        barred_invoices=int(barred),
        recorded_end=as_date(recorded_end),
        last_activity=as_date(last_activity),
        customer_since=as_date(customer_since),
    )
    rel = relationship(facts, policy.retention.claim_after)
    index = holds.holds_on([customer_id], today)
    on_customer = index.customers.get(customer_id.hex)
    out: list[Explained] = []
    if has_contact:
        out.append(Explained("contact data", relevance_decision(policy, "contact", rel, on_customer)))
    if has_number:
        out.append(
            Explained("customer number", relevance_decision(policy, "customer_number", rel, on_customer))
        )

    def held(record_id: uuid.UUID) -> date | None:
        ends = [d for d in (on_customer, index.records.get(record_id.hex)) if d is not None]
        return max(ends) if ends else None

    for rid, number, _o, _d in orders:
        out.append(Explained(f"order {number}", relevance_decision(policy, "order_history", rel, held(rid))))
    for rid, ref, _s, _e in agreements:
        decision = relevance_decision(policy, "order_history", rel, held(rid))
        out.append(Explained(f"service agreement {ref}", decision))
    for rid, number, day in invoices:
        if day is not None:
            decision = accounting_decision(policy, "invoice", day, held(rid))
            out.append(Explained(f"invoice {number}", decision, day))
    for rid, ref, day in payments:
        if day is not None:
            out.append(
                Explained(f"payment {ref}", accounting_decision(policy, "payment", day, held(rid)), day)
            )
    return out
