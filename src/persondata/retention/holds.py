"""Legal holds (GDPR Art. 17(3)(e); RULES R4): a manual stop, with a reason and an end date.

A hold on a customer stops every deletion of that customer's data — the sweep's and an erasure request's —
through its end date; a hold on one record (an order, agreement, invoice or payment) keeps that record, and the
key it is sealed under. Creating and ending a hold is audited; the reason is not copied into the audit log
(it is free text and may describe the dispute), and a reason shaped like a CPR number is refused (R18).

Services: they take ``now`` and the staff member, and run inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access.actor import staff_code
from persondata.audit import services as audit
from persondata.core.calendar import legal_date
from persondata.core.formats import format_date
from persondata.core.sensitive import check_free_text
from persondata.rawsql import Hex, as_date, fetch_in, hx
from persondata.refusals import refusal_text
from persondata.register.models import Customer
from persondata.retention.models import LegalHold

MAX_REASON_CHARS = 2000
_RECORD_TABLES = {
    "order": "customer_order",
    "agreement": "service_agreement",
    "invoice": "invoice",
    "payment": "payment",
}


class HoldRefused(Exception):
    """The hold cannot be created or ended; the message says why and what to do (never the reason text)."""


@dataclass
class HoldIndex:
    """The holds in force on one day: per customer, and per record, the last day held (inclusive). Ids are
    32 hex digits, as the retention code carries them."""

    customers: dict[Hex, date] = field(default_factory=dict)
    records: dict[Hex, date] = field(default_factory=dict)
    record_customer: dict[Hex, Hex] = field(default_factory=dict)

    def add(self, hold: tuple[uuid.UUID, uuid.UUID | None, date]) -> None:
        customer, record, ends_on = hold
        customer_id = hx(customer)
        if record is None:
            self.customers[customer_id] = max(ends_on, self.customers.get(customer_id, ends_on))
        else:
            record_id = hx(record)
            self.records[record_id] = max(ends_on, self.records.get(record_id, ends_on))
            self.record_customer[record_id] = customer_id


def holds_between(first: Hex, last: Hex, today: date) -> HoldIndex:
    """The holds in force on ``today`` on customers ``first`` … ``last`` (a sweep chunk)."""
    index = HoldIndex()
    rows = LegalHold.objects.filter(
        ended_at__isnull=True, ends_on__gte=today, customer_id__gte=first, customer_id__lte=last
    ).values_list("customer_id", "record_id", "ends_on")
    for row in rows:
        index.add(row)
    return index


def holds_on(customer_ids: list[uuid.UUID] | list[Hex], today: date) -> HoldIndex:
    """The holds in force on ``today`` on these customers. Raw SQL: the customer page asks it on every view."""
    index = HoldIndex()
    rows = fetch_in(
        "SELECT customer_id, record_id, ends_on FROM retention_legal_hold"
        " WHERE ended_at IS NULL AND ends_on >= %s AND customer_id IN ({})",
        [hx(c) for c in customer_ids],
        before=[today.isoformat()],
    )
    for customer, record, ends_on in rows:
        index.add((customer, record, cast(date, as_date(ends_on))))  # NOT NULL
    return index


def all_holds_in_force(today: date) -> HoldIndex:
    index = HoldIndex()
    rows = LegalHold.objects.filter(ended_at__isnull=True, ends_on__gte=today).values_list(
        "customer_id", "record_id", "ends_on"
    )
    for row in rows:
        index.add(row)
    return index


def _record_kind(customer_id: uuid.UUID, record_id: uuid.UUID) -> str | None:
    from persondata.rawsql import fetch

    for kind, table in _RECORD_TABLES.items():
        if fetch(
            f"SELECT 1 FROM {table} WHERE id = %s AND customer_id = %s",  # noqa: S608 - table is a constant
            [record_id.hex, customer_id.hex],
        ):
            return kind
    return None


def create_hold(
    *,
    customer_id: uuid.UUID,
    reason: str,
    ends_on: date,
    created_by: int,
    now: datetime,
    record_id: uuid.UUID | None = None,
) -> LegalHold:
    """Put a legal hold on a customer (or one of their records) through ``ends_on``."""
    reason = reason.strip()
    if not reason:
        raise HoldRefused(_("Give the reason for the hold, e.g. the case it concerns."))
    if len(reason) > MAX_REASON_CHARS:
        raise HoldRefused(
            _("The reason is longer than %(n)s characters: shorten it.") % {"n": MAX_REASON_CHARS}
        )
    refusal = check_free_text(reason)
    if refusal is not None:
        raise HoldRefused(_("The reason %(problem)s.") % {"problem": refusal_text(refusal)})
    today = legal_date(now)
    if ends_on < today:
        raise HoldRefused(
            _("The end date has passed: give a day from %(day)s on.")
            % {"day": format_date(today, runtime.language())}
        )
    if not Customer.objects.filter(pk=customer_id).exists():
        raise HoldRefused(_("No customer has this number, or the customer's data has already been deleted."))
    kind = ""
    if record_id is not None:
        found = _record_kind(customer_id, record_id)
        if found is None:
            raise HoldRefused(
                _("This customer has no order, agreement, invoice or payment with that number.")
            )
        kind = found
    hold = LegalHold.objects.create(
        customer_id=customer_id,
        record_kind=kind,
        record_id=record_id,
        reason=reason,
        ends_on=ends_on,
        created_at=now,
        created_by_id=created_by,
    )
    audit.record(
        "retention.hold_created",
        actor=staff_code(created_by),
        target=str(customer_id),
        details={"hold": str(hold.id), "covers": kind or "customer", "ends_on": ends_on.isoformat()},
        now=now,
    )
    return hold


def end_hold(hold_id: uuid.UUID, *, ended_by: int, now: datetime) -> LegalHold:
    """End a hold before its end date (the dispute is settled): what it kept becomes due again."""
    hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None:
        raise HoldRefused(_("There is no such legal hold."))
    if hold.ended_at is not None:
        raise HoldRefused(_("This legal hold has already been ended."))
    hold.ended_at, hold.ended_by_id = now, ended_by
    hold.save(update_fields=["ended_at", "ended_by"])
    audit.record(
        "retention.hold_ended",
        actor=staff_code(ended_by),
        target=str(hold.customer_id),
        details={"hold": str(hold.id), "covers": hold.record_kind or "customer"},
        now=now,
    )
    return hold


def holds_in_force(today: date, limit: int = 500) -> list[LegalHold]:
    """The holds in force on ``today``, the soonest to end first."""
    return list(
        LegalHold.objects.filter(ended_at__isnull=True, ends_on__gte=today).order_by("ends_on")[:limit]
    )


def holds_past(today: date, limit: int = 20) -> list[LegalHold]:
    """Holds that were ended or ran out, the most recent first."""
    past = LegalHold.objects.exclude(ended_at__isnull=True, ends_on__gte=today)
    return list(past.order_by("-ends_on", "-created_at")[:limit])
