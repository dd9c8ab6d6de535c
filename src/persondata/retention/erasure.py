"""An erasure request's deletions (GDPR Art. 17; RULES R4), through the sweep's own deletion functions.

``erase_customer_now`` deletes at once everything of the customer that is not accounting material — contact
data, customer number, order history — and destroys the ``relevance`` key; the invoices and payments stay until
the bookkeeping act lets them go (the daily sweep deletes them on that day). It restricts nothing yet: the
restriction of the kept accounting material to bookkeeping (R4) is the erasure request's own step. A legal hold
(Art. 17(3)(e)) stops the deletions it covers. The result says what was erased and what is kept until when, in
the words the answer to the customer needs.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from persondata import runtime
from persondata.access.actor import Actor, code_of
from persondata.audit import services as audit
from persondata.jobs.clock import legal_today
from persondata.rawsql import as_date, fetch
from persondata.register.models import Customer
from persondata.retention import holds
from persondata.retention.deletion import Deleter
from persondata.retention.models import RetentionRun
from persondata.retention.schedule import RELEVANCE_CATEGORIES, accounting_decision

_REASON_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class CustomerNotFound(Exception):
    pass


@dataclass(frozen=True, slots=True)
class KeptAccounting:
    """One financial year's accounting material that stays, and until when (for the customer's answer)."""

    klass: str
    invoices: int
    payments: int
    delete_on: date
    keep_until: date
    reason: str


@dataclass
class ErasureResult:
    customer_id: uuid.UUID
    run_id: uuid.UUID
    erased: Counter[str] = field(
        default_factory=Counter
    )  # contact, customer_number, orders, agreements, keys…
    kept: list[KeptAccounting] = field(default_factory=list)
    held_until: date | None = None  # a hold on the whole customer: nothing was erased
    held_records: int = 0  # records kept by holds on single records
    customer_removed: bool = False


def erase_customer_now(
    customer_id: uuid.UUID, *, actor: Actor | str, now: datetime, reason_code: str
) -> ErasureResult:
    """Erase now what is not accounting material; keep (and report) the accounting material; audit it.

    Runs inside the caller's transaction (an erasure request's entry point). ``actor`` is an audit actor code
    (``"staff:12"``) or an :class:`persondata.access.actor.Actor`; ``reason_code`` a short code such as
    ``erasure_request`` (it goes into the audit log and the ledger's run, so no free text).
    """
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("erase_customer_now must run inside the request's transaction")
    if not _REASON_CODE.match(reason_code):
        raise ValueError("reason_code must be a short lower-case code such as 'erasure_request'")
    actor_code = code_of(actor)
    today = legal_today(now)
    if not Customer.objects.filter(pk=customer_id).exists():
        raise CustomerNotFound("no such customer")
    run = RetentionRun.objects.create(
        kind="erasure", today=today, started_at=now, finished_at=now, status="done", actor=actor_code
    )
    result = ErasureResult(customer_id, run.id)
    cid = customer_id.hex
    index = holds.holds_on([cid], today)
    if cid in index.customers:
        result.held_until = index.customers[cid]
    else:
        deleter = Deleter(at=now, run_id=run.id, held_records=index.records)
        deleter.relevance({cid: set(RELEVANCE_CATEGORIES)}, "erasure")
        deleter.finish(write_ahead=False)
        result.erased = deleter.counts
        result.customer_removed = cid in deleter.removed
        result.held_records = len(index.records)
    result.kept = kept_accounting(customer_id)
    counts = {k: v for k, v in result.erased.items() if v}
    RetentionRun.objects.filter(pk=run.pk).update(
        counts={"deleted": counts, "held": bool(result.held_until) or result.held_records}
    )
    audit.record(
        "retention.erasure",
        actor=actor_code,
        target=str(customer_id),
        details={
            "reason": reason_code,
            "run": str(run.id),
            "deleted": counts,
            "kept_classes": [k.klass for k in result.kept],
            "held": result.held_until is not None or result.held_records > 0,
        },
        now=now,
    )
    return result


def kept_accounting(customer_id: uuid.UUID) -> list[KeptAccounting]:
    """The customer's accounting material per financial year, with its deletion day and the reason."""
    policy = runtime.policy()
    counts: dict[str, list[int]] = {}
    latest: dict[str, tuple[date, str]] = {}
    for offset, (table, column) in enumerate((("invoice", "invoice_date"), ("payment", "paid_on"))):
        for klass, n, last in fetch(
            f"SELECT key_class, COUNT(*), MAX({column}) FROM {table} WHERE customer_id = %s "  # noqa: S608 - constants
            "GROUP BY key_class",
            [customer_id.hex],
        ):
            counts.setdefault(str(klass), [0, 0])[offset] = int(n)
            day = as_date(last)
            if day is not None and (str(klass) not in latest or day > latest[str(klass)][0]):
                latest[str(klass)] = (day, table)
    kept = []
    for klass in sorted(counts):
        day, kind = latest[klass]
        decision = accounting_decision(policy, kind, day)
        assert decision.delete_on is not None and decision.keep_until is not None
        invoices, payments = counts[klass]
        kept.append(
            KeptAccounting(
                klass, invoices, payments, decision.delete_on, decision.keep_until, decision.reason
            )
        )
    return kept
