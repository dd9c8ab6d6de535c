"""Each policy file the installation runs under is recorded once in the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from persondata import runtime
from persondata.audit.models import AuditEntry
from persondata.audit.policy import record_policy_version
from persondata.core.policy import default_policy_path
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_recorded_once_per_version(tmp_path: Path) -> None:
    assert record_policy_version(NOW) is True
    assert record_policy_version(NOW) is False  # unchanged file: no new entry
    edited = tmp_path / "policy.toml"
    edited.write_text(default_policy_path().read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    with override_settings(PERSONDATA_POLICY_FILE=str(edited)):
        runtime.reset()
        runtime.create_vault()
        assert record_policy_version(NOW) is True
    entries = list(AuditEntry.objects.filter(action="policy.change").order_by("seq"))
    assert [e.details["shipped_default"] for e in entries] == [True, False]
    assert entries[0].details["sha256"] != entries[1].details["sha256"]
