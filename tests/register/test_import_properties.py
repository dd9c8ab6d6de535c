"""Property-based tests of the import's parsers (issue 18): valid records written as CSV, JSON and JSON Lines
read back identical; any file, random or a valid one damaged, gives records or precise errors and never a crash;
the CSV fast path and the validator agree on every generated file.

The default run is short (the ``persondata`` profile in tests/conftest.py); ``pytest --hypothesis-profile=long``
runs many more examples (docs/development.md).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from persondata.core import sensitive
from persondata.register.import_csv import read_csv
from persondata.register.import_formats import (
    CSV_COLUMNS,
    PAYMENT_METHODS,
    AgreementIn,
    BadRow,
    CustomerIn,
    InvoiceIn,
    OrderIn,
    PaymentIn,
    RowError,
    Unit,
)
from persondata.register.import_json import read_json, read_jsonl

# -- valid values ----------------------------------------------------------------------------------------------
#: Letters (Danish ones too), digits, spaces, quotes, both separators, line breaks, tabs, a formula's first sign.
_ALPHABET = st.sampled_from(
    [*"abcxyzABCÆØÅæøåéüß0123456789 -.,;:'\"/\\()@+=*#\n\r\t", "\u00a0", "\u2011", "€", "😀"]
)


def _free(value: str) -> bool:
    """What the validator keeps as it is: trimmed, and not refused as a CPR or card number."""
    return value == value.strip() and sensitive.check_free_text(value) is None


def text(max_len: int, *, min_len: int = 0) -> st.SearchStrategy[str]:
    return st.text(_ALPHABET, min_size=min_len, max_size=min(max_len, 60)).filter(_free) | st.just(
        "x" * max_len if min_len or max_len < 60 else "æ" * max_len
    )


KEY = st.from_regex(r"[\w.\-/]{1,40}", fullmatch=True).filter(lambda v: v == v.strip())
COUNTRY = st.sampled_from(["", "DK", "SE", "de", "No"])
CURRENCY = st.sampled_from(["", "DKK", "EUR", "sek", "Usd"])
SOURCE_DATE = st.dates(min_value=date(1900, 1, 1))
PHONE = st.from_regex(r"\+?[0-9 ()\-]{8,25}", fullmatch=True).filter(
    lambda v: v == v.strip() and sum(c.isdigit() for c in v) >= 8
)
EMAIL = st.builds(
    "{}@{}.{}".format,
    st.text(st.sampled_from("abcæøå.+_-0123456789"), min_size=1, max_size=20),
    st.text(st.sampled_from("abcdefæøå-0123456789"), min_size=1, max_size=20),
    st.sampled_from(["dk", "com", "museum"]),
)
ORE = st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1)
METHOD = st.sampled_from(sorted(PAYMENT_METHODS)).map(str.upper) | st.sampled_from(sorted(PAYMENT_METHODS))
REFERENCE = st.sampled_from(["", "**** 1234", "xxxx-9876", "•••• 4321", "#12", "ref", "Bankoverførsel"])


def amount_text(ore: int, draw: Any) -> str:
    """Kroner as the export may write them: point or comma, two, one or no decimals."""
    sign, whole, frac = "-" if ore < 0 else "", abs(ore) // 100, abs(ore) % 100
    mark = draw(st.sampled_from([".", ","]))
    if frac % 10 == 0 and draw(st.booleans()):
        return f"{sign}{whole}" if frac == 0 and draw(st.booleans()) else f"{sign}{whole}{mark}{frac // 10}"
    return f"{sign}{whole}{mark}{frac:02d}"


def address(draw: Any) -> dict[str, str]:
    return {
        "street": draw(text(200)),
        "postcode": draw(text(12)),
        "city": draw(text(80)),
        "country": draw(COUNTRY),
    }


def _country(value: str) -> str:
    return (value or "DK").upper()


def _currency(value: str) -> str:
    return (value or "DKK").upper()


@st.composite
def customer(draw: Any, number: str | None = None) -> tuple[dict[str, str], CustomerIn]:
    since = draw(st.none() | SOURCE_DATE)
    last = draw(st.none() | st.dates(min_value=since or date(1900, 1, 1)))
    row = {
        "customer_number": number or draw(KEY),
        "name": draw(text(200, min_len=1)),
        **address(draw),
        "phone": draw(st.just("") | PHONE),
        "email": draw(st.just("") | EMAIL),
        "customer_since": since.isoformat() if since else "",
        "last_activity": last.isoformat() if last else "",
    }
    contact = {
        "name": row["name"],
        "address": {
            "street": row["street"],
            "postcode": row["postcode"],
            "city": row["city"],
            "country": _country(row["country"]),
        },
        "phone": row["phone"],
        "email": row["email"],
    }
    return row, CustomerIn(row["customer_number"], contact, since, last)


@st.composite
def order(draw: Any, number: str) -> tuple[dict[str, Any], OrderIn]:
    ordered = draw(st.dates(min_value=date(1, 1, 2)))
    delivered = draw(st.none() | st.dates(min_value=ordered))
    total = draw(ORE)
    delivery = {"name": draw(text(200)), **address(draw)}
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        price = draw(ORE)
        lines.append(
            {
                "sku": draw(text(40, min_len=1)),
                "description": draw(text(200)),
                "quantity": draw(st.integers(0, 10**9 - 1)),
                "unit_price": amount_text(price, draw),
                "_ore": price,
            }
        )
    row = {
        "order_number": draw(KEY),
        "ordered_on": ordered.isoformat(),
        "delivered_on": delivered.isoformat() if delivered else "",
        "total": amount_text(total, draw),
        "currency": draw(CURRENCY),
        "delivery": delivery,
        "lines": lines,
    }
    record = OrderIn(
        number,
        row["order_number"],
        ordered,
        delivered,
        total,
        _currency(row["currency"]),
        {
            "delivery": {**delivery, "country": _country(delivery["country"])},
            "lines": [
                {"sku": li["sku"], "description": li["description"], "quantity": li["quantity"],
                 "unit_price_ore": li["_ore"]}
                for li in lines
            ],
        },
    )  # fmt: skip
    return row, record


@st.composite
def invoice(draw: Any, number: str) -> tuple[dict[str, Any], InvoiceIn]:
    day = draw(st.dates(min_value=date(1, 1, 2)))
    due = draw(st.none() | st.dates())
    total = draw(ORE)
    billing = {"name": draw(text(200, min_len=1)), **address(draw)}
    row = {
        "invoice_number": draw(KEY),
        "invoice_date": day.isoformat(),
        "due_date": due.isoformat() if due else "",
        "total": amount_text(total, draw),
        "currency": draw(CURRENCY),
        "order_number": draw(st.just("") | KEY),
        "billing": billing,
    }
    snapshot = {**billing, "country": _country(billing["country"]), "customer_number": number}
    record = InvoiceIn(
        number,
        row["invoice_number"],
        day,
        due,
        total,
        _currency(row["currency"]),
        row["order_number"],
        snapshot,
    )
    return row, record


@st.composite
def payment(draw: Any, number: str) -> tuple[dict[str, Any], PaymentIn]:
    day = draw(st.dates(min_value=date(1, 1, 2)))
    amount = draw(ORE)
    row = {
        "payment_ref": draw(KEY),
        "paid_on": day.isoformat(),
        "amount": amount_text(amount, draw),
        "method": draw(METHOD),
        "invoice_number": draw(st.just("") | KEY),
        "currency": draw(CURRENCY),
        "reference": draw(REFERENCE),
    }
    record = PaymentIn(
        number,
        row["payment_ref"],
        row["invoice_number"],
        day,
        amount,
        _currency(row["currency"]),
        row["method"].lower(),
        row["reference"],
    )
    return row, record


@st.composite
def agreement(draw: Any, number: str) -> tuple[dict[str, Any], AgreementIn]:
    starts = draw(st.dates(min_value=date(1, 1, 2)))
    ends = draw(st.none() | st.dates())
    row = {
        "agreement_ref": draw(KEY),
        "kind": draw(st.sampled_from(["oral", "written", "WRITTEN", "Oral"])),
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat() if ends else "",
        "description": draw(text(2000)),
    }
    return row, AgreementIn(
        number, row["agreement_ref"], row["kind"].lower(), starts, ends, row["description"]
    )


CHILDREN = {"orders": order, "invoices": invoice, "payments": payment, "agreements": agreement}


@st.composite
def customers(
    draw: Any,
) -> list[tuple[dict[str, Any], CustomerIn, dict[str, list[tuple[dict[str, Any], Any]]]]]:
    """Customers with distinct numbers, each with some records of every kind."""
    numbers = draw(st.lists(KEY, min_size=1, max_size=4, unique=True))
    out = []
    for number in numbers:
        row, record = draw(customer(number))
        children = {k: draw(st.lists(s(number), max_size=2)) for k, s in CHILDREN.items()}
        out.append((row, record, children))
    return out


# -- writing them ---------------------------------------------------------------------------------------------
def _flat(kind: str, number: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    """A child record as CSV rows: orders one row per line (or one without a line), addresses flattened."""
    flat = {k: v for k, v in row.items() if k not in ("delivery", "billing", "lines")}
    flat["customer_number"] = number
    for block in ("delivery", "billing"):
        flat.update({f"{block}_{k}": v for k, v in row.get(block, {}).items()})
    if kind != "orders":
        return [flat]
    lines = [{f"line_{k}": str(v) for k, v in li.items() if k != "_ore"} for li in row["lines"]]
    return [{**flat, **li} for li in lines] or [flat]


def write_csv(kind: str, rows: list[dict[str, Any]], draw: Any) -> bytes:
    required, optional = CSV_COLUMNS[kind]
    header = list(required) + list(optional)
    header = draw(st.permutations(header))
    out = io.StringIO()
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    # a lone CR in a field is quoted by a writer whose lines end in CRLF (Excel's); with LF endings, quote all
    lone_cr = ending == "\n" and any("\r" in str(v) for row in rows for v in row.values())
    w = csv.writer(
        out,
        delimiter=draw(st.sampled_from([",", ";"])),
        lineterminator=ending,
        quoting=csv.QUOTE_ALL if lone_cr else csv.QUOTE_MINIMAL,
    )
    w.writerow(header)
    for row in rows:
        w.writerow([row.get(c, "") for c in header])
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + out.getvalue().encode()


def _records(items: list[Unit | RowError], kind: str) -> list[Any]:
    errors = [e for e in items if isinstance(e, RowError)]
    assert errors == []
    if kind == "customers":
        return [u.customer for u in items if isinstance(u, Unit)]
    return [r for u in items if isinstance(u, Unit) for r in getattr(u, kind)]


def _json_customer(
    row: dict[str, Any], children: dict[str, list[tuple[dict[str, Any], Any]]]
) -> dict[str, Any]:
    obj: dict[str, Any] = {k: row[k] for k in ("customer_number", "name", "phone", "email")}
    obj["address"] = {k: row[k] for k in ("street", "postcode", "city", "country")}
    obj.update({k: row[k] or None for k in ("customer_since", "last_activity")})
    for kind, pairs in children.items():
        obj[kind] = []
        for child, _record in pairs:
            written = {k: v for k, v in child.items() if k != "lines"}
            if kind == "orders":
                written["lines"] = [{k: v for k, v in li.items() if k != "_ore"} for li in child["lines"]]
            obj[kind].append(written)
    return obj


# -- 1. round trips -------------------------------------------------------------------------------------------
@given(st.data(), customers())
def test_valid_records_written_as_csv_read_back_identical(data: st.DataObject, generated: list[Any]) -> None:
    rows = [row for row, _record, _children in generated]
    read = list(read_csv(io.BytesIO(write_csv("customers", rows, data.draw)), "customers.csv"))
    assert _records(read, "customers") == [record for _row, record, _children in generated]
    for kind in CHILDREN:
        pairs = [(number, p) for row, _r, children in generated for number in [row["customer_number"]]
                 for p in children[kind]]  # fmt: skip
        if not pairs:
            continue
        csv_rows = [flat for number, (row, _rec) in pairs for flat in _flat(kind, number, row)]
        items = list(read_csv(io.BytesIO(write_csv(kind, csv_rows, data.draw)), f"{kind}.csv"))
        expected = [rec for _number, (_row, rec) in pairs]
        if kind == "orders":  # consecutive rows with the same order number are one order
            expected = _merged_orders(expected)
        assert _records(items, kind) == expected, kind


def _merged_orders(orders: list[OrderIn]) -> list[OrderIn]:
    merged: list[OrderIn] = []
    for o in orders:
        if merged and merged[-1].order_number == o.order_number:
            merged[-1].detail["lines"].extend(o.detail["lines"])
        else:
            merged.append(OrderIn(**{f: getattr(o, f) for f in OrderIn.__slots__}))
            merged[-1].detail = {"delivery": o.detail["delivery"], "lines": list(o.detail["lines"])}
    return merged


@given(customers(), st.sampled_from(["array", "object", "jsonl"]), st.booleans())
def test_valid_records_written_as_json_read_back_identical(
    generated: list[Any], shape: str, bom: bool
) -> None:
    objs = [_json_customer(row, children) for row, _record, children in generated]
    if shape == "jsonl":
        body = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode()
    else:
        body = json.dumps(
            objs if shape == "array" else {"customers": objs}, ensure_ascii=False, indent=1
        ).encode()
    body = (b"\xef\xbb\xbf" if bom else b"") + body
    reader = read_jsonl if shape == "jsonl" else read_json
    items = list(reader(io.BytesIO(body), "customers.json"))
    assert [e for e in items if isinstance(e, RowError)] == []
    assert len(items) == len(generated)
    for unit, (_row, record, children) in zip(items, generated, strict=True):
        assert isinstance(unit, Unit)
        assert unit.customer == record
        for kind, pairs in children.items():
            assert getattr(unit, kind) == [rec for _child, rec in pairs], kind


# -- 2. damaged and random files ------------------------------------------------------------------------------
CPR = "010190-1234"  # CPR-shaped: planted in the files, it must never come back in an error


@st.composite
def damaged_csv(draw: Any) -> bytes:
    """A valid CSV file of some kind, then damaged: a byte flipped, a row cut, a column dropped or added, wrong
    encoding, CR line ends, a huge field, a formula-like cell, a CPR number planted in a field."""
    generated = draw(customers())
    kind = draw(st.sampled_from(["customers", *CHILDREN]))
    if kind == "customers":
        rows = [row for row, _r, _c in generated]
    else:
        rows = [flat for row, _r, children in generated for child, _rec in children[kind]
                for flat in _flat(kind, row["customer_number"], child)]  # fmt: skip
    data = bytearray(write_csv(kind, rows, draw))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(
            st.sampled_from(["flip", "cut", "drop", "add", "latin1", "cr", "huge", "formula", "cpr", "nul"])
        )
        if how in ("flip", "cut") and not data:  # an earlier cut left nothing to flip or cut
            continue
        if how == "flip":
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[draw(st.integers(0, len(data) - 1)) :]
        elif how in ("drop", "add"):
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = lines[i] + b",x" if how == "add" else lines[i].rpartition(b",")[0]
            data = bytearray(b"\n".join(lines))
        elif how == "latin1":
            data = bytearray(bytes(data).decode("utf-8", "replace").encode("latin-1", "replace"))
        elif how == "cr":
            data = bytearray(bytes(data).replace(b"\n", b"\r"))
        else:
            cell = {"huge": b"y" * 200_000, "formula": b'=HYPERLINK("x")', "cpr": CPR.encode(), "nul": b"\0"}[
                how
            ]
            at = draw(st.integers(0, len(data)))
            data[at:at] = cell
    return bytes(data)


def _check(items: list[Unit | RowError], name: str) -> None:
    for item in items:
        assert isinstance(item, Unit | RowError)
        if isinstance(item, RowError):
            _check_error(item, name)


def _check_error(error: RowError, name: str) -> None:
    assert error.file == name and error.line >= 1 and error.reason
    assert isinstance(error.field, str)
    assert CPR not in str(error) and CPR.replace("-", "") not in str(error)


def _read_all(reader: Any, data: bytes, name: str) -> list[Unit | RowError]:
    """What the importer sees: the units and errors, or the file's own error (``BadRow``), never another."""
    try:
        items = list(reader(io.BytesIO(data), name))
    except BadRow as bad:
        assert bad.errors
        items = list(bad.errors)
    _check(items, name)
    return items


@given(damaged_csv())
@example(b"customer_number,name\n" + b'"' + b"y" * 200_000 + b'"\n')
@example(b'"customer_number' + b"y" * 200_000 + b'",name\n')
@example(b"\xef\xbb\xbfcustomer_number;name\r\nK1;=cmd|' /C calc'!A0\r\n")
@example(b"010190-1234invoice_number,payment_ref,paid_on,amount,method,customer_number\n")  # found: echoed
@example(b"K1,Ida Holm,010190-1234\n")  # a file without its header: line 1 is a customer
def test_a_damaged_csv_file_gives_records_or_precise_errors(data: bytes) -> None:
    _read_all(read_csv, data, "f.csv")


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_give_errors_never_a_crash(data: bytes) -> None:
    for reader in (read_csv, read_json, read_jsonl):
        _read_all(reader, data, "f.x")


@st.composite
def damaged_json(draw: Any) -> tuple[bytes, bool]:
    generated = draw(customers())
    objs = [_json_customer(row, children) for row, _record, children in generated]
    for obj in objs:  # a CPR number, or a value of the wrong type, in some field
        key = draw(st.sampled_from(sorted(obj)))
        obj[key] = draw(
            st.sampled_from([CPR, f"tlf {CPR}", 12, 1.5e300, None, True, [CPR], {"x": CPR}, "-" * 300])
        )
        if draw(st.booleans()):  # a field that is not one, named by a CPR number
            obj[draw(st.sampled_from([CPR, "cpr", "telefon"]))] = "x"
    lines = draw(st.booleans())
    if lines:
        body = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode()
    else:
        body = json.dumps(objs, ensure_ascii=False).encode()
    data = bytearray(body)
    if draw(st.booleans()) and data:
        del data[draw(st.integers(0, len(data) - 1)) :]
    if draw(st.booleans()) and data:
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data), lines


@given(damaged_json())
@example((b'[{"customer_number": "K1", "name": "010190-1234" x}]', False))  # found: ijson's message quoted it
def test_a_damaged_json_file_gives_records_or_precise_errors(damaged: tuple[bytes, bool]) -> None:
    data, lines = damaged
    _read_all(read_jsonl if lines else read_json, data, "f.json")


# -- 3. the fast path and the validator -----------------------------------------------------------------------
@given(damaged_csv())
def test_the_fast_path_and_the_validator_agree_on_every_file(data: bytes) -> None:
    def both(use_fast: bool) -> list[Unit | RowError]:
        try:
            return list(read_csv(io.BytesIO(data), "f.csv", use_fast=use_fast))
        except BadRow as bad:
            return list(bad.errors)

    assert both(True) == both(False)
