"""Fixtures of the governance tests: the controller as an actor, a policy with a real controller address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from persondata import runtime
from persondata.access.actor import Actor
from persondata.core.policy import default_policy_path
from persondata.governance import breaches
from persondata.governance.models import Breach
from tests.conftest import NOW, record_complete_agreements

CPH = ZoneInfo("Europe/Copenhagen")
#: Saturday 25 October 2025, 14:00 in Copenhagen (summer time); the clocks go back on Sunday 26 October
SATURDAY = datetime(2025, 10, 25, 14, 0, tzinfo=CPH)


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.staff(controller, "cli")


@pytest.fixture
def make_breach(boss: Actor) -> Callable[..., Breach]:
    def make(**values: Any) -> Breach:
        values.setdefault("discovered_at", SATURDAY)
        values.setdefault("nature", "Et forkert vedhæftet kundeudtræk blev sendt til en leverandør.")
        with transaction.atomic():
            return breaches.record_breach(boss, values, now=values.pop("now", NOW))

    return make


@pytest.fixture
def controller_address(tmp_path: Path, settings: Any) -> str:
    default = Path(runtime.policy().source).read_text(encoding="utf-8")
    path = tmp_path / "policy.toml"
    path.write_text(default.replace("<<e-mail of the data controller>>", "dpo@example.dk"), encoding="utf-8")
    settings.PERSONDATA_POLICY_FILE = str(path)
    runtime.reset()
    runtime.create_vault()
    return "dpo@example.dk"


@pytest.fixture
def policy_file(tmp_path: Path, settings: Any) -> Callable[[str], Path]:
    """Run with the shipped policy under another ``version = "…"`` (a changed file), as after an edit."""

    def write(label: str) -> Path:
        default = default_policy_path().read_text(encoding="utf-8")
        path = tmp_path / f"policy-{label}.toml"
        path.write_text(default.replace('version = "1"', f'version = "{label}"', 1), encoding="utf-8")
        settings.PERSONDATA_POLICY_FILE = str(path)
        runtime.reset()
        runtime.create_vault()
        return path

    return write


def record(now: datetime) -> Any:
    from persondata.governance.policy_versions import record_current

    with transaction.atomic():
        return record_current(now)


@pytest.fixture(autouse=True)
def _every_partner_has_an_agreement(request: pytest.FixtureRequest) -> None:
    """The control's evidence counts a partner without a complete agreement as a finding: the tests start from
    partners that each have one (a test deletes them to see the finding); tests without a database get none."""
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue(
            "db" if "transactional_db" not in request.fixturenames else "transactional_db"
        )
        record_complete_agreements()
