"""Every finding about the installation's policy, in one list: what ``persondata policy check`` prints, the
dashboard shows and the setup's review step explains — the policy file's own checks, the partners' records
(processor agreements, disclosures) and whether the version in force has been adopted."""

from __future__ import annotations

from datetime import date

from django.db import DatabaseError

from persondata.core.policy import Policy
from persondata.core.policy_check import SEVERITIES, Finding, check_policy
from persondata.governance import policy_versions
from persondata.partners import checks as partner_checks
from persondata.register.models import STORED_FIELDS


def findings(policy: Policy, today: date, *, in_force: bool = True) -> list[Finding]:
    """The findings for ``policy``, errors first. ``in_force``: it is the installation's policy, so whether its
    version was adopted is checked too (a policy file being tried out has no version yet)."""
    found = [
        *check_policy(policy, today, stored_fields=STORED_FIELDS),
        *partner_checks.findings(policy, today),
    ]
    if in_force:
        try:
            adoption = policy_versions.adoption_finding()
        except DatabaseError:  # no database yet: `persondata init` records the first version
            adoption = None
        if adoption is not None:
            found.append(adoption)
    return sorted(found, key=lambda f: SEVERITIES.index(f.severity))
