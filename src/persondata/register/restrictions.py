"""Restriction of processing (GDPR Art. 18; RULES R4, R10): put on, and lift, with the audit trail.

While a restriction is active, :mod:`persondata.register.services` lets only its purposes read its categories of
the customer, whatever the staff member's roles allow. Lifting it requires telling the customer first
(Art. 18(3)); the request handling that tells them comes with customers' requests, so ``lift_restriction`` takes
the date the customer was told and refuses to lift without it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.register import ledger_file
from persondata.register.models import Customer, Restriction

# RULES R4: after an erasure request the accounting material stays, readable for the bookkeeping act only — and by
# whoever answers the customer's requests, so the answer can state what is kept and until when.
ERASURE_PURPOSES = ("bookkeeping", "rights_requests")
ERASURE_CATEGORIES = ("customer_number", "payment")


def _may_restrict(actor: Actor) -> None:
    """Restricting processing is part of answering customers' requests (GDPR Art. 18)."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)


def restrict_customer(
    actor: Actor,
    customer_id: uuid.UUID,
    *,
    reason: str,
    purposes: Iterable[str] = ERASURE_PURPOSES,
    categories: Iterable[str] = ERASURE_CATEGORIES,
    now: datetime,
) -> Restriction:
    _may_restrict(actor)
    policy = runtime.policy()
    purposes, categories = sorted(set(purposes)), sorted(set(categories))
    if unknown := [p for p in purposes if p not in policy.purposes]:
        raise ValueError(f"purposes {unknown} are not declared in the policy file")
    if unknown := [c for c in categories if c not in policy.categories]:
        raise ValueError(f"categories {unknown} are not declared in the policy file")
    if reason not in dict(Restriction.REASONS):
        raise ValueError(f"reason must be one of {', '.join(dict(Restriction.REASONS))}")
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound("no such customer")
    Restriction.objects.filter(customer_id=customer_id, lifted_at__isnull=True).update(lifted_at=now)
    restriction = Restriction.objects.create(
        customer_id=customer_id, purposes=purposes, categories=categories, reason=reason, created_at=now
    )
    # kept outside the database too: a restore from an older backup puts it back (retention.reapply)
    ledger_file.record(
        ledger_file.RESTRICT,
        uuid.UUID(str(customer_id)).hex,
        at=now,
        reason=reason,
        purposes=purposes,
        categories=categories,
    )
    audit.record(
        "customer.restrict",
        actor=actor.code,
        target=str(customer_id),
        details={"reason": reason, "purposes": purposes, "categories": categories},
        now=now,
    )
    return restriction


def lift_restriction(
    actor: Actor, customer_id: uuid.UUID, *, customer_told_on: date | None, now: datetime
) -> int:
    """Lift the customer's active restriction; Art. 18(3): only after the customer has been told."""
    _may_restrict(actor)
    if customer_told_on is None:
        raise ValueError(
            "tell the customer before lifting the restriction (GDPR Art. 18(3)); give the date you did"
        )
    lifted = Restriction.objects.filter(customer_id=customer_id, lifted_at__isnull=True).update(lifted_at=now)
    if lifted:
        ledger_file.record(ledger_file.LIFT, uuid.UUID(str(customer_id)).hex, at=now)
        audit.record(
            "customer.restriction.lift",
            actor=actor.code,
            target=str(customer_id),
            details={"customer_told_on": customer_told_on.isoformat()},
            now=now,
        )
    return lifted
