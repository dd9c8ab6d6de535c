"""One chunk of the sweep: the facts retention decides on, read for a range of customers in a few queries.

The relationship's end by GROUP BY over orders, agreements, invoices and payments; due accounting material by
``invoice_date <= cutoff`` (the latest due invoice date computed once from the calendar); unpaid invoices split
by whether their claim can still be enforced (``due_date > claim cutoff``, forældelsesloven § 3). Then the
decisions (``sweep_decisions``) are date comparisons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from persondata.core.calendar import legal_date
from persondata.rawsql import Hex, as_date, as_datetime, fetch, fetch_in, hx
from persondata.retention import holds
from persondata.retention.schedule import relationship_ended_on, relationship_source


@dataclass(slots=True)
class CustomerFacts:
    id: Hex
    created_at: Any  # as read; turned into the day of registration only if the customer has no other event
    recorded_end: date | None
    contact: bool
    number: bool
    last_activity: date | None  # the source system's dates, as imported
    customer_since: date | None
    orders: int = 0
    agreements: int = 0
    last_order: date | None = None
    last_delivery: date | None = None
    last_agreement_end: date | None = None
    open_agreements: int = 0
    last_invoice: date | None = None
    last_payment: date | None = None
    unpaid: int = 0  # unpaid invoices whose claim can still be enforced (forældelsesloven § 3) …
    barred: int = 0  # … and those whose claim is time-barred
    # accounting material per class: [invoices, invoices due, payments, payments due]
    accounting: dict[str, list[int]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    def registered_on(self) -> date:
        return legal_date(as_datetime(self.created_at))

    def _records(self) -> tuple[date | None, ...]:
        return (
            self.last_order,
            self.last_delivery,
            self.last_agreement_end,
            self.last_invoice,
            self.last_payment,
            self.recorded_end,
        )

    def ended_on(self, claim_after: str) -> date | None:
        """The relationship's end (None: ongoing), by the rule of ``schedule.relationship``."""
        return relationship_ended_on(
            (*self._records(), self.last_activity, self.customer_since),
            self.registered_on,
            ongoing=bool(self.open_agreements or self.unpaid or (self.barred and claim_after == "restrict")),
        )

    def source(self, ended: date) -> str:
        """What ``ended`` was counted from: the register's records, the source system's dates, the import."""
        return relationship_source(ended, self._records(), self.last_activity, self.customer_since)


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None or a >= b:
        return a
    return b


_RANGE = "customer_id >= %s AND customer_id <= %s"


def gather(
    after: Hex | None, size: int, today: date, cutoff: date, claim_cut: date, keys: bool
) -> list[CustomerFacts]:
    """The facts of the next ``size`` customers after ``after`` (in id order); ``cutoff``: the latest due
    invoice date; ``claim_cut``: the latest due date whose claim is time-barred."""
    rows = fetch(
        "SELECT id, created_at, relationship_ended_on, "  # noqa: S608 - constants only
        "(name_bidx IS NOT NULL OR email_bidx IS NOT NULL OR phone_bidx IS NOT NULL), "
        "number_bidx IS NOT NULL, last_activity, customer_since "
        f"FROM customer {'WHERE id > %s ' if after else ''}ORDER BY id LIMIT %s",
        [after, size] if after else [size],
    )
    if not rows:
        return []
    customers = {
        hx(r[0]): CustomerFacts(
            hx(r[0]), r[1], as_date(r[2]), bool(r[3]), bool(r[4]), as_date(r[5]), as_date(r[6])
        )
        for r in rows
    }
    ids = list(customers)
    span = [ids[0], ids[-1]]
    _history(customers, span, today)
    _accounting(customers, span, cutoff, claim_cut)
    if keys:  # only the plan predicts which keys go; a run destroys what it empties
        for cid, klass in fetch(f"SELECT customer_id, klass FROM data_key WHERE {_RANGE}", span):  # noqa: S608
            customers[hx(cid)].keys.add(klass)
    return list(customers.values())


def _history(customers: dict[Hex, CustomerFacts], span: list[Any], today: date) -> None:
    """Orders and service agreements: counts, the last dates, the agreements still open on ``today``."""
    day = today.isoformat()
    for cid, n, last_o, last_d in fetch(
        f"SELECT customer_id, COUNT(*), MAX(ordered_on), MAX(delivered_on) FROM customer_order WHERE {_RANGE} "  # noqa: S608 - constant
        "GROUP BY customer_id",
        span,
    ):
        c = customers[hx(cid)]
        c.orders, c.last_order, c.last_delivery = n, as_date(last_o), as_date(last_d)
    for cid, n, still_open, last_end in fetch(
        "SELECT customer_id, COUNT(*), COUNT(CASE WHEN ends_on IS NULL OR ends_on >= %s THEN 1 END), "  # noqa: S608
        f"MAX(CASE WHEN ends_on < %s THEN ends_on END) FROM service_agreement WHERE {_RANGE} "
        "GROUP BY customer_id",
        [day, day, *span],
    ):
        c = customers[hx(cid)]
        c.agreements, c.open_agreements, c.last_agreement_end = n, still_open, as_date(last_end)


#: An invoice not yet due for deletion under the bookkeeping act whose payments do not cover it. Each count below
#: puts its due-date test first, so the payments are summed once per invoice at most.
_UNPAID = (
    "i.invoice_date > %s AND i.total_ore > COALESCE((SELECT SUM(p.amount_ore) FROM payment p "
    "WHERE p.customer_id = i.customer_id AND p.invoice_number = i.invoice_number), 0)"
)


def _accounting(customers: dict[Hex, CustomerFacts], span: list[Any], cutoff: date, claim_cut: date) -> None:
    """Invoices and payments per financial year: how many, how many due; the unpaid invoices and their claims."""
    cut, barred = cutoff.isoformat(), claim_cut.isoformat()
    # per financial year: invoices, those due; unpaid ones whose claim can be enforced, unpaid time-barred ones
    for cid, klass, n, due, last, unpaid, time_barred in fetch(
        "SELECT i.customer_id, i.key_class, COUNT(*), COUNT(CASE WHEN i.invoice_date <= %s THEN 1 END), "  # noqa: S608
        f"MAX(i.invoice_date), COUNT(CASE WHEN COALESCE(i.due_date, i.invoice_date) > %s AND {_UNPAID} THEN 1 END), "
        f"COUNT(CASE WHEN COALESCE(i.due_date, i.invoice_date) <= %s AND {_UNPAID} THEN 1 END) "
        "FROM invoice i WHERE i.customer_id >= %s AND i.customer_id <= %s GROUP BY i.customer_id, i.key_class",
        [cut, barred, cut, barred, cut, *span],
    ):
        c = customers[hx(cid)]
        tally = c.accounting.get(klass)
        if tally is None:
            tally = c.accounting[klass] = [0, 0, 0, 0]
        tally[0] += n
        tally[1] += due
        c.unpaid += unpaid
        c.barred += time_barred
        c.last_invoice = _later(c.last_invoice, as_date(last))
    for cid, klass, n, due, last in fetch(
        "SELECT customer_id, key_class, COUNT(*), COUNT(CASE WHEN paid_on <= %s THEN 1 END), MAX(paid_on) "  # noqa: S608
        f"FROM payment WHERE {_RANGE} GROUP BY customer_id, key_class",
        [cut, *span],
    ):
        c = customers[hx(cid)]
        tally = c.accounting.get(klass)
        if tally is None:
            tally = c.accounting[klass] = [0, 0, 0, 0]
        tally[2] += n
        tally[3] += due
        c.last_payment = _later(c.last_payment, as_date(last))


def held_records(index: holds.HoldIndex, cutoff: date) -> dict[Hex, dict[str, Any]]:
    """Per customer, what single-record holds keep out of this chunk's deletions (usually nothing)."""
    out: dict[Hex, dict[str, Any]] = defaultdict(dict)
    if not index.records:
        return out
    ids = list(index.records)
    for table, label in (("customer_order", "orders"), ("service_agreement", "agreements")):
        for (cid,) in fetch_in(f"SELECT customer_id FROM {table} WHERE id IN ({{}})", ids):  # noqa: S608 - constant
            mine = out[hx(cid)]
            mine[label] = mine.get(label, 0) + 1
            mine["order_history"] = mine.get("order_history", 0) + 1
    for offset, (table, column) in enumerate((("invoice", "invoice_date"), ("payment", "paid_on"))):
        for cid, klass in fetch_in(
            f"SELECT customer_id, key_class FROM {table} WHERE id IN ({{}}) AND {column} <= %s",  # noqa: S608 - constants
            ids,
            after=[cutoff.isoformat()],
        ):
            mine = out[hx(cid)]
            pair = list(mine.get(str(klass), (0, 0)))
            pair[offset] += 1
            mine[str(klass)] = tuple(pair)
    return out
