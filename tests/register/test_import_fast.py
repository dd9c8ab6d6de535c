"""The CSV fast path against the validator: on any file, both must read exactly the same units and errors.

Rows are generated from per-column candidates — valid values, values on the limits and just past them, untrimmed
ones, CPR- and card-shaped text, impossible dates, other digits than ASCII, quotes, separators, line breaks — in
shuffled column orders, with optional columns left out, comma- and semicolon-separated. A fast path that took
something the validator refuses, or built a record differently, makes these tests fail.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from persondata import demo
from persondata.register.import_csv import read_csv
from persondata.register.import_fast import FastCsv
from persondata.register.import_formats import CSV_COLUMNS, RowError, Unit
from tests.conftest import TODAY


def _text(limit: int) -> list[str]:
    return [
        "Vestergade 12",
        "Søren Ærø-Hansen",
        "",
        "a",
        "ab",
        " lead",
        "trail ",
        "x" * limit,
        "y" * (limit + 1),
        "010203-1234",  # CPR-shaped
        "ring 4111 1111 1111 1111",  # a card number
        "tlf 12345678901",  # a long digit run that is neither
        # typographic variants of a CPR and a card number (issue 16): the fast path must send them on too
        "010190\u20111234",  # non-breaking hyphen
        "010190\u20131234",  # en dash
        "０１０１９０－１２３４",  # full-width
        "01 01 90-1234",
        "010190/1234",
        "010190.1234",
        "010190  1234",  # double space
        "010190\u00a01234",  # no-break space
        "٠١٠١٩٠-١٢٣٤",  # Arabic-Indic digits
        "kort 4111.1111.1111.1111",
        "kort 4111\u00a01111\u00a01111\u00a01111",
        "kort 4111\u20131111\u20131111\u20131111",
        "ordre 1234.5678.9012",  # a long run that is neither
        "tab\there",
        'say "hi"',
        "a;b",
        "a,b",
        "two\nlines",
        "em\u2003space",
        "nbsp\u00a0",
        "back\\slash",
    ]


CANDIDATES: dict[str, list[str]] = {
    "key": ["K100001", "k-1.2/3_x", "Ø12", "x" * 40, "x" * 41, "", " K1", "K 1", "K1+", "٣٤"],
    "date": ["2025-03-15", "2019-06-01", "1899-12-31", "2024-02-29", "2023-02-29", "2025-13-01", "25-03-15", "",
             " 2025-03-15", "2025-3-5",
             "٢٠٢٥-٠٣-١٥", "2025/03/15"],
    "amount": ["1249.50", "1249,50", "-3", "0", "1.5", "1.505", "1,234.00", "", "1234567890123", "abc", " 12",
               "-0,01", "000000000001"],
    "currency": ["", "DKK", "eur", "EU", "EURO", "ÆØÅ", " DKK"],
    "quantity": ["", "1", "3", "-1", "0", "x", "１", "1234567890"],
    "phone": ["+45 12 34 56 78", "12345678", "1234567", "(+45) 1234-5678", " 12345678", "+45 1234 567", "",
              "phone", "+ 45 12 34 56 78", "12 34 56 78 ", "0045-1234-5678-9999-0000-11"],
    "email": ["a@b.dk", "ida.holm@example.dk", "no-at", "a@b", "a b@c.dk", "", "x" * 250 + "@b.dk",
              "x" * 246 + "@b.dk", "æ@ø.dk", "a@b.c", " a@b.dk"],
    "method": ["card", "CARD", "transfer", "MobilePay", "bitcoin", "", "card "],
    "reference": ["", "**** 1234", "1234", "12345", "xxxx 9876", "4111111111111111", "•••• 4321", "ref"],
}  # fmt: skip
SHAPES: dict[str, dict[str, str]] = {
    "customers": {"customer_number": "key", "name": "t200", "street": "t200", "postcode": "t12", "city": "t80",
                  "country": "t2", "phone": "phone", "email": "email", "customer_since": "date",
                  "last_activity": "date"},
    "orders": {"customer_number": "key", "order_number": "order", "ordered_on": "date", "total": "amount",
               "delivered_on": "date", "currency": "currency", "delivery_name": "t200", "delivery_street": "t200",
               "delivery_postcode": "t12", "delivery_city": "t80", "delivery_country": "t2", "line_sku": "t40",
               "line_description": "t200", "line_quantity": "quantity", "line_unit_price": "amount"},
    "invoices": {"customer_number": "key", "invoice_number": "key", "invoice_date": "date", "total": "amount",
                 "billing_name": "t200", "due_date": "date", "currency": "currency", "order_number": "t40",
                 "billing_street": "t200", "billing_postcode": "t12", "billing_city": "t80", "billing_country": "t2"},
    "payments": {"customer_number": "key", "payment_ref": "key", "paid_on": "date", "amount": "amount",
                 "method": "method", "invoice_number": "t40", "currency": "currency", "reference": "reference"},
}  # fmt: skip


def _value(rng: random.Random, shape: str, odd: float) -> str:
    if shape == "order":  # few order numbers, so that consecutive rows continue an order
        return rng.choice(["O1", "O1", "O2", "O3", " O3", "O 4"])
    if rng.random() >= odd:
        return VALID[shape]
    if shape.startswith("t"):
        return rng.choice(_text(int(shape[1:])))
    return rng.choice(CANDIDATES[shape])


VALID = {"key": "K100001", "date": "2025-03-15", "amount": "1249.50", "currency": "", "quantity": "2",
         "phone": "+45 12 34 56 78", "email": "ida.holm@example.dk", "method": "card", "reference": "**** 1234",
         "t200": "Vestergade 12", "t80": "Aarhus C", "t40": "V1001", "t12": "8000", "t2": "DK"}  # fmt: skip


def _file(kind: str, rng: random.Random, delimiter: str, rows: int) -> bytes:
    required, optional = CSV_COLUMNS[kind]
    header = list(required) + [c for c in optional if rng.random() < 0.8]
    rng.shuffle(header)
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator=rng.choice(["\n", "\r\n"]))
    w.writerow(header)
    for _ in range(rows):
        odd = rng.choice([0.0, 0.05, 0.3])  # well-formed rows, rows with a doubtful field, rows with several
        w.writerow([_value(rng, SHAPES[kind][c], odd) for c in header])
    return out.getvalue().encode()


def _read(data: bytes, *, use_fast: bool) -> list[Unit | RowError]:
    return list(read_csv(io.BytesIO(data), "f.csv", use_fast=use_fast))


@pytest.mark.parametrize("kind", list(SHAPES))
@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("seed", range(4))
def test_fast_path_reads_exactly_what_the_validator_reads(kind: str, delimiter: str, seed: int) -> None:
    rng = random.Random(f"{kind}{delimiter}{seed}")
    data = _file(kind, rng, delimiter, 400)
    slow = _read(data, use_fast=False)
    fast = _read(data, use_fast=True)
    assert fast == slow
    units = [u for u in slow if isinstance(u, Unit)]
    assert units and any(isinstance(e, RowError) for e in slow)  # the file really mixes good and bad rows


def test_every_line_of_a_typical_export_takes_the_fast_path(tmp_path: Path) -> None:
    for path in demo.write_csv(demo.customers(60, seed=5, today=TODAY), tmp_path):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        fast = FastCsv(path.stem, lines[0].strip().split(","), ",")
        if path.stem == "orders":
            missed = [t for t in lines[1:] if fast.order(t, None) is None]
        else:
            missed = [t for t in lines[1:] if fast.record(t, path.name, 2) is None]
        assert len(lines) > 1 and missed == [], path.stem


@pytest.mark.parametrize(
    "text",
    ["010190\u20111234", "010190\u20131234", "０１０１９０－１２３４", "01 01 90-1234", "010190/1234",
     "010190.1234", "010190  1234", "010190\u00a01234", "٠١٠١٩٠-١٢٣٤", "010190\n1234",
     "kort 4111.1111.1111.1111", "kort 4111\u00a01111\u00a01111\u00a01111", "kort 4111\u20131111\u20131111\u20131111"],
)  # fmt: skip
def test_the_fast_path_sends_every_typographic_variant_to_the_validator(text: str) -> None:
    from persondata.core.sensitive import check_free_text
    from persondata.register.import_fast import _long_number

    assert check_free_text(text) is not None  # the validator refuses it …
    assert _long_number("Vestergade 12", text)  # … so the fast path must not take the row itself
