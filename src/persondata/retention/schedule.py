"""The retention schedule: for every record, the day each rule that keeps it expires — and why, in words.

Pure Python (no Django, no clock): every function takes the policy and the day it evaluates. The dates
themselves come from ``persondata.core.calendar``, the only module that computes a legal date; this module
chooses which rule applies to which record and says so.

The rules (RULES.md):

- **Accounting material** (invoices with the billing name and address, payments; R1, R2): kept until the
  bookkeeping act allows deletion, 5 years from the end of the financial year. The policy's own maximum
  (5½ years from the invoice date) is the latest day; where it comes first, the law wins and the record is
  flagged (R3). The sweep deletes on the first lawful day.
- **Contact data, customer number and order history** (R2, GDPR Art. 5(1)(e)): kept for the category's
  relevance period after the customer relationship ended. The relationship ends on the latest of the last
  order, delivery, service-agreement end, invoice and payment, and of the source system's own dates given at
  import (last activity, customer since); a customer with none of these: the day of the import. It is still
  alive while a service agreement is open, or while an invoice is not fully paid and the claim can still be
  enforced (forældelsesloven § 3: 3 years from the due date by default, ``retention.unpaid_claim_years``).
  Once the claim is time-barred, the unpaid invoice keeps nothing (``unpaid_claim_after = "delete"``) or keeps
  the contact data restricted to the bookkeeping act until the invoice itself goes (``"restrict"``).
- **Legal holds** (R4, Art. 17(3)(e)): nothing a hold covers is deleted through its end date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from persondata.core.calendar import (
    AccountingRetention,
    accounting_retention,
    claim_time_barred_from,
    deletion_allowed_from,
    relevance_deletion,
)
from persondata.core.formats import months_in_words
from persondata.core.policy import Policy

#: The policy's categories that are not accounting material; all three are sealed under the `relevance` key.
RELEVANCE_CATEGORIES: Final = ("contact", "customer_number", "order_history")
#: The category of invoices and payments (accounting material, R2).
ACCOUNTING_CATEGORY: Final = "payment"

BOOKKEEPING: Final = "bookkeeping"
RELEVANCE: Final = "relevance"
ONGOING: Final = "ongoing"

#: Where the relationship's end came from → the rule a deletion under the relevance period is recorded with
#: (the ledger's ``rule``): the register's own records, or the source system's dates, or the day of the import.
RELEVANCE_RULES: Final = {
    "records": RELEVANCE,
    "activity": "relevance:activity",
    "since": "relevance:since",
    "import": "relevance:import",
}

_EARLIEST: Final = date(1900, 1, 1)  # nothing the register holds is older


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    """When one record (or one category of a customer's data) may be deleted, and why.

    ``delete_on`` is the first day it may be deleted (every keeping rule expired, no hold); None while the
    customer relationship is ongoing. ``reason`` says it in words, for the screen, the plan and the answer to
    the customer.
    """

    category: str
    rule: str  # bookkeeping | relevance | ongoing
    delete_on: date | None
    reason: str
    clash: bool = False
    held_until: date | None = None

    def due(self, today: date) -> bool:
        return self.delete_on is not None and today >= self.delete_on

    @property
    def keep_until(self) -> date | None:
        return None if self.delete_on is None else self.delete_on - timedelta(days=1)


# -------------------------------------------------------------------------------------- accounting (R1–R3)


def accounting_dates(policy: Policy, day: date) -> AccountingRetention:
    """R3 for accounting material dated ``day`` (an invoice date, or a payment date), under this policy."""
    r = policy.retention
    return accounting_retention(day, policy.financial_year, r.bookkeeping_years, r.policy_max_months)


def _hold_words(held_until: date | None, due: date) -> str:
    if held_until is None or held_until < due:
        return ""
    return f"; held by a legal hold through {held_until.isoformat()}"


def accounting_decision(
    policy: Policy, kind: str, day: date, held_until: date | None = None
) -> RetentionDecision:
    """An invoice (``kind="invoice"``, dated ``day``) or a payment (``"payment"``, paid on ``day``).

    E.g. "kept until 2025-12-31: bookkeeping act, invoice 2020-03-15, financial year 2020 (5 years from its
    end); the policy's 5½ years would end on 2025-09-15, before the law allows deletion: the law wins …".
    """
    ar = accounting_dates(policy, day)
    years = policy.retention.bookkeeping_years
    reason = (
        f"kept until {ar.keep_until.isoformat()}: bookkeeping act, {kind} {day.isoformat()}, "
        f"financial year {policy.financial_year.label(day)} ({years} years from its end)"
    )
    if ar.clash:
        reason += (
            f"; the policy's {months_in_words(policy.retention.policy_max_months, 'en')} would end on "
            f"{ar.policy_latest.isoformat()}, before the law allows deletion: the law wins and the policy is "
            "flagged (RULES R3)"
        )
    else:
        reason += (
            f"; deleted on {ar.delete_on.isoformat()}, within the policy's latest day {ar.policy_latest}"
        )
    return RetentionDecision(
        ACCOUNTING_CATEGORY,
        BOOKKEEPING,
        deletion_allowed_from([ar.delete_on], held_until),
        reason + _hold_words(held_until, ar.delete_on),
        clash=ar.clash,
        held_until=held_until,
    )


def _latest_day(due_on: Callable[[date], date], today: date) -> date | None:
    """The latest day ``d`` with ``due_on(d) <= today``, for a ``due_on`` that never decreases; None if none.

    Binary search over days, so the answer is exactly what the calendar says for every single day.
    """
    lo, hi = _EARLIEST.toordinal(), today.toordinal()
    if due_on(_EARLIEST) > today:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if due_on(date.fromordinal(mid)) <= today:
            lo = mid
        else:
            hi = mid - 1
    return date.fromordinal(lo)


def accounting_cutoff(policy: Policy, today: date) -> date | None:
    """The latest invoice (or payment) date whose accounting material may be deleted on ``today``.

    The law's deletion day never decreases with the invoice date, so "due on ``today``" is exactly
    ``invoice_date <= accounting_cutoff(today)``: the sweep selects due invoices with that one comparison.
    """
    return _latest_day(lambda d: accounting_dates(policy, d).delete_on, today)


# ----------------------------------------------------------------------------------- relevance (R2, Art. 5)


@dataclass(frozen=True, slots=True)
class RelationshipFacts:
    """What the register knows about a customer relationship on the day it is evaluated."""

    registered_on: date
    last_order: date | None = None
    last_delivery: date | None = None
    last_agreement_end: date | None = None  # the latest end of an agreement that has ended
    open_agreements: int = 0  # agreements without an end, or ending today or later
    last_invoice: date | None = None
    last_payment: date | None = None
    # invoices not yet due for deletion whose payments do not cover them, and whose claim can be enforced …
    unpaid_invoices: int = 0
    barred_invoices: int = 0  # … and those whose claim is time-barred (forældelsesloven § 3)
    recorded_end: date | None = None  # kept once the records it was computed from were deleted
    last_activity: date | None = None  # the source system's dates, as imported
    customer_since: date | None = None


@dataclass(frozen=True, slots=True)
class Relationship:
    ended_on: date | None  # None: the relationship is ongoing
    because: str
    source: str = "records"  # a key of RELEVANCE_RULES: what the end was counted from


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def relationship_ended_on(
    events: Iterable[date | None], registered_on: Callable[[], date], *, ongoing: bool
) -> date | None:
    """The rule of :func:`relationship` without the words (the sweep's hot path): None while ongoing, else the
    latest event (the source system's dates among them), else the day of the import (``registered_on`` is
    called only then)."""
    if ongoing:
        return None
    latest: date | None = None
    for d in events:
        if d is not None and (latest is None or d > latest):
            latest = d
    return latest if latest is not None else registered_on()


def relationship_source(
    ended: date, records: Iterable[date | None], last_activity: date | None, customer_since: date | None
) -> str:
    """What :func:`relationship_ended_on`'s ``ended`` was counted from (a key of RELEVANCE_RULES); the
    register's own records win a tie, then the last activity, then the customer-since date."""
    if any(d == ended for d in records):
        return "records"
    if last_activity == ended:
        return "activity"
    return "since" if customer_since == ended else "import"


def relationship(facts: RelationshipFacts, claim_after: str = "delete") -> Relationship:
    """When the customer relationship ended — or why it is still ongoing."""
    if facts.open_agreements:
        return Relationship(None, _plural(facts.open_agreements, "open service agreement"))
    if facts.unpaid_invoices:
        return Relationship(
            None,
            f"{_plural(facts.unpaid_invoices, 'invoice')} not fully paid, the claim still enforceable "
            "(forældelsesloven § 3)",
        )
    if facts.barred_invoices and claim_after == "restrict":
        return Relationship(
            None,
            f"{_plural(facts.barred_invoices, 'unpaid invoice')} whose claim is time-barred (forældelsesloven "
            "§ 3): contact data restricted to the bookkeeping act until the invoice is deleted",
        )
    events = [
        (facts.last_order, "last order", "records"),
        (facts.last_delivery, "last delivery", "records"),
        (facts.last_agreement_end, "end of the last service agreement", "records"),
        (facts.last_invoice, "last invoice", "records"),
        (facts.last_payment, "last payment", "records"),
        (facts.recorded_end, "recorded end of the relationship", "records"),
        (facts.last_activity, "last activity in the source system", "activity"),
        (facts.customer_since, "customer since this date in the source system", "since"),
    ]
    known = [(d, what, src) for d, what, src in events if d is not None]
    barred = (
        f"; {_plural(facts.barred_invoices, 'unpaid invoice')} whose claim is time-barred (forældelsesloven § 3) "
        "no longer keep it"
        if facts.barred_invoices
        else ""
    )
    if not known:
        return Relationship(
            facts.registered_on,
            "the day of the import; the source system gave no customer-since or last-activity date, and there "
            "are no orders, agreements or invoices" + barred,
            "import",
        )
    day = max(d for d, _, _ in known)
    what = " and ".join(w for d, w, _ in known if d == day)
    source = next(src for d, _, src in known if d == day)
    return Relationship(day, what + barred, source)


def relevance_months(policy: Policy, category: str) -> int:
    months = policy.relevance_months_for(category)
    if months is None:
        raise ValueError(f"category '{category}' is accounting material; it has no relevance period")
    return months


def relevance_decision(
    policy: Policy, category: str, rel: Relationship, held_until: date | None = None
) -> RetentionDecision:
    """Contact data, the customer number or the order history of one customer (R2)."""
    if rel.ended_on is None:
        return RetentionDecision(
            category, ONGOING, None, f"kept: the customer relationship is ongoing ({rel.because})"
        )
    months = relevance_months(policy, category)
    due = relevance_deletion(rel.ended_on, months)
    keep_until = due - timedelta(days=1)
    reason = (
        f"kept until {keep_until.isoformat()}: {months_in_words(months, 'en')} after the customer "
        f"relationship ended on {rel.ended_on.isoformat()} ({rel.because})"
    )
    return RetentionDecision(
        category,
        RELEVANCE,
        deletion_allowed_from([due], held_until),
        reason + _hold_words(held_until, due),
        held_until=held_until,
    )


def relevance_cutoff(policy: Policy, category: str, today: date) -> date | None:
    """The latest relationship end whose ``category`` data is due on ``today`` (for the plan's wording)."""
    months = relevance_months(policy, category)
    return _latest_day(lambda d: relevance_deletion(d, months), today)


def claim_cutoff(policy: Policy, today: date) -> date | None:
    """The latest due date whose claim is time-barred on ``today`` (forældelsesloven § 3): an unpaid invoice
    due on or before it no longer keeps the relationship alive."""
    years = policy.retention.claim_years
    return _latest_day(lambda d: claim_time_barred_from(d, years), today)


def week_of(day: date) -> date:
    """The Monday of ``day``'s week (ISO), for the forecast's weekly counts."""
    return day - timedelta(days=day.weekday())
