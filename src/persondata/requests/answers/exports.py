"""The files an access or portability answer sends: JSON and CSV.

**Access** (Art. 15): everything held, by category, plus every information item of Art. 15(1) and the access
history (CJEU C-579/21) — one JSON document; the CSV holds the data records.

**Portability** (Art. 20, RULES R12): the data the customer *provided*, processed under the contract — contact
details, customer number (the key the receiving party matches on), orders with lines and delivery addresses, and
service agreements. Invoices and payments are left out: the company drew them up and keeps them under the
bookkeeping act (a legal obligation, Art. 6(1)(c)), which Art. 20(1) does not cover; an access request gives a copy.
The JSON validates against the published schema ``schemas/portability-v1.schema.json``.

**CSV** (both): UTF-8 with a byte-order mark and ``;`` as delimiter, so Danish Excel opens it as it is; one row per
record, its kind in ``record_type``; the columns are :data:`CSV_COLUMNS` (docs/requests.md explains each).
Amounts are written with a decimal comma (``1249,50``), dates as ``YYYY-MM-DD``. A text that a spreadsheet would
run as a formula (starting with ``=``, ``@``, or ``+``/``-`` followed by something other than a number) is
prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, Final

import orjson

from persondata.core.formats import plain_amount
from persondata.core.policy import Policy
from persondata.requests.answers.held import Held

SCHEMA_FILE: Final = "portability-v1.schema.json"
SCHEMA_ID: Final = "urn:persondata:schema:portability:1"
SCHEMA_VERSION: Final = "1.0"
ACCESS_FORMAT: Final = "persondata-access"
ACCESS_FORMAT_VERSION: Final = "1.0"

CSV_COLUMNS: Final = (
    "record_type",  # customer | order | order_line | agreement | invoice | payment
    "ref",  # customer number, order number, order number/line no., agreement ref, invoice number, payment ref
    "related_ref",  # order_line → order; invoice → order; payment → invoice
    "date",  # ordered on | agreement starts | invoice date | paid on
    "delivered_on",
    "due_date",
    "ends_on",
    "name",  # customer | delivery name | billing name
    "street",
    "postcode",
    "city",
    "country",
    "phone",
    "email",
    "customer_number",  # on the customer row, and as printed on an invoice
    "kind",  # agreement: oral | written
    "sku",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "method",
    "masked_reference",
)


def schema() -> dict[str, Any]:
    return dict(_schema())


def schema_text() -> str:
    """The published JSON Schema of the portability export, as the file ships it."""
    return (
        resources.files("persondata.requests.answers")
        .joinpath("schemas", SCHEMA_FILE)
        .read_text(encoding="utf-8")
    )


@cache
def _schema() -> dict[str, Any]:
    value = json.loads(schema_text())
    assert isinstance(value, dict)
    return value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(ore: int | None, currency: str) -> dict[str, Any] | None:
    return None if ore is None else {"minor_units": int(ore), "currency": currency}


def _address(block: dict[str, Any] | None, with_name: bool = False) -> dict[str, Any]:
    block = block or {}
    out = {k: block.get(k) or None for k in ("street", "postcode", "city", "country")}
    if with_name:
        out = {"name": block.get("name") or None, **out}
    return out


def _controller(policy: Policy) -> dict[str, str]:
    c = policy.controller
    return {"company": c.company, "cvr": c.cvr, "address": c.address, "email": c.email}


def _orders(held: Held) -> list[dict[str, Any]]:
    return [
        {
            "order_number": o["order_number"],
            "ordered_on": _iso(o["ordered_on"]),
            "delivered_on": _iso(o["delivered_on"]),
            "total": _money(o["total_ore"], o["currency"]),
            "delivery_address": _address(o.get("delivery"), with_name=True),
            "lines": [
                {
                    "sku": line.get("sku") or None,
                    "description": line.get("description") or None,
                    "quantity": int(line.get("quantity") or 0),
                    "unit_price": _money(line.get("unit_price_ore"), o["currency"]),
                }
                for line in o.get("lines") or []
            ],
        }
        for o in held.orders
    ]


def _agreements(held: Held) -> list[dict[str, Any]]:
    return [
        {
            "agreement_ref": a["agreement_ref"],
            "kind": a["kind"],
            "starts_on": _iso(a["starts_on"]),
            "ends_on": _iso(a["ends_on"]),
            "description": a.get("description") or None,
        }
        for a in held.agreements
    ]


def _customer(held: Held) -> dict[str, Any]:
    contact = held.contact or {}
    return {
        "customer_number": held.customer_number,
        "name": contact.get("name") or None,
        "address": _address(contact.get("address")),
        "phone": contact.get("phone") or None,
        "email": contact.get("email") or None,
    }


# -- access ------------------------------------------------------------------------------------------------
def access_record(
    held: Held, information: dict[str, Any], *, reference: str, received_on: date, now: datetime, lang: str
) -> dict[str, Any]:
    """The access answer as one JSON-able record: the data, by category, and every Art. 15(1) item."""
    return {
        "format": ACCESS_FORMAT,
        "format_version": ACCESS_FORMAT_VERSION,
        "reference": reference,
        "language": lang,
        "received_on": received_on.isoformat(),
        "generated_at": now.isoformat(),
        "controller": information["controller"],
        "data": {
            "contact": _customer(held) if held.contact is not None else None,
            "customer_number": held.customer_number,
            "orders": _orders(held),
            "agreements": _agreements(held),
            "invoices": [
                {
                    "invoice_number": i["invoice_number"],
                    "invoice_date": _iso(i["invoice_date"]),
                    "due_date": _iso(i["due_date"]),
                    "order_number": i["order_number"] or None,
                    "total": _money(i["total_ore"], i["currency"]),
                    "billing": {
                        **_address(i.get("billing"), with_name=True),
                        "customer_number": (i.get("billing") or {}).get("customer_number"),
                    },
                }
                for i in held.invoices
            ],
            "payments": [
                {
                    "payment_ref": p["payment_ref"],
                    "paid_on": _iso(p["paid_on"]),
                    "invoice_number": p["invoice_number"] or None,
                    "amount": _money(p["amount_ore"], p["currency"]),
                    "method": p["method"],
                    "masked_reference": p["reference"] or None,
                }
                for p in held.payments
            ],
        },
        "processing_restricted": held.restricted,
        "purposes": information["purposes"],
        "categories": information["categories"],
        "recipients": information["recipients"],
        "retention": information["retention"],
        "rights": information["rights"],
        "complaint": information["complaint"],
        "automated_decision_making": information["automated_decision_making"],
        "source": {
            "text": information["source_text"],
            "imports": [{"date": _iso(day), "system": "administrative system"} for day in held.imports],
        },
        "access_history": [
            {
                "at": c.at.isoformat(),
                "purpose": c.purpose,
                "purpose_label": information["purpose_labels"].get(c.purpose, c.purpose),
                "categories": list(c.categories),
                "roles": [information["role_labels"].get(r, r) for r in c.roles],
            }
            for c in held.history
        ],
    }


# -- portability -------------------------------------------------------------------------------------------
def portability_record(held: Held, policy: Policy, *, reference: str, now: datetime) -> dict[str, Any]:
    """The data the customer provided, shaped by schema version 1."""
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "reference": reference,
        "controller": _controller(policy),
        "customer": _customer(held),
        "orders": _orders(held),
        "agreements": _agreements(held),
    }


def to_json(record: dict[str, Any]) -> bytes:
    """Indented UTF-8 JSON (orjson: the same text as ``json.dumps(indent=2, ensure_ascii=False)``, 10× faster)."""
    return orjson.dumps(record, option=orjson.OPT_INDENT_2)


# -- CSV ---------------------------------------------------------------------------------------------------
def _amount(money: dict[str, Any] | None) -> str:
    if money is None:
        return ""
    return plain_amount(int(money["minor_units"]), mark=",")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (
        text[:1] in ("+", "-") and not all(ch.isdigit() or ch in " ()-./," for ch in text[1:])
    ):
        return "'" + text
    return text


def csv_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of an access or portability record, one row each (see :data:`CSV_COLUMNS`)."""
    data = record.get("data", record)
    rows: list[dict[str, Any]] = []
    customer = data.get("customer") or data.get("contact")
    if customer is not None or data.get("customer_number"):
        rows.append(_customer_row(customer or {}, data.get("customer_number")))
    for o in data.get("orders", []):
        rows += _order_rows(o)
    rows += (_agreement_row(a) for a in data.get("agreements", []))
    rows += (_invoice_row(i) for i in data.get("invoices", []))
    rows += (_payment_row(p) for p in data.get("payments", []))
    return rows


def _customer_row(customer: dict[str, Any], customer_number: str | None) -> dict[str, Any]:
    number = customer.get("customer_number") or customer_number
    return {
        "record_type": "customer",
        "ref": number,
        "customer_number": number,
        "name": customer.get("name"),
        **(customer.get("address") or {}),
        "phone": customer.get("phone"),
        "email": customer.get("email"),
    }


def _order_rows(o: dict[str, Any]) -> list[dict[str, Any]]:
    """An order, then its lines (``ORDER/1``, ``ORDER/2``, …)."""
    currency = o["total"]["currency"]
    rows = [
        {
            "record_type": "order",
            "ref": o["order_number"],
            "date": o["ordered_on"],
            "delivered_on": o["delivered_on"],
            **o["delivery_address"],
            "amount": _amount(o["total"]),
            "currency": currency,
        }
    ]
    for n, line in enumerate(o["lines"], start=1):
        rows.append(
            {
                "record_type": "order_line",
                "ref": f"{o['order_number']}/{n}",
                "related_ref": o["order_number"],
                "sku": line["sku"],
                "description": line["description"],
                "quantity": line["quantity"],
                "unit_price": _amount(line["unit_price"]),
                "currency": currency,
            }
        )
    return rows


def _agreement_row(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "record_type": "agreement",
        "ref": a["agreement_ref"],
        "date": a["starts_on"],
        "ends_on": a["ends_on"],
        "kind": a["kind"],
        "description": a["description"],
    }


def _invoice_row(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "record_type": "invoice",
        "ref": i["invoice_number"],
        "related_ref": i["order_number"],
        "date": i["invoice_date"],
        "due_date": i["due_date"],
        **i["billing"],
        "amount": _amount(i["total"]),
        "currency": i["total"]["currency"],
    }


def _payment_row(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "record_type": "payment",
        "ref": p["payment_ref"],
        "related_ref": p["invoice_number"],
        "date": p["paid_on"],
        "amount": _amount(p["amount"]),
        "currency": p["amount"]["currency"],
        "method": p["method"],
        "masked_reference": p["masked_reference"],
    }


def to_csv(record: dict[str, Any]) -> bytes:
    """UTF-8 with BOM, ``;``-separated, CRLF line ends: opens as it is in Danish Excel."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    declared = set(CSV_COLUMNS)
    for row in csv_rows(record):
        if not row.keys() <= declared:
            raise ValueError(f"CSV columns not declared: {sorted(set(row) - declared)}")
        writer.writerow([_cell(row.get(k)) for k in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
