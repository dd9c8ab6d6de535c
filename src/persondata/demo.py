"""Synthetic Danish customers (Faker ``da_DK``) for the demo company, tests and benchmarks.

Never real people: names and streets are drawn from Faker's Danish pools and recombined, e-mail addresses use
the reserved ``example.dk``-style domains, phone numbers are random, and no CPR number is ever produced.
Files are written in the documented import formats, so the demo and the benchmark exercise the real import.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from faker import Faker

_POOL = 400
_DOMAINS = ("example.dk", "example.com", "example.net", "example.org")
_METHODS = ("card", "transfer", "mobilepay", "invoice")
_PRODUCTS = (
    "Servicebesøg",
    "Reservedel",
    "Montering",
    "Årligt eftersyn",
    "Kørsel",
    "Rådgivning",
    "Filterskift",
)


@dataclass(frozen=True)
class _Pools:
    first: list[str]
    last: list[str]
    streets: list[str]
    places: list[tuple[str, str]]


def _pools(seed: int) -> _Pools:
    fake = Faker("da_DK")
    fake.seed_instance(seed)
    return _Pools(
        first=[fake.first_name() for _ in range(_POOL)],
        last=[fake.last_name() for _ in range(_POOL)],
        streets=[fake.street_name() for _ in range(_POOL)],
        places=[(fake.postcode(), fake.city()) for _ in range(_POOL)],
    )


def customers(
    n: int, *, seed: int = 1, today: date, years: int = 7, start: int = 100_000
) -> Iterator[dict[str, Any]]:
    """``n`` customers as nested import records, with orders, invoices and payments over the last ``years``."""
    rnd = random.Random(seed)
    pools = _pools(seed)
    span = years * 365
    order_seq = invoice_seq = payment_seq = 0
    for i in range(n):
        number = f"K{start + i}"
        first, last = rnd.choice(pools.first), rnd.choice(pools.last)
        postcode, city = rnd.choice(pools.places)
        address = {
            "street": f"{rnd.choice(pools.streets)} {rnd.randint(1, 180)}",
            "postcode": postcode,
            "city": city,
            "country": "DK",
        }
        email_user = f"{first}.{last}".lower().replace(" ", "").encode("ascii", "ignore").decode() or "kunde"
        record: dict[str, Any] = {
            "customer_number": number,
            "name": f"{first} {last}",
            "address": address,
            "phone": f"+45 {rnd.randint(20, 99)} {rnd.randint(10, 99)} {rnd.randint(10, 99)} {rnd.randint(10, 99)}",
            "email": f"{email_user}.{start + i}@{rnd.choice(_DOMAINS)}",
            "orders": [],
            "invoices": [],
            "payments": [],
        }
        for _ in range(rnd.choice((0, 1, 1, 2, 2, 3))):
            order_seq += 1
            ordered = today - timedelta(days=rnd.randint(1, span))
            lines: list[dict[str, Any]] = [
                {
                    "sku": f"V{rnd.randint(1000, 9999)}",
                    "description": rnd.choice(_PRODUCTS),
                    "quantity": rnd.randint(1, 3),
                    "unit_price": f"{rnd.randint(100, 5000)}.{rnd.randint(0, 99):02d}",
                }
                for _ in range(rnd.randint(1, 3))
            ]
            total = sum(round(float(x["unit_price"]) * 100) * int(x["quantity"]) for x in lines)
            delivered = ordered + timedelta(days=rnd.randint(1, 14))
            onumber = f"O{order_seq:08d}"
            record["orders"].append(
                {
                    "order_number": onumber,
                    "ordered_on": ordered.isoformat(),
                    "delivered_on": delivered.isoformat() if delivered < today else None,
                    "total": f"{total // 100}.{total % 100:02d}",
                    "delivery": {"name": record["name"], **address},
                    "lines": lines,
                }
            )
            if delivered >= today:
                continue
            invoice_seq += 1
            inumber = f"F{invoice_seq:08d}"
            record["invoices"].append(
                {
                    "invoice_number": inumber,
                    "invoice_date": delivered.isoformat(),
                    "due_date": (delivered + timedelta(days=14)).isoformat(),
                    "total": f"{total // 100}.{total % 100:02d}",
                    "order_number": onumber,
                    "billing": {"name": record["name"], **address},
                }
            )
            paid = delivered + timedelta(days=rnd.randint(0, 20))
            if paid < today and rnd.random() < 0.95:
                payment_seq += 1
                method = rnd.choice(_METHODS)
                record["payments"].append(
                    {
                        "payment_ref": f"P{payment_seq:08d}",
                        "invoice_number": inumber,
                        "paid_on": paid.isoformat(),
                        "amount": f"{total // 100}.{total % 100:02d}",
                        "method": method,
                        "reference": f"**** {rnd.randint(0, 9999):04d}" if method == "card" else "",
                    }
                )
        yield record


def changed(records: Iterator[dict[str, Any]], every: int = 100) -> Iterator[dict[str, Any]]:
    """The same customers as the next night's export would give them with one in ``every`` changed: that customer
    has a new phone number, and another one in ``every`` has had their address corrected on every order.
    Invoices and payments stay as they were (accounting material does not change)."""
    for i, record in enumerate(records):
        if i % every == 0:
            record = {**record, "phone": f"+45 70 {i % 100:02d} {i // 100 % 100:02d} {i // 10_000 % 100:02d}"}
        elif i % every == every // 2:
            orders = [
                {**o, "delivery": {**o["delivery"], "street": o["delivery"]["street"] + "A"}}
                for o in record["orders"]
            ]
            record = {**record, "orders": orders}
        yield record


def write_jsonl(records: Iterator[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False))
            f.write("\n")
    return path


def write_csv(records: Iterator[dict[str, Any]], folder: Path) -> list[Path]:
    """One CSV file per kind, as an administrative system would export them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {k: folder / f"{k}.csv" for k in ("customers", "orders", "invoices", "payments")}
    files = {k: p.open("w", newline="", encoding="utf-8") for k, p in paths.items()}
    try:
        w = {k: csv.writer(f) for k, f in files.items()}
        w["customers"].writerow(
            ["customer_number", "name", "street", "postcode", "city", "country", "phone", "email"]
        )
        w["orders"].writerow(
            [
                "customer_number",
                "order_number",
                "ordered_on",
                "delivered_on",
                "total",
                "delivery_name",
                "delivery_street",
                "delivery_postcode",
                "delivery_city",
                "delivery_country",
                "line_sku",
                "line_description",
                "line_quantity",
                "line_unit_price",
            ]
        )
        w["invoices"].writerow(
            [
                "customer_number",
                "invoice_number",
                "invoice_date",
                "due_date",
                "total",
                "order_number",
                "billing_name",
                "billing_street",
                "billing_postcode",
                "billing_city",
                "billing_country",
            ]
        )
        w["payments"].writerow(
            ["customer_number", "payment_ref", "invoice_number", "paid_on", "amount", "method", "reference"]
        )
        for r in records:
            a = r["address"]
            cn = r["customer_number"]
            w["customers"].writerow(
                [cn, r["name"], a["street"], a["postcode"], a["city"], a["country"], r["phone"], r["email"]]
            )
            for o in r["orders"]:
                d = o["delivery"]
                for line in o["lines"]:
                    w["orders"].writerow(
                        [
                            cn,
                            o["order_number"],
                            o["ordered_on"],
                            o["delivered_on"] or "",
                            o["total"],
                            d["name"],
                            d["street"],
                            d["postcode"],
                            d["city"],
                            d["country"],
                            line["sku"],
                            line["description"],
                            line["quantity"],
                            line["unit_price"],
                        ]
                    )
            for i in r["invoices"]:
                b = i["billing"]
                w["invoices"].writerow(
                    [
                        cn,
                        i["invoice_number"],
                        i["invoice_date"],
                        i["due_date"],
                        i["total"],
                        i["order_number"],
                        b["name"],
                        b["street"],
                        b["postcode"],
                        b["city"],
                        b["country"],
                    ]
                )
            for p in r["payments"]:
                w["payments"].writerow(
                    [
                        cn,
                        p["payment_ref"],
                        p["invoice_number"],
                        p["paid_on"],
                        p["amount"],
                        p["method"],
                        p["reference"],
                    ]
                )
    finally:
        for f in files.values():
            f.close()
    return list(paths.values())
