"""What the company holds about one customer, read for an answer: the data, its source, who consulted it.

Everything is read through the register's own paths — :func:`show_customer` (access-checked, restriction-aware,
access-logged) and :func:`customer_access_history` — with the purpose ``rights_requests``, whatever purpose the
handler's session was opened for: the read is then logged for what it is (RULES R9). The access answer must be
complete, so a handler whose role cannot read every category for that purpose is refused rather than given a
partial copy.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from persondata import runtime
from persondata.access.access_log import customer_access_history
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.access.models import StaffProfile
from persondata.core.calendar import COPENHAGEN
from persondata.register.models import (
    Customer,
    ImportRun,
    Invoice,
    Order,
    Payment,
    Restriction,
    ServiceAgreement,
)
from persondata.register.services import CustomerView, show_customer

PURPOSE = "rights_requests"


@dataclass(frozen=True, slots=True)
class Consulted:
    """One recorded read of the customer's data: when, why, what, and the reader's role (not their name)."""

    at: datetime
    purpose: str
    categories: tuple[str, ...]
    roles: tuple[str, ...]  # role keys of the policy file that allow this purpose


@dataclass(slots=True)
class Held:
    customer_id: uuid.UUID
    contact: dict[str, Any] | None
    customer_number: str | None
    orders: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    restricted: bool
    imports: list[date | None] = field(default_factory=list)  # the import runs the records came from
    history: list[Consulted] = field(default_factory=list)


def for_requests(actor: Actor) -> Actor:
    return dataclasses.replace(actor, purpose=PURPOSE)


def require_complete(actor: Actor) -> None:
    """Refuse a handler who could not see every category: an access answer must not leave data out."""
    missing = {k: d for k, d in for_requests(actor).categories().items() if not d}
    if missing:
        reasons = "; ".join(d.reason for d in missing.values())
        raise AccessDenied(f"an access answer must show every category: {reasons}", "incomplete", PURPOSE)


def read(actor: Actor, customer_id: uuid.UUID, *, now: datetime, history: bool = True) -> Held:
    """The customer's data (through ``show_customer``), its sources, and — if asked — who consulted it."""
    reader = for_requests(actor)
    if not Customer.objects.filter(pk=customer_id).exists():
        # erased since (or never held): nothing to copy, but the access log outlives an erasure
        gone = Held(customer_id, None, None, [], [], [], [], False)
        if history:
            gone.history = consulted(reader, customer_id)
        return gone
    view: CustomerView = show_customer(reader, customer_id, now=now)
    held = Held(
        customer_id,
        view.contact,
        view.customer_number,
        view.orders,
        view.agreements,
        view.invoices,
        view.payments,
        Restriction.objects.filter(customer_id=customer_id, lifted_at__isnull=True).exists(),
    )
    held.imports = import_dates(customer_id)
    if history:
        held.history = consulted(reader, customer_id)
    return held


def import_dates(customer_id: uuid.UUID) -> list[date | None]:
    """The days the customer's records were imported from the administrative system (the source, Art. 15(1)(g)).

    ``None`` stands for records whose import run is no longer recorded.
    """
    runs = (
        Customer.objects.filter(pk=customer_id)
        .values_list("import_run_id")
        .union(
            *(
                model.objects.filter(customer_id=customer_id).values_list("import_run_id")
                for model in (Order, ServiceAgreement, Invoice, Payment)
            )
        )
    )
    ids = {r[0] for r in runs}
    days = sorted(
        {
            at.astimezone(COPENHAGEN).date()
            for at in ImportRun.objects.filter(pk__in=[i for i in ids if i is not None]).values_list(
                "started_at", flat=True
            )
        }
    )
    out: list[date | None] = list(days)
    if None in ids:
        out.append(None)
    return out


def consulted(actor: Actor, customer_id: uuid.UUID) -> list[Consulted]:
    """Every recorded read of the customer's data, oldest first, with the reader's role for that purpose."""
    events = customer_access_history(actor, customer_id)
    if not events:
        return []
    from persondata.access.models import AccessLog

    staff_at: dict[tuple[datetime, str, str], set[int]] = defaultdict(set)
    for at, purpose, channel, staff_id in AccessLog.objects.filter(customer_id=customer_id).values_list(
        "at", "purpose", "channel", "staff_id"
    ):
        staff_at[(at, purpose, channel)].add(staff_id)
    staff_ids = {s for ids in staff_at.values() for s in ids}
    roles_of = dict(StaffProfile.objects.filter(user_id__in=staff_ids).values_list("user_id", "roles"))
    policy_roles = runtime.policy().roles
    out = []
    for e in events:
        roles: set[str] = set()
        for staff_id in staff_at.get((e.at, e.purpose, e.channel), ()):
            roles.update(
                r
                for r in roles_of.get(staff_id) or ()
                if r in policy_roles and e.purpose in policy_roles[r].purposes
            )
        out.append(Consulted(e.at, e.purpose, e.categories, tuple(sorted(roles))))
    return out
