"""Fixtures of the retention tests: hand-written synthetic customers through the real import, a ledger file."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from persondata import runtime
from persondata.core.calendar import COPENHAGEN
from persondata.core.vault import normalize_customer_number
from persondata.register.importer import import_files
from persondata.register.models import Customer

#: When the test customers were registered (created_at): before every order in the tests.
IMPORTED_AT = datetime(2019, 1, 2, 9, 0, tzinfo=UTC)


def at_noon(day: date) -> datetime:
    """Midday in Denmark on ``day``: far from midnight, so only the clock tests test midnight."""
    return datetime.combine(day, time(12, 0), tzinfo=COPENHAGEN)


def customer(number: str, **records: list[dict[str, Any]]) -> dict[str, Any]:
    """A synthetic customer (never a real person: "Testkunde", example.dk, a made-up phone number)."""
    digits = "".join(c for c in number if c.isdigit()).rjust(6, "0")[-6:]
    return {
        "customer_number": number,
        "name": f"Testkunde {number}",
        "address": {"street": f"Prøvevej {int(digits) % 180 + 1}", "postcode": "8000", "city": "Aarhus C"},
        "phone": f"+45 20 {digits[:2]} {digits[2:4]} {digits[4:]}",
        "email": f"kunde.{number.lower()}@example.dk",
        "orders": records.get("orders", []),
        "invoices": records.get("invoices", []),
        "payments": records.get("payments", []),
        "agreements": records.get("agreements", []),
    }


def order(number: str, ordered: date, delivered: date | None = None) -> dict[str, Any]:
    return {
        "order_number": number,
        "ordered_on": ordered.isoformat(),
        "delivered_on": delivered.isoformat() if delivered else None,
        "total": "100.00",
        "delivery": {"name": "Testkunde", "street": "Prøvevej 1", "postcode": "8000", "city": "Aarhus C"},
        "lines": [{"sku": "V1000", "description": "Servicebesøg", "quantity": 1, "unit_price": "100.00"}],
    }


def invoice(number: str, day: date, total: str = "100.00") -> dict[str, Any]:
    return {
        "invoice_number": number,
        "invoice_date": day.isoformat(),
        "total": total,
        "billing": {
            "name": f"Faktura {number}",
            "street": "Prøvevej 1",
            "postcode": "8000",
            "city": "Aarhus C",
        },
    }


def payment(ref: str, invoice_number: str, day: date, amount: str = "100.00") -> dict[str, Any]:
    return {
        "payment_ref": ref,
        "invoice_number": invoice_number,
        "paid_on": day.isoformat(),
        "amount": amount,
        "method": "transfer",
    }


def agreement(ref: str, starts: date, ends: date | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"agreement_ref": ref, "kind": "written", "starts_on": starts.isoformat()}
    if ends is not None:
        out["ends_on"] = ends.isoformat()
    out["description"] = "Årligt eftersyn"
    return out


def customer_id(number: str) -> uuid.UUID:
    bidx = runtime.vault().blind_index("customer_number", normalize_customer_number(number))
    return Customer.objects.get(number_bidx=bidx).id


@pytest.fixture
def load(db: None, tmp_path: Path) -> Callable[..., dict[str, uuid.UUID]]:
    """Import hand-written customers through the real import; returns customer number → id."""

    def load(records: list[dict[str, Any]], now: datetime = IMPORTED_AT) -> dict[str, uuid.UUID]:
        path = tmp_path / f"import-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        report = import_files([path], now=now)
        assert report.status == "done", report.errors
        return {r["customer_number"]: customer_id(r["customer_number"]) for r in records}

    return load


@pytest.fixture(autouse=True)
def ledger_file(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """Each test has its own ledger file (the real one lives in the installation's home)."""
    path = tmp_path / "deletion-ledger.jsonl"
    settings.PERSONDATA_DELETION_LEDGER = str(path)
    yield path
