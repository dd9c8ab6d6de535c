"""``persondata requests …``: the same steps as the web pages, controller only except intake."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from persondata.cli import main
from persondata.core.calendar import answer_due, legal_date
from persondata.requests.models import Request
from tests.requests.answering import print_letters

pytestmark = pytest.mark.django_db


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_register_list_extend_and_show(demo_customers: list[dict[str, Any]], controller: Any) -> None:
    record = demo_customers[0]
    today = legal_date(timezone.now())  # the CLI runs on the real clock
    received = today - timedelta(days=20)
    due = answer_due(received)
    code, out, _ = run(
        "requests", "new", "--kind", "erasure", "--email", record["email"], "--received-on", received.isoformat(),
        "--user", "controller",
    )  # fmt: skip
    assert code == 0 and f"answer due {due.isoformat()}" in out and "match: one customer matches" in out
    ref = Request.objects.get().reference
    code, out, _ = run("requests", "list", "--user", "controller", "--format", "json")
    [row] = json.loads(out)
    assert row["reference"] == ref and row["days_left"] == (due - today).days
    assert row["level"] == ("due_soon" if (due - today).days <= 7 else "ok")
    code, _, err = run(
        "requests", "extend", ref.lower(), "--months", "2", "--reasons", " ", "--user", "controller"
    )
    assert code == 2 and "reasons" in err
    code, out, _ = run(
        "requests", "extend", ref, "--months", "2", "--reasons", "Archive search.", "--user", "controller"
    )
    assert code == 0 and answer_due(received, 2).isoformat() in out
    code, out, _ = run("requests", "show", ref, "--user", "controller")
    shown = json.loads(out)
    assert shown["requester"]["email"] == record["email"] and shown["extension_months"] == 2
    events = [h["event"] for h in shown["history"]]
    assert events[:2] == ["received", "extended"] and events[-1] == "extension_told"
    assert shown["documents"] == []  # the letter, HTML and PDF, is drawn after the commit
    assert print_letters() == 1  # what the kick does once a command commits (a test never commits)
    code, out, _ = run("requests", "show", ref, "--user", "controller")
    assert [d["kind"] for d in json.loads(out)["documents"]] == ["extension_letter", "extension_letter"]


def test_only_the_controller_handles(demo_customers: list[dict[str, Any]], make_staff: Any) -> None:
    make_staff("clerk", ["customer_service"])
    code, out, _ = run("requests", "new", "--kind", "access", "--name", "Test", "--user", "clerk")
    assert code == 0 and "registered PD-" in out
    ref = Request.objects.get().reference
    for argv in (("list",), ("show", ref), ("withdraw", ref), ("purge",)):
        code, _, err = run("requests", *argv, "--user", "clerk")
        assert code == 3 and "handle_requests" in err, argv
    assert Request.objects.get().state == "received"


def test_bad_input_names_the_option(controller: Any) -> None:
    code, _, err = run("requests", "new", "--kind", "access", "--user", "controller")
    assert code == 2 and "--name" in err
    code, _, err = run("requests", "show", "PD-0000-0000", "--user", "controller")
    assert code == 2 and "no such request" in err


def test_answer_an_access_request_and_write_its_documents(
    demo_customers: list[dict[str, Any]], controller: Any, tmp_path: Any
) -> None:
    record = demo_customers[0]
    run(
        "requests",
        "new",
        "--kind",
        "access",
        "--customer-number",
        record["customer_number"],
        "--user",
        "controller",
    )
    ref = Request.objects.get().reference
    code, _, err = run("requests", "answer", ref, "--user", "controller")
    assert code == 2 and "identity" in err  # nothing disclosed before identity is verified
    assert run("requests", "verify", ref, "--method", "in_person", "--user", "controller")[0] == 0
    code, out, err = run("requests", "answer", ref, "--user", "controller")
    assert code == 0, err
    # the test's transaction never commits, so the printing after the commit is done here (test_printing.py
    # runs the real command, where the command itself waits for it)
    assert "persondata outbox deliver" in out and print_letters() == 1
    code, out, _ = run("requests", "documents", ref, "--out", str(tmp_path / "out"), "--user", "controller")
    assert ref in out
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert code == 0 and any(f.endswith(".pdf") for f in files) and any(f.endswith(".json") for f in files)
    assert all(f.startswith(ref) for f in files)
    data = next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8")
    assert record["customer_number"] in data


def test_an_erasure_must_be_confirmed(demo_customers: list[dict[str, Any]], controller: Any) -> None:
    record = demo_customers[1]
    run("requests", "new", "--kind", "erasure", "--email", record["email"], "--user", "controller")
    ref = Request.objects.get().reference
    run("requests", "verify", ref, "--method", "known_contact", "--user", "controller")
    code, _, err = run("requests", "answer", ref, "--user", "controller")
    assert code == 2 and "--confirm-erasure" in err
    code, out, err = run("requests", "answer", ref, "--confirm-erasure", "--user", "controller")
    assert code == 0 and "answered" in out, err
    assert Request.objects.get().state == "answered"


def test_no_data_held_is_confirmed_from_the_command_line(
    demo_customers: list[dict[str, Any]], controller: Any, make_staff: Any, tmp_path: Any
) -> None:
    from persondata.audit.models import AuditEntry

    make_staff("clerk", ["customer_service"])
    code, _, _ = run(
        "requests", "new", "--kind", "erasure", "--name", "Ingen Kunde", "--email", "ingen.kunde@example.dk",
        "--user", "clerk",
    )  # fmt: skip
    assert code == 0
    ref = Request.objects.get().reference
    # holding no data is not a refusal: the ground is no longer offered
    with pytest.raises(SystemExit) as bad:
        run("requests", "refuse", ref, "--ground", "no_data", "--reasons", "x" * 40, "--user", "controller")
    assert bad.value.code == 2
    before = AuditEntry.objects.filter(action="access.refused").count()
    code, _, err = run("requests", "no-data", ref, "--user", "clerk")
    assert code == 3 and "handle_requests" in err
    assert AuditEntry.objects.filter(action="access.refused").count() == before + 1
    assert Request.objects.get().state == "received"
    code, out, err = run("requests", "no-data", ref.lower(), "--user", "controller")
    assert code == 0, err
    assert f"{ref}: answered: no data held; 2 documents" in out
    req = Request.objects.get()
    assert req.state == "answered" and req.outcome == {"no_data": True, "documents": 2}
    assert [e.event for e in req.events.all()][-1] == "confirm_no_data"
    code, _, err = run("requests", "no-data", ref, "--user", "controller")
    assert code == 2 and "closed request cannot change" in err
    assert print_letters() == 1  # after the commit
    code, out, _ = run("requests", "documents", ref, "--out", str(tmp_path / "out"), "--user", "controller")
    assert code == 0 and sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".pdf"]


def test_no_data_is_refused_for_a_matched_customer_from_the_command_line(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    run("requests", "new", "--kind", "access", "--email", demo_customers[0]["email"], "--user", "controller")
    ref = Request.objects.get().reference
    code, _, err = run("requests", "no-data", ref, "--user", "controller")
    assert code == 2 and "customer" in err and "matched" in err
    assert Request.objects.get().state == "received"
    code, _, err = run("requests", "no-data", "PD-0000-0000", "--user", "controller")
    assert code == 2 and "no such request" in err
