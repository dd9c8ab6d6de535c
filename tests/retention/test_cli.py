"""The retention commands, in-process: what they print, and who may use the hold commands."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from typing import Any

import pytest

from persondata.access.models import AccessLog
from persondata.cli import main
from persondata.retention.models import LegalHold
from tests.retention.conftest import customer, invoice, order, payment

D = date


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def subject(load: Callable[..., dict[str, uuid.UUID]]) -> uuid.UUID:
    return load(
        [
            customer(
                "L1",
                orders=[order("OL1", D(2020, 3, 1), D(2020, 3, 14))],
                invoices=[invoice("FL1", D(2020, 3, 15))],
                payments=[payment("PL1", "FL1", D(2020, 3, 20))],
            )
        ]
    )["L1"]


@pytest.mark.django_db
def test_plan_then_run_print_what_and_why(subject: uuid.UUID) -> None:
    code, out, _ = run("retention", "plan", "--date", "2026-01-01", "--no-progress")
    assert code == 0 and "Would delete:" in out
    assert "kept until 2025-12-31: bookkeeping act, invoices and payments dated up to 2020-12-31" in out
    assert "36 months after the customer relationship ended" in out
    assert "Policy clash: " in out
    code, out, _ = run("retention", "run", "--no-progress")  # today: nothing early, the invoice is long due
    assert code == 0 and "Deleted:" in out and "customers removed entirely" in out
    code, out, _ = run("retention", "run", "--no-progress")
    assert "nothing is due" in out
    code, _out, err = run("retention", "run", "--date", "2999-01-01")
    assert code == 3 and "never deletes early" in err


@pytest.mark.django_db
def test_explain_gives_each_record_its_day_and_reason(subject: uuid.UUID, controller: Any) -> None:
    code, out, _ = run("retention", "explain", str(subject), "--date", "2025-09-15", "--user", "controller")
    assert code == 0
    assert "invoice FL1: deleted on 2026-01-01" in out
    assert "kept until 2025-12-31: bookkeeping act, invoice 2020-03-15, financial year 2020" in out
    assert "contact data: deleted on 2023-03-21 — DUE" in out
    assert AccessLog.objects.filter(customer_id=subject, channel="cli").exists()  # the read is logged


@pytest.mark.django_db
def test_holds_from_the_command_line(
    subject: uuid.UUID, controller: Any, make_staff: Callable[..., Any]
) -> None:
    code, out, _ = run(
        "retention",
        "hold",
        str(subject),
        "--reason",
        "Tvist",
        "--until",
        "2030-01-01",
        "--user",
        "controller",
    )
    assert code == 0 and "2030-01-01" in out
    hold = LegalHold.objects.get()
    assert run("retention", "holds", "--user", "controller")[1].count(str(hold.id)) == 1
    code, out, _ = run("retention", "run", "--no-progress")
    assert "nothing is due" in out and "kept by a legal hold" in out
    assert run("retention", "end-hold", str(hold.id), "--user", "controller")[0] == 0
    make_staff("kundeservice", ["customer_service"])
    code, _out, err = run(
        "retention", "hold", str(subject), "--reason", "x", "--until", "2030-01-01", "--user", "kundeservice"
    )
    assert code == 3 and "data controller" in err
    code, _out, err = run(
        "retention",
        "hold",
        str(subject),
        "--reason",
        "010190-1234",
        "--until",
        "2030-01-01",
        "--user",
        "controller",
    )
    assert code == 1 and "CPR" in err and "010190" not in err


@pytest.mark.django_db
def test_reapply_with_nothing_restored_changes_nothing(subject: uuid.UUID) -> None:
    run("retention", "run", "--no-progress")
    code, out, _ = run("retention", "reapply", "--no-progress")
    assert code == 0 and "nothing to delete again" in out


@pytest.mark.django_db
def test_jobs_run_once(subject: uuid.UUID) -> None:
    code, out, _ = run("jobs", "run", "--once")
    assert code == 0 and "retention_sweep:" in out


def test_every_retention_command_is_documented() -> None:
    from pathlib import Path

    from persondata.cli import build_parser

    docs = (Path(__file__).parents[2] / "docs" / "retention.md").read_text(encoding="utf-8")
    parser = build_parser()
    groups = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for group in ("retention", "jobs"):
        sub = next(a for a in groups[group]._actions if a.__class__.__name__ == "_SubParsersAction")
        for name in sub.choices:
            assert f"persondata {group} {name}" in docs, (
                f"'persondata {group} {name}' is not in docs/retention.md"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_forecast_names_the_categories_in_words(subject: uuid.UUID, lang: str) -> None:
    """Issue 15: the 90-day forecast shows each category by its label, never its key (``payment``); a Danish run
    shows no English (read as the crawl reads a page)."""
    from django.utils import translation

    from persondata.documents import labels
    from tests.clitools import english_in

    code, out, _ = run("--lang", lang, "retention", "plan", "--date", "2025-11-15", "--no-progress")
    lines = out.splitlines()
    forecast = lines[next(i for i, line in enumerate(lines) if "90" in line) :]
    with translation.override(lang):
        payments = labels.category("payment")
    assert code == 0 and forecast[1:] and all(line.endswith(f": {payments} 2") for line in forecast[1:]), out
    assert not [line for line in forecast if re.search(r"\bpayment\b", line)], forecast
    assert lang == "en" or not english_in("\n".join(forecast)), forecast
