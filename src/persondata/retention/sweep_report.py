"""What a retention plan or sweep reports: the counts, the reasons in words, the 90-day forecast, the R3 clash.

The sweep (``persondata.retention.sweep``) fills a :class:`SweepReport` chunk by chunk; the accounting forecast
and the clash in the register come from one GROUP BY per table at the end (:func:`accounting_overview`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from persondata.core.calendar import deletion_allowed_from
from persondata.core.policy import Policy
from persondata.core.policy_check import RetentionClash, check_policy, describe_clash
from persondata.rawsql import as_date, fetch, fetch_in, hx
from persondata.retention import holds
from persondata.retention.schedule import RELEVANCE_CATEGORIES, accounting_dates, relevance_months, week_of

FORECAST_DAYS = 90
NOTHING = date(1899, 12, 31)  # a cutoff before every record: nothing is due

#: Report keys, in the order they are printed: records per kind, then keys and customers.
COUNT_KEYS = (
    "contact",
    "customer_number",
    "orders",
    "agreements",
    "invoices",
    "payments",
    "keys_relevance",
    "keys_accounting",
    "customers_removed",
)
#: The policy category each count belongs to.
CATEGORY_OF = {
    "contact": "contact",
    "customer_number": "customer_number",
    "orders": "order_history",
    "agreements": "order_history",
    "invoices": "payment",
    "payments": "payment",
}


@dataclass
class ClashStatus:
    """RULES R3 in the register: the policy's clash, and how many stored records it concerns today."""

    clash: RetentionClash
    message: str  # the policy check's wording (English)
    fix: str
    affected: int  # invoices and payments not yet due whose policy day comes before the law's
    kept_past_policy: int  # of those, the ones already past the policy's latest day, kept because of the law
    message_da: str = ""  # the same in Danish, for a person reading Danish (the CLI's report)
    fix_da: str = ""

    def words(self, lang: str) -> tuple[str, str]:
        """The message and the fix in ``lang`` (``da`` or ``en``)."""
        return (
            (self.message_da, self.fix_da) if lang == "da" and self.message_da else (self.message, self.fix)
        )


@dataclass
class SweepReport:
    kind: str  # plan | sweep
    today: date
    run_id: uuid.UUID | None = None
    counts: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)  # due records a legal hold keeps
    ongoing: Counter[str] = field(
        default_factory=Counter
    )  # customers whose relationship is ongoing, by cause
    customers: int = 0
    chunks: int = 0
    seconds: float = 0.0
    forecast: dict[str, dict[str, int]] = field(default_factory=dict)  # Monday → category → records
    accounting_cutoff: date | None = None
    relevance_cutoffs: dict[str, date | None] = field(default_factory=dict)
    clash: ClashStatus | None = None
    # customers whose relevance data goes, by what the relationship's end was counted from (RELEVANCE_RULES)
    sources: Counter[str] = field(default_factory=Counter)
    claim_cutoff: date | None = None  # unpaid invoices due on or before it: the claim is time-barred
    claims_barred: int = (
        0  # customers whose contact data goes because their unpaid invoices' claims are barred
    )
    restricted: int = (
        0  # … or is restricted to the bookkeeping act instead (``unpaid_claim_after = "restrict"``)
    )

    def deleted_records(self) -> int:
        return sum(self.counts[k] for k in CATEGORY_OF)

    def reasons(self, policy: Policy) -> list[tuple[str, str, int, str]]:
        """(category, rule, records, reason in words) for each rule that deletes something on ``today``."""
        lines: list[tuple[str, str, int, str]] = []
        for category in RELEVANCE_CATEGORIES:
            n = sum(v for k, v in self.counts.items() if CATEGORY_OF.get(k) == category)
            if not n:
                continue
            months = relevance_months(policy, category)
            cutoff = self.relevance_cutoffs.get(category)
            until = cutoff.isoformat() if cutoff else "-"
            lines.append(
                (
                    category,
                    "relevance",
                    n,
                    _(
                        "%(months)s months after the customer relationship ended (last order, delivery, agreement "
                        "end, invoice or payment, or the source system's last activity or customer-since date; no "
                        "open agreement, no unpaid invoice whose claim can still be enforced): relationships that "
                        "ended on or before %(until)s"
                    )
                    % {"months": months, "until": until}
                    + self._counted_from(),
                )
            )
        if line := self._claims(policy):
            lines.append(line)
        n = self.counts["invoices"] + self.counts["payments"]
        if n and self.accounting_cutoff is not None:
            ar = accounting_dates(policy, self.accounting_cutoff)
            label = policy.financial_year.label(self.accounting_cutoff)
            lines.append(
                (
                    "payment",
                    "bookkeeping",
                    n,
                    _(
                        "kept until %(day)s: bookkeeping act, invoices and payments dated up to %(cutoff)s "
                        "(financial year %(label)s and earlier), %(years)s years from the end of the financial year"
                    )
                    % {
                        "day": ar.keep_until.isoformat(),
                        "cutoff": self.accounting_cutoff.isoformat(),
                        "label": label,
                        "years": policy.retention.bookkeeping_years,
                    },
                )
            )
        return lines

    def _counted_from(self) -> str:
        words = {
            "records": _("the register's orders, agreements, invoices and payments"),
            "activity": _("the source system's last activity"),
            "since": _("the source system's customer-since date"),
            "import": _("the day of the import (the source system gave no date)"),
        }
        parts = [
            _("%(count)s customers from %(source)s") % {"count": self.sources[k], "source": w}
            for k, w in words.items()
            if self.sources[k]
        ]
        return "; " + _("counted for %(parts)s") % {"parts": ", ".join(parts)} if parts else ""

    def _claims(self, policy: Policy) -> tuple[str, str, int, str] | None:
        """Forældelsesloven § 3: the unpaid invoices that no longer keep contact data, and why."""
        n = self.claims_barred or self.restricted
        if not n or self.claim_cutoff is None:
            return None
        years = policy.retention.claim_years
        why = _(
            "unpaid invoices due on or before %(day)s: the claim is time-barred (%(years)s years from the due "
            "date, forældelsesloven § 3), so it no longer keeps the customer's contact data"
        ) % {"day": self.claim_cutoff.isoformat(), "years": years}
        if self.restricted:
            why += "; " + _(
                "the contact data is restricted to the bookkeeping act until the invoices are deleted"
            )
        else:
            why += "; " + _(
                "the invoices stay as accounting material until the bookkeeping act allows their deletion"
            )
        return ("contact", "time-barred claim", n, why)

    def as_counts(self) -> dict[str, Any]:
        return {
            "deleted": {k: self.counts[k] for k in COUNT_KEYS if self.counts[k]},
            "held": dict(self.held),
            "ongoing": dict(self.ongoing),
            "customers": self.customers,
            "accounting_cutoff": self.accounting_cutoff.isoformat() if self.accounting_cutoff else None,
            "clash_affected": self.clash.affected if self.clash else 0,
            "clash_kept_past_policy": self.clash.kept_past_policy if self.clash else 0,
            "counted_from": dict(self.sources),
            "claims_barred": self.claims_barred,
            "restricted": self.restricted,
        }


# --------------------------------------------------------------------------- accounting forecast and the clash


def accounting_overview(policy: Policy, today: date, cutoff: date | None, report: SweepReport) -> None:
    """The 90-day forecast of accounting material and the R3 clash in the register, from one GROUP BY per table.

    Every stored date not yet due is mapped to its deletion day by the calendar (a few thousand distinct dates).
    Legal holds move what they keep to the day after they end.
    """
    index = holds.all_holds_in_force(today)
    held_by_date: Counter[tuple[str, date, date]] = Counter()  # (table, record date, hold end) → records
    if index.customers or index.records:
        for table, column in (("invoice", "invoice_date"), ("payment", "paid_on")):
            for cid, day, n in fetch_in(
                f"SELECT customer_id, {column}, COUNT(*) FROM {table} WHERE customer_id IN ({{}}) "  # noqa: S608 - constants
                f"GROUP BY customer_id, {column}",
                list(index.customers),
            ):
                held_by_date[(table, as_date(day) or NOTHING, index.customers[hx(cid)])] += n
            for rid, day in fetch_in(
                f"SELECT id, {column} FROM {table} WHERE id IN ({{}})",  # noqa: S608 - constants
                list(index.records),
            ):
                held_by_date[(table, as_date(day) or NOTHING, index.records[hx(rid)])] += 1
    affected = kept_past = 0
    start = (cutoff or NOTHING).isoformat()
    for table, column in (("invoice", "invoice_date"), ("payment", "paid_on")):
        rows = fetch(
            f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} > %s GROUP BY {column}",  # noqa: S608 - constants
            [start],
        )
        moved: Counter[date] = Counter()
        for (t, day, hold_end), n in held_by_date.items():
            if t == table:
                due = accounting_dates(policy, day).delete_on
                if due > today:
                    moved[day] += n
                    report_day = deletion_allowed_from([due], hold_end)
                    add_forecast(report, today, report_day, "payment", n)
        for raw_day, n in rows:
            day = as_date(raw_day) or NOTHING
            ar = accounting_dates(policy, day)
            if ar.clash:
                affected += n
                if today > ar.policy_latest:
                    kept_past += n
            add_forecast(report, today, ar.delete_on, "payment", n - moved.get(day, 0))
    clash = describe_clash(policy)
    if clash is not None:
        finding = next(f for f in check_policy(policy, today) if f.code == "retention-clash")
        report.clash = ClashStatus(
            clash,
            finding.message.en,
            finding.fix.en,
            affected,
            kept_past,
            message_da=finding.message.da,
            fix_da=finding.fix.da,
        )


def add_forecast(report: SweepReport, today: date, day: date, category: str, n: int) -> None:
    if today < day <= today + timedelta(days=FORECAST_DAYS) and n > 0:
        week = report.forecast.setdefault(week_of(day).isoformat(), {})
        week[category] = week.get(category, 0) + n
