"""The access decision: may these roles read (or change) this category of personal data for this purpose?

One pure function that every entry point (web, API, CLI, jobs) goes through. A decision is a value with a
reason, so the reason can be shown on screen and written to the logs (Datasette's habit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from persondata.core.policy import DUTIES, Policy

Action = Literal["read", "change"]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide(policy: Policy, roles: Iterable[str], category: str, action: Action, purpose: str) -> Decision:
    if purpose in policy.forbidden_purposes:
        return Decision(False, f"purpose '{purpose}' is forbidden by the policy: no marketing, no profiling")
    if purpose not in policy.purposes:
        return Decision(False, f"purpose '{purpose}' is not declared in the policy file")
    cat = policy.categories.get(category)
    if cat is None:
        return Decision(False, f"category '{category}' is not declared in the policy file")
    if purpose not in cat.purposes:
        return Decision(False, f"category '{category}' is not processed for purpose '{purpose}'")
    held = [policy.roles[r] for r in roles if r in policy.roles]
    if not held:
        return Decision(False, "no role of the policy file is assigned to this staff member")
    for role in held:
        granted = role.read if action == "read" else role.change
        if category in granted and purpose in role.purposes:
            return Decision(True, f"role '{role.key}' may {action} '{category}' for '{purpose}'")
    names = ", ".join(sorted(r.key for r in held))
    return Decision(False, f"no role of {names} may {action} '{category}' for '{purpose}'")


def decide_duty(policy: Policy, roles: Iterable[str], duty: str) -> Decision:
    """May these roles do ``duty``, a named permission of :data:`persondata.core.policy.DUTIES`?"""
    if duty not in DUTIES:
        raise ValueError(f"unknown duty {duty!r}")  # a programming error, never user input
    held = [policy.roles[r] for r in roles if r in policy.roles]
    if not held:
        return Decision(False, "no role of the policy file is assigned to this staff member")
    for role in held:
        if duty in role.duties:
            return Decision(True, f"role '{role.key}' {DUTIES[duty]}")
    names = ", ".join(sorted(r.key for r in held))
    return Decision(False, f"no role of {names} has the duty '{duty}' ({DUTIES[duty]})")


def readable_categories(policy: Policy, roles: Iterable[str], purpose: str) -> dict[str, Decision]:
    roles = tuple(roles)
    return {key: decide(policy, roles, key, "read", purpose) for key in policy.categories}


def usable_purposes(policy: Policy, roles: Iterable[str]) -> list[str]:
    """Purposes for which the roles may read at least one category, in the policy's order."""
    roles = tuple(roles)
    return [p for p in policy.purposes if any(readable_categories(policy, roles, p).values())]


def apply_restriction(
    decisions: dict[str, Decision],
    purpose: str,
    allowed_purposes: Iterable[str],
    allowed_categories: Iterable[str],
) -> dict[str, Decision]:
    """Narrow role decisions by an Art. 18 restriction: only the allowed purposes may read the allowed categories."""
    purposes, categories = frozenset(allowed_purposes), frozenset(allowed_categories)
    out = {}
    for key, decision in decisions.items():
        if decision.allowed and (purpose not in purposes or key not in categories):
            decision = Decision(
                False, f"processing of '{key}' is restricted (GDPR Art. 18) for purpose '{purpose}'"
            )
        out[key] = decision
    return out
