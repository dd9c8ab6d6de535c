"""An erased customer does not come back with the next import (issue 12): tombstones of keyed blind indexes."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from persondata import runtime
from persondata.cli import main
from persondata.core.formats import format_date
from persondata.core.vault import normalize_customer_number, normalize_email
from persondata.register.importer import import_files
from persondata.register.models import Customer, Tombstone
from persondata.retention.erasure import erase_customer_now
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def _number(value: str) -> bytes:
    return runtime.vault().blind_index("customer_number", normalize_customer_number(value))


def _email(value: str) -> bytes:
    return runtime.vault().blind_index("email", normalize_email(value))


def _erase(record: dict[str, Any], reason: str = "erasure_request") -> None:
    cid = Customer.objects.get(number_bidx=_number(record["customer_number"])).id
    with transaction.atomic():
        erase_customer_now(cid, actor="system", now=NOW, reason_code=reason)


def test_a_reimport_does_not_bring_an_erased_customer_back(
    demo_customers: list[dict[str, Any]], demo_files: Callable[..., Path], controller: Any
) -> None:
    gone = next(r for r in demo_customers if r.get("email"))
    _erase(gone)
    customers = Customer.objects.count()
    stones = list(Tombstone.objects.values_list("kind", "token", "erased_on", "reason"))
    assert sorted(s[0] for s in stones) == ["customer_number", "email"]
    assert {bytes(s[1]) for s in stones} == {_number(gone["customer_number"]), _email(gone["email"])}
    assert {(s[2], s[3]) for s in stones} == {(TODAY, "erasure_request")}

    for lang, says in (
        ("da", f"slettet {format_date(TODAY, 'da')} på kundens anmodning; ikke importeret igen"),
        ("en", f"erased on {format_date(TODAY, 'en')} at the customer's request; not imported again"),
    ):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["--lang", lang, "import", str(demo_files(20)), "--no-progress"]) == 0
        assert says in out.getvalue(), out.getvalue()
        assert gone["email"] not in out.getvalue() and gone["customer_number"] not in out.getvalue()
    assert Customer.objects.count() == customers
    assert not Customer.objects.filter(number_bidx=_number(gone["customer_number"])).exists()
    assert not Customer.objects.filter(email_bidx=_email(gone["email"])).exists()

    # a customer who has really come back
    report = import_files([demo_files(20)], now=NOW, allow_returning=True)
    assert report.status == "done" and not report.erased
    assert Customer.objects.filter(number_bidx=_number(gone["customer_number"])).exists()
    assert not Tombstone.objects.exists()


def test_the_same_e_mail_under_a_new_customer_number_is_recognised(
    demo_customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    from persondata import demo

    gone = next(r for r in demo_customers if r.get("email"))
    _erase(gone)
    again = {**gone, "customer_number": "K999999", "orders": [], "invoices": [], "payments": []}
    again.pop("agreements", None)
    report = import_files([demo.write_jsonl(iter([again]), tmp_path / "again.jsonl")], now=NOW)
    assert [(r.line, r.erased_on) for r in report.erased] == [(1, TODAY)]
    assert not Customer.objects.filter(number_bidx=_number("K999999")).exists()


def test_an_erasure_for_another_reason_leaves_no_tombstone(demo_customers: list[dict[str, Any]]) -> None:
    _erase(demo_customers[0], reason="controller_decision")
    assert not Tombstone.objects.exists()
