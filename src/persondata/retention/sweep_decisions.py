"""One chunk of the sweep: what goes today, and under which rule — date comparisons on the chunk's facts.

The dates come from the calendar (memoised per relationship end); the rules are those of
``persondata.retention.schedule``. The plan predicts from the same decisions what a run would delete; a run
hands them to the deletion functions (``persondata.retention.deletion``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from persondata.core.calendar import deletion_allowed_from, relevance_deletion
from persondata.core.policy import Policy
from persondata.rawsql import Hex
from persondata.register.models import RELEVANCE
from persondata.retention import holds
from persondata.retention.deletion import is_accounting_class
from persondata.retention.schedule import RELEVANCE_CATEGORIES, RELEVANCE_RULES, relevance_months, week_of
from persondata.retention.sweep_facts import CustomerFacts
from persondata.retention.sweep_report import FORECAST_DAYS, SweepReport


@dataclass
class ChunkPlan:
    relevance: dict[Hex, set[str]] = field(default_factory=dict)
    rules: dict[Hex, str] = field(
        default_factory=dict
    )  # the ledger's rule of each customer's relevance deletion
    accounting: list[Hex] = field(default_factory=list)
    recorded_ends: list[tuple[str, Hex]] = field(default_factory=list)
    restrict: list[Hex] = field(
        default_factory=list
    )  # time-barred claims, ``unpaid_claim_after = "restrict"``
    counts: Counter[str] = field(default_factory=Counter)  # predicted, for the plan

    def has_deletions(self) -> bool:
        return bool(self.relevance or self.accounting)

    def relevance_by_rule(self) -> dict[str, dict[Hex, set[str]]]:
        out: dict[str, dict[Hex, set[str]]] = {}
        for cid, cats in self.relevance.items():
            out.setdefault(self.rules.get(cid, RELEVANCE), {})[cid] = cats
        return out


class Decider:
    """Takes one chunk's decisions: date comparisons only; the dates come from the calendar (memoised)."""

    def __init__(self, policy: Policy, today: date, report: SweepReport) -> None:
        self.policy, self.today, self.report = policy, today, report
        self.horizon = today + timedelta(days=FORECAST_DAYS)
        self.months = {c: relevance_months(policy, c) for c in RELEVANCE_CATEGORIES}
        self.claim_after = policy.retention.claim_after
        self._due: dict[tuple[date, int], date] = {}

    def relevance_due(self, ended: date, months: int) -> date:
        key = (ended, months)
        due = self._due.get(key)
        if due is None:
            due = self._due[key] = relevance_deletion(ended, months)
        return due

    def _forecast(self, day: date, category: str, n: int) -> None:
        if self.today < day <= self.horizon and n:
            week = self.report.forecast.setdefault(week_of(day).isoformat(), {})
            week[category] = week.get(category, 0) + n

    def decide(
        self, customers: list[CustomerFacts], hold: holds.HoldIndex, held_records: dict[Hex, Any]
    ) -> ChunkPlan:
        plan = ChunkPlan()
        no_holds: dict[str, Any] = {}
        for c in customers:
            customer_hold = hold.customers.get(c.id)
            held_here = held_records.get(c.id, no_holds)
            ended = c.ended_on(self.claim_after)
            if ended is None:
                self._ongoing(c, plan)
                cats: set[str] = set()
            else:
                cats = self._relevance(c, ended, customer_hold, held_here)
            emptied, acc_due = self._accounting(c, customer_hold, held_here, plan.counts)
            if acc_due:
                plan.accounting.append(c.id)
            if cats:
                assert ended is not None
                plan.relevance[c.id] = cats
                source = c.source(ended)
                plan.rules[c.id] = RELEVANCE_RULES[source]
                self.report.sources[source] += 1
                if c.barred and "contact" in cats:
                    self.report.claims_barred += 1
            elif not acc_due:
                continue
            self._predict(c, ended, cats, held_here, emptied, plan)
        return plan

    def _ongoing(self, c: CustomerFacts, plan: ChunkPlan) -> None:
        if c.open_agreements:
            self.report.ongoing["open_agreement"] += 1
        elif c.unpaid:
            self.report.ongoing["unpaid_invoice"] += 1
        else:  # time-barred claims only, and the policy restricts rather than deletes
            self.report.ongoing["claim_restricted"] += 1
            if c.contact:
                plan.restrict.append(c.id)

    def _relevance(
        self, c: CustomerFacts, ended: date, customer_hold: date | None, held_here: dict[str, Any]
    ) -> set[str]:
        """The relevance categories of ``c`` due today; held ones are reported, later ones forecast."""
        cats: set[str] = set()
        for category, n in (
            ("contact", int(c.contact)),
            ("customer_number", int(c.number)),
            ("order_history", c.orders + c.agreements),
        ):
            if not n:
                continue
            due = self.relevance_due(ended, self.months[category])
            effective = due if customer_hold is None else deletion_allowed_from([due], customer_hold)
            if due <= self.today and effective > self.today:
                self._held(category, c, n)
            elif due <= self.today:
                cats.add(category)
                if category == "order_history":  # holds on single orders or agreements keep them
                    self.report.held["orders"] += held_here.get("orders", 0)
                    self.report.held["agreements"] += held_here.get("agreements", 0)
            if effective > self.today:
                self._forecast(effective, category, n)
        return cats

    def _accounting(
        self, c: CustomerFacts, customer_hold: date | None, held_here: dict[str, Any], counts: Counter[str]
    ) -> tuple[set[str], int]:
        """The financial years of ``c`` that this sweep empties, and how many records are due in all."""
        held_report = self.report.held
        acc_due = 0
        emptied: set[str] = set()
        for klass, (inv, inv_due, pay, pay_due) in c.accounting.items():
            if not inv_due + pay_due:
                continue
            if customer_hold is not None:
                held_report["invoices"] += inv_due
                held_report["payments"] += pay_due
                continue
            h_inv, h_pay = held_here.get(klass, (0, 0))
            held_report["invoices"] += h_inv
            held_report["payments"] += h_pay
            counts["invoices"] += inv_due - h_inv
            counts["payments"] += pay_due - h_pay
            gone = inv_due + pay_due - h_inv - h_pay
            acc_due += gone
            if gone == inv + pay:
                emptied.add(klass)
        return emptied, acc_due

    def _predict(
        self,
        c: CustomerFacts,
        ended: date | None,
        cats: set[str],
        held_here: dict[str, Any],
        emptied: set[str],
        plan: ChunkPlan,
    ) -> None:
        """What the deletion leaves (the prediction the plan reports; a run counts what it did), and the
        relationship's end to keep where the records it was computed from go while a category still counts."""
        counts = plan.counts
        history = c.orders + c.agreements
        if "contact" in cats:
            counts["contact"] += 1
        if "customer_number" in cats:
            counts["customer_number"] += 1
        if "order_history" in cats:
            counts["orders"] += c.orders - held_here.get("orders", 0)
            counts["agreements"] += c.agreements - held_here.get("agreements", 0)
        relevance_left = (
            (c.contact and "contact" not in cats)
            or (c.number and "customer_number" not in cats)
            or (history and ("order_history" not in cats or held_here.get("order_history", 0)))
        )
        if relevance_left and ended is not None and ended != c.recorded_end:
            plan.recorded_ends.append((ended.isoformat(), c.id))
        keys = c.keys
        if RELEVANCE in keys and not relevance_left:
            counts["keys_relevance"] += 1
        counts["keys_accounting"] += len(keys & emptied)
        if relevance_left or len(c.accounting) > len(emptied):
            return
        if all(k == RELEVANCE or is_accounting_class(k) for k in keys):
            counts["customers_removed"] += 1

    def _held(self, category: str, c: CustomerFacts, n: int) -> None:
        if category == "order_history":
            self.report.held["orders"] += c.orders
            self.report.held["agreements"] += c.agreements
        else:
            self.report.held[category] += n
