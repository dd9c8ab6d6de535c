"""A customer the sweep deleted at the end of retention, in the next import (issue 12; docs/retention.md).

Through the commands: ``persondata retention run`` deletes two customers whose relevance ended and leaves
tombstones (keyed blind indexes only); ``persondata import`` of an export that still lists them then does what
the policy's ``retention.returning_customers`` says.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from persondata import runtime
from persondata.cli import main
from persondata.core.formats import format_date
from persondata.core.vault import normalize_customer_number, normalize_email
from persondata.register.models import Customer, Tombstone
from tests.core.test_policy import filled_policy_text, problem
from tests.retention.conftest import customer, order

DELETED_ON = date(2025, 1, 6)  # the sweep's day: both customers' relevance ended in 2023
GONE = customer("RT1", orders=[order("ORT1", date(2020, 3, 1), date(2020, 3, 14))])
BACK = customer("RT2", orders=[order("ORT2", date(2020, 4, 1), date(2020, 4, 14))])


def _run(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    assert code == 0, err.getvalue()
    return out.getvalue()


def _number(record: dict[str, Any]) -> bytes:
    return runtime.vault().blind_index(
        "customer_number", normalize_customer_number(record["customer_number"])
    )


def _present(record: dict[str, Any]) -> bool:
    return Customer.objects.filter(number_bidx=_number(record)).exists()


def _policy(settings: Any, tmp_path: Path, mode: str) -> None:
    text = filled_policy_text(('returning_customers = "when_active"', f'returning_customers = "{mode}"'))
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    settings.PERSONDATA_POLICY_FILE = str(path)
    runtime.reset()
    assert runtime.policy().retention.returning == mode


def _export(tmp_path: Path) -> Path:
    """The administrative system's next export: both customers still listed, one with a new order since."""
    again = {**BACK, "orders": [*BACK["orders"], order("ORT3", date(2025, 6, 2), date(2025, 6, 9))]}
    path = tmp_path / f"export-{uuid.uuid4().hex[:6]}.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (GONE, again)), encoding="utf-8"
    )
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "gone_back", "back_back"),
    [("when_active", False, True), ("skip", False, False), ("import", True, True)],
)
def test_a_customer_deleted_at_the_end_of_retention_in_the_next_import(
    load: Callable[..., dict[str, uuid.UUID]],
    settings: Any,
    tmp_path: Path,
    mode: str,
    gone_back: bool,
    back_back: bool,
) -> None:
    _policy(settings, tmp_path, mode)
    load([GONE, BACK])
    out = _run("retention", "run", "--date", DELETED_ON.isoformat(), "--no-progress")
    assert re.search(r"customers removed entirely +2\n", out) and not _present(GONE) and not _present(BACK), (
        out
    )
    stones = {
        (k, bytes(t), d, r)
        for k, t, d, r in Tombstone.objects.values_list("kind", "token", "erased_on", "reason")
    }
    if mode == "import":
        assert stones == set()  # nothing remembered: the import treats them as new customers
    else:
        email = runtime.vault().blind_index("email", normalize_email(GONE["email"]))
        assert ("customer_number", _number(GONE), DELETED_ON, "end_of_retention") in stones
        assert ("email", email, DELETED_ON, "end_of_retention") in stones
        assert len(stones) == 4  # two kinds for each customer, blind indexes only (16 bytes, no clear value)
        assert all(len(t) == 16 and GONE["customer_number"].encode() not in t for _k, t, _d, _r in stones)

    out = _run("--lang", "en", "import", str(_export(tmp_path)), "--no-progress")
    assert (_present(GONE), _present(BACK)) == (gone_back, back_back)
    skipped = re.findall(r"line (\d): deleted on (.+?) at the end of its retention", out)
    assert skipped == [
        (str(n), format_date(DELETED_ON, "en")) for n, back in ((1, gone_back), (2, back_back)) if not back
    ]
    assert GONE["email"] not in out and GONE["customer_number"] not in out
    if mode == "when_active":
        assert "returning customers: 1" in out
        assert not Tombstone.objects.filter(token=_number(BACK)).exists(), (
            "a returning customer's tombstone goes"
        )
        assert Tombstone.objects.filter(token=_number(GONE)).exists()

    # --allow-returning brings back whoever is still remembered, and forgets them
    _run("import", str(_export(tmp_path)), "--no-progress", "--allow-returning")
    assert _present(GONE) and _present(BACK) and not Tombstone.objects.exists()


def test_the_policy_setting_is_validated() -> None:
    text = filled_policy_text(('returning_customers = "when_active"', 'returning_customers = "sometimes"'))
    found = problem(text, "retention.returning_customers")
    assert "'sometimes'" in found.message.en and 'returning_customers = "when_active"' in found.fix.en
