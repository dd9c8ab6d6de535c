"""The policy file in the audit trail: every version the installation runs under is recorded once.

The policy file is edited outside the application (it is a text file the data controller owns), so the change is
recorded when the application starts with it: ``persondata init`` and ``persondata serve`` call
:func:`record_policy_version`. The entry holds the file's SHA-256 and its version string — enough to prove which
policy was in force when, without copying the file into the log.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction

from persondata import runtime
from persondata.audit.models import AuditEntry
from persondata.audit.services import record
from persondata.core.policy import default_policy_path


def record_policy_version(now: datetime) -> bool:
    """Record the policy file in force if it differs from the last recorded one; True if an entry was written."""
    path = runtime.policy_path()
    digest = hashlib.sha256((path or default_policy_path()).read_bytes()).hexdigest()
    with transaction.atomic():
        last = AuditEntry.objects.filter(action="policy.change").order_by("-seq").first()
        if last is not None and last.details.get("sha256") == digest:
            return False
        record(
            "policy.change",
            actor="system",
            target="policy",
            details={"sha256": digest, "version": runtime.policy().version, "shipped_default": path is None},
            now=now,
        )
    return True
