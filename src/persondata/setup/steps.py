"""The setup's steps and whether each is done — read from the policy file and the records, never kept apart
(except the confirmations of :class:`~persondata.setup.models.ConfirmedStep`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from persondata import runtime
from persondata.access.actor import Actor
from persondata.core.policy import Policy
from persondata.core.policy_check import Finding, financial_year_span
from persondata.governance import policy_versions, review
from persondata.register.models import Customer
from persondata.setup.models import ConfirmedStep

#: (key, title): the order a first run takes them; every step can be opened again later from Settings.
STEPS: tuple[tuple[str, Promise], ...] = (
    ("company", _("Company and data controller")),
    ("year", _("Financial year")),
    ("partners", _("Partners and their agreements")),
    ("staff", _("Staff and their roles")),
    ("customers", _("Customer files")),
    ("review", _("Review the policy")),
    ("adopt", _("Adopt and publish")),
)
KEYS = tuple(key for key, _title in STEPS)
CONFIRMED = frozenset({"year", "staff", "customers"})  # steps that are done when a person says so


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    status: str  # one line: what is set, or what is missing


def owner(finding: Finding) -> str | None:
    """The step whose page fixes ``finding`` (None: it is fixed elsewhere, e.g. in the policy file's texts)."""
    key = finding.key
    if key.startswith("controller."):
        return "company"
    if key.startswith("financial_year"):
        return "year"
    if key.startswith("partners.") or finding.code.startswith("agreement"):
        return "partners"
    if key == "adopted":
        return "adopt"
    return None


def steps(policy: Policy, today: date) -> list[Step]:
    findings = review.findings(policy, today)
    confirmed = set(ConfirmedStep.objects.values_list("key", flat=True))
    errors = {key: 0 for key in KEYS}
    for f in findings:
        if f.severity == "error" and (step := owner(f)) is not None:
            errors[step] += 1
    total_errors = sum(f.severity == "error" for f in findings)
    adoption = policy_versions.adoption_of(policy_versions.in_force())
    lang = runtime.language()
    staff = get_user_model().objects.filter(is_active=True, staff__isnull=False).count()
    customers = Customer.objects.count()
    status = {
        "company": policy.controller.company if not errors["company"] else _missing(errors["company"]),
        "year": financial_year_span(policy.financial_year, lang),
        "partners": _missing(errors["partners"]) if errors["partners"] else _partners(policy),
        "staff": ngettext("%(n)d staff login", "%(n)d staff logins", staff) % {"n": staff},
        "customers": ngettext("%(n)d customer", "%(n)d customers", customers) % {"n": customers},
        "review": _missing(total_errors) if total_errors else str(_("No errors")),
        "adopt": (
            str(_("Adopted on %(day)s") % {"day": adoption.adopted_on.isoformat()})
            if adoption
            else str(_("Not adopted: the public page says the policy is not yet published"))
        ),
    }
    done = {
        "company": not errors["company"],
        "year": "year" in confirmed,
        "partners": not errors["partners"],
        "staff": "staff" in confirmed,
        "customers": "customers" in confirmed or customers > 0,
        "review": not total_errors,
        "adopt": adoption is not None,
    }
    return [Step(key, str(title), done[key], status[key]) for key, title in STEPS]


def _missing(n: int) -> str:
    return ngettext("%(n)d thing to fix", "%(n)d things to fix", n) % {"n": n}


def _partners(policy: Policy) -> str:
    return ", ".join(p.name for p in policy.partners) or str(_("No partners"))


def unfinished(policy: Policy, today: date) -> list[Step]:
    return [s for s in steps(policy, today) if not s.done]


def confirm(actor: Actor, key: str, *, now: datetime) -> None:
    """Record that a person confirmed step ``key`` (the caller holds ``adopt_policy``)."""
    if key not in CONFIRMED:
        raise ValueError(f"step {key!r} is not confirmed by hand")
    ConfirmedStep.objects.update_or_create(
        key=key, defaults={"confirmed_at": now, "confirmed_by": actor.code}
    )
