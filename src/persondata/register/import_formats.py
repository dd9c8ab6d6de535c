"""Reading the administrative system's exports: CSV (one file per kind) and JSON (one object per customer).

Streaming: files are read line by line (CSV, JSON Lines) or event by event (JSON arrays, with ijson), so memory
stays flat whatever the file size. Every problem becomes a :class:`RowError` naming file, line, field and the fix;
the offending *value* is never repeated (it may be personal data). The formats are documented, with examples, in
docs/import-formats.md.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import chain
from pathlib import Path
from typing import IO, Any

import ijson

from persondata.core import sensitive

KINDS = ("customers", "agreements", "orders", "invoices", "payments")

# The columns of each CSV kind; the first set is required, the rest optional. Detected from the header row.
CSV_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "customers": (("customer_number", "name"), ("street", "postcode", "city", "country", "phone", "email")),
    "agreements": (("customer_number", "agreement_ref", "kind", "starts_on"), ("ends_on", "description")),
    "orders": (
        ("customer_number", "order_number", "ordered_on", "total"),
        (
            "delivered_on",
            "currency",
            "delivery_name",
            "delivery_street",
            "delivery_postcode",
            "delivery_city",
            "delivery_country",
            "line_sku",
            "line_description",
            "line_quantity",
            "line_unit_price",
        ),
    ),
    "invoices": (
        ("customer_number", "invoice_number", "invoice_date", "total", "billing_name"),
        (
            "due_date",
            "currency",
            "order_number",
            "billing_street",
            "billing_postcode",
            "billing_city",
            "billing_country",
        ),
    ),
    "payments": (
        ("customer_number", "payment_ref", "paid_on", "amount", "method"),
        ("invoice_number", "currency", "reference"),
    ),
}
PAYMENT_METHODS = frozenset({"card", "transfer", "mobilepay", "cash", "invoice", "other"})


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


class BadRow(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass(slots=True)
class CustomerIn:
    customer_number: str
    contact: dict[str, Any]  # name, address{street,postcode,city,country}, phone, email


@dataclass(slots=True)
class OrderIn:
    customer_number: str
    order_number: str
    ordered_on: date
    delivered_on: date | None
    total_ore: int
    currency: str
    detail: dict[str, Any]  # delivery{name,street,postcode,city,country}, lines[…]


@dataclass(slots=True)
class InvoiceIn:
    customer_number: str
    invoice_number: str
    invoice_date: date
    due_date: date | None
    total_ore: int
    currency: str
    order_number: str
    snapshot: dict[str, Any]  # billing name and address, customer number (momsbekendtgørelsen § 58)


@dataclass(slots=True)
class PaymentIn:
    customer_number: str
    payment_ref: str
    invoice_number: str
    paid_on: date
    amount_ore: int
    currency: str
    method: str
    reference: str


@dataclass(slots=True)
class AgreementIn:
    customer_number: str
    agreement_ref: str
    kind: str
    starts_on: date
    ends_on: date | None
    description: str


@dataclass(slots=True)
class Unit:
    """What is written together or not at all: a whole customer (JSON) or one record (CSV)."""

    file: str
    line: int
    customer_number: str = ""  # the customer the unit belongs to (or is)
    customer: CustomerIn | None = None
    orders: list[OrderIn] = field(default_factory=list)
    invoices: list[InvoiceIn] = field(default_factory=list)
    payments: list[PaymentIn] = field(default_factory=list)
    agreements: list[AgreementIn] = field(default_factory=list)

    def row_count(self) -> int:
        return (
            (self.customer is not None)
            + len(self.orders)
            + len(self.invoices)
            + len(self.payments)
            + len(self.agreements)
        )


# -- field parsing -------------------------------------------------------------------------------------------
class _Row:
    """Reads fields from one input row and collects every problem instead of stopping at the first."""

    __slots__ = ("errors", "file", "line", "prefix", "values")

    def __init__(self, values: dict[str, Any], file: str, line: int, prefix: str = "") -> None:
        self.values, self.file, self.line, self.prefix = values, file, line, prefix
        self.errors: list[RowError] = []

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.line, self.prefix + name, reason))

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return value.strip() if isinstance(value, str) else value

    def text(self, name: str, *, required: bool = False, max_len: int = 200, free: bool = True) -> str:
        value: Any = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.fail(name, "is missing; it is required")
            return ""
        if value.__class__ is not str:
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(name, "must be text")
                return ""
            value = str(value)
        if len(value) > max_len:
            self.fail(name, f"is longer than {max_len} characters; shorten it")
            return ""
        # the full CPR/card checks only for text with a long run of digits (the cheap filter keeps imports fast)
        if (
            free
            and sensitive.might_hold_number(value)
            and (refusal := sensitive.check_free_text(value)) is not None
        ):
            self.fail(name, refusal.message)
            return ""
        return str(value)

    def key(self, name: str) -> str:
        """An identifier from the administrative system (customer, order, invoice number)."""
        value = self.text(name, required=True, max_len=40, free=False)
        if value and not _KEY.match(value):
            self.fail(name, "may contain only letters, digits and - _ . / ; check the export")
            return ""
        return value

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, "is missing; write the date as YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(str(value)) if _ISO_DATE.match(str(value)) else _raise()
        except ValueError:
            self.fail(name, "is not a date; write it as YYYY-MM-DD, e.g. 2025-03-15")
            return None

    def amount(self, name: str, *, required: bool = True) -> int:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, "is missing; write the amount in kroner, e.g. 1249.50")
            return 0
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = repr(value)
        m = _AMOUNT.match(str(value))
        if m is None:
            self.fail(
                name,
                "is not an amount; write kroner with at most two decimals and no thousands "
                "separator, e.g. 1249.50 or 1249,50",
            )
            return 0
        sign = -1 if m.group(1) else 1
        ore = int(m.group(2)) * 100 + int((m.group(3) or "").ljust(2, "0"))
        return sign * ore

    def currency(self) -> str:
        value = (self.raw("currency") or "DKK").upper()
        if not _CURRENCY.match(value):
            self.fail("currency", "is not a currency code; write e.g. DKK or EUR")
        return value

    def email(self) -> str:
        value = self.text("email", max_len=254, free=False)
        if value and (refusal := sensitive.check_email(value)) is not None:
            self.fail("email", refusal.message)
            return ""
        return value

    def phone(self) -> str:
        value = self.text("phone", max_len=30, free=False)
        if value and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 8):
            self.fail("phone", "is not a phone number; write at least 8 digits, e.g. +45 12 34 56 78")
            return ""
        return value

    def address(self, prefix: str) -> dict[str, str]:
        return {
            "street": self.text(prefix + "street"),
            "postcode": self.text(prefix + "postcode", max_len=12),
            "city": self.text(prefix + "city", max_len=80),
            "country": (self.text(prefix + "country", max_len=2, free=False) or "DK").upper(),
        }

    def done(self) -> None:
        if self.errors:
            raise BadRow(self.errors)


def _raise() -> date:
    raise ValueError


_KEY = re.compile(r"^[\w.\-/]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^(-)?(\d{1,12})(?:[.,](\d{1,2}))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PHONE = re.compile(r"^\+?[\d ()\-]{8,25}$")


# -- record builders (shared by CSV and JSON) ------------------------------------------------------------------
def build_customer(r: _Row) -> CustomerIn:
    number = r.key("customer_number")
    contact = {
        "name": r.text("name", required=True),
        "address": r.address(""),
        "phone": r.phone(),
        "email": r.email(),
    }
    r.done()
    return CustomerIn(number, contact)


def _line(r: _Row, prefix: str) -> dict[str, Any] | None:
    sku = r.text(prefix + "sku", max_len=40)
    description = r.text(prefix + "description")
    if not sku and not description:
        return None
    quantity_raw = r.raw(prefix + "quantity") or 1
    try:
        quantity = int(str(quantity_raw))
    except ValueError:
        r.fail(prefix + "quantity", "is not a whole number")
        quantity = 0
    return {
        "sku": sku,
        "description": description,
        "quantity": quantity,
        "unit_price_ore": r.amount(prefix + "unit_price", required=False),
    }


def build_order(r: _Row, customer_number: str, lines: Iterable[dict[str, Any]] = ()) -> OrderIn:
    order = OrderIn(
        customer_number,
        r.key("order_number"),
        r.date("ordered_on", required=True) or date.min,
        r.date("delivered_on"),
        r.amount("total"),
        r.currency(),
        {"delivery": {"name": r.text("delivery_name"), **r.address("delivery_")}, "lines": list(lines)},
    )
    if order.delivered_on and order.ordered_on != date.min and order.delivered_on < order.ordered_on:
        r.fail("delivered_on", "is before ordered_on; check the dates")
    r.done()
    return order


def build_invoice(r: _Row, customer_number: str) -> InvoiceIn:
    invoice = InvoiceIn(
        customer_number,
        r.key("invoice_number"),
        r.date("invoice_date", required=True) or date.min,
        r.date("due_date"),
        r.amount("total"),
        r.currency(),
        r.text("order_number", max_len=40, free=False),
        {
            "name": r.text("billing_name", required=True),
            **r.address("billing_"),
            "customer_number": customer_number,
        },
    )
    r.done()
    return invoice


def build_payment(r: _Row, customer_number: str) -> PaymentIn:
    method = (r.raw("method") or "").lower()
    if method not in PAYMENT_METHODS:
        r.fail("method", f"must be one of {', '.join(sorted(PAYMENT_METHODS))}")
    reference = r.text("reference", max_len=40, free=False)
    if reference and (refusal := sensitive.check_masked_reference(reference)) is not None:
        r.fail("reference", refusal.message)
        reference = ""
    payment = PaymentIn(
        customer_number,
        r.key("payment_ref"),
        r.text("invoice_number", max_len=40, free=False),
        r.date("paid_on", required=True) or date.min,
        r.amount("amount"),
        r.currency(),
        method,
        reference,
    )
    r.done()
    return payment


def build_agreement(r: _Row, customer_number: str) -> AgreementIn:
    kind = (r.raw("kind") or "").lower()
    if kind not in {"oral", "written"}:
        r.fail("kind", "must be 'oral' or 'written'")
    agreement = AgreementIn(
        customer_number,
        r.key("agreement_ref"),
        kind,
        r.date("starts_on", required=True) or date.min,
        r.date("ends_on"),
        r.text("description", max_len=2000),
    )
    r.done()
    return agreement


# -- CSV -------------------------------------------------------------------------------------------------------
def _decoded_lines(stream: IO[bytes], name: str) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRow(
                [
                    RowError(
                        name,
                        number,
                        "",
                        "is not UTF-8 text; save the file as UTF-8 (in Excel: 'CSV UTF-8') and import again",
                    )
                ]
            ) from None
        yield text[1:] if number == 1 and text.startswith("\ufeff") else text


def detect_csv_kind(header: list[str], name: str) -> str:
    columns = set(header)
    for kind, (required, _optional) in CSV_COLUMNS.items():
        if set(required) <= columns and not (
            kind == "customers"
            and {"order_number", "invoice_number", "payment_ref", "agreement_ref"} & columns
        ):
            return kind
    raise BadRow(
        [
            RowError(
                name,
                1,
                "",
                "the header names no known kind of file; see docs/import-formats.md "
                "for the columns of customers, orders, invoices, payments and agreements",
            )
        ]
    )


def read_csv(
    stream: IO[bytes], name: str, kind: str | None = None, *, use_fast: bool = True
) -> Iterator[Unit | RowError]:
    """The rows of a CSV file as units, or errors. ``use_fast=False`` sends every line to the validator (tests)."""
    lines = _decoded_lines(stream, name)
    sample = next(lines, "")
    dialect = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(chain((sample,), lines), delimiter=dialect, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    kind = kind or detect_csv_kind(header, name)
    required, optional = CSV_COLUMNS[kind]
    if missing := [c for c in required if c not in header]:
        raise BadRow(
            [RowError(name, 1, c, f"column is missing from the header of this {kind} file") for c in missing]
        )
    if unknown := [c for c in header if c not in required and c not in optional]:
        raise BadRow(
            [
                RowError(
                    name,
                    1,
                    c,
                    f"is not a column of a {kind} file; rename or remove it (see docs/import-formats.md)",
                )
                for c in unknown
            ]
        )
    width = len(header)
    fast = None
    if use_fast and len(set(header)) == width:
        from persondata.register.import_fast import fast_csv  # the fast path builds on this module's records

        fast = fast_csv(kind, header, dialect)
    number = reader.line_num  # lines read so far
    pending: Unit | None = None  # orders: consecutive rows with the same order number are its lines
    for text in lines:
        number += 1
        if fast is not None:
            if kind == "orders":
                pending_number = pending.orders[0].order_number if pending is not None else None
                if (hit := fast.order(text, pending_number)) is not None:
                    line_item, order = hit
                    if order is None and pending is not None:  # a further line of the pending order
                        if line_item:
                            pending.orders[0].detail["lines"].append(line_item)
                    elif order is not None:
                        if pending is not None:
                            yield pending
                        pending = Unit(name, number, order.customer_number, orders=[order])
                    continue
            elif (unit := fast.record(text, name, number)) is not None:
                yield unit
                continue
        # the validator: one record (quoted fields may span lines), checked field by field
        # itertools.chain, not a generator: closing a generator that delegates would close ``lines`` too
        reader = csv.reader(chain((text,), lines), delimiter=dialect, strict=True)
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += reader.line_num - 1
            yield RowError(name, number, "", f"is not valid CSV ({exc}); check quoting")
            continue
        number += reader.line_num - 1
        line = number
        if not any(v.strip() for v in values):
            continue
        if len(values) != width:
            yield RowError(
                name,
                line,
                "",
                f"has {len(values)} columns, the header has {width}; check separators and quoting",
            )
            continue
        r = _Row(dict(zip(header, values, strict=True)), name, line)
        try:
            if kind == "orders":
                order_number = r.raw("order_number")
                line_item = _line(r, "line_")
                if pending is not None and pending.orders[0].order_number == order_number:
                    r.done()
                    if line_item:
                        pending.orders[0].detail["lines"].append(line_item)
                    continue
                if pending is not None:
                    yield pending
                    pending = None
                customer_number = r.key("customer_number")
                order = build_order(r, customer_number, [line_item] if line_item else [])
                pending = Unit(name, line, customer_number, orders=[order])
                continue
            yield _csv_unit(kind, r, name, line)
        except BadRow as bad:
            if (
                kind == "orders"
                and pending is not None
                and pending.orders[0].order_number == r.raw("order_number")
            ):
                pending = None  # a bad line spoils its whole order
            yield from bad.errors
    if pending is not None:
        yield pending


def _csv_unit(kind: str, r: _Row, name: str, line: int) -> Unit:
    if kind == "customers":
        customer = build_customer(r)
        return Unit(name, line, customer.customer_number, customer=customer)
    number = r.key("customer_number")
    builders: dict[str, Callable[[_Row, str], Any]] = {
        "invoices": build_invoice,
        "payments": build_payment,
        "agreements": build_agreement,
    }
    record = builders[kind](r, number)
    unit = Unit(name, line, number)
    getattr(unit, kind).append(record)
    return unit


# -- JSON ------------------------------------------------------------------------------------------------------
def _json_unit(obj: Any, name: str, line: int) -> Unit:
    if not isinstance(obj, dict):
        raise BadRow([RowError(name, line, "", "each customer must be a JSON object")])
    errors: list[RowError] = []
    allowed = {
        "customer_number",
        "name",
        "address",
        "phone",
        "email",
        "orders",
        "invoices",
        "payments",
        "agreements",
    }
    errors += [
        RowError(name, line, k, "is not a customer field; see docs/import-formats.md")
        for k in obj
        if k not in allowed
    ]
    flat = dict(obj)
    address = obj.get("address") or {}
    if not isinstance(address, dict):
        errors.append(
            RowError(name, line, "address", "must be an object with street, postcode, city, country")
        )
        address = {}
    flat.update({k: address.get(k) for k in ("street", "postcode", "city", "country")})
    unit = Unit(name, line)
    number = ""
    try:
        unit.customer = build_customer(_Row(flat, name, line))
        number = unit.customer_number = unit.customer.customer_number
    except BadRow as bad:
        errors += bad.errors

    def children(key: str) -> list[Any]:
        items = obj.get(key) or []
        if not isinstance(items, list):
            errors.append(RowError(name, line, key, "must be a list"))
            return []
        return items

    for i, o in enumerate(children("orders")):
        _child(
            o,
            f"orders[{i}].",
            name,
            line,
            errors,
            partial(lambda r, o: unit.orders.append(_json_order(r, o, number)), o=o),
        )
    for i, o in enumerate(children("invoices")):
        _child(
            o,
            f"invoices[{i}].",
            name,
            line,
            errors,
            partial(
                lambda r, o: unit.invoices.append(build_invoice(_with_address(r, o, "billing"), number)), o=o
            ),
        )
    for i, o in enumerate(children("payments")):
        _child(
            o, f"payments[{i}].", name, line, errors, lambda r: unit.payments.append(build_payment(r, number))
        )
    for i, o in enumerate(children("agreements")):
        _child(
            o,
            f"agreements[{i}].",
            name,
            line,
            errors,
            lambda r: unit.agreements.append(build_agreement(r, number)),
        )
    if errors:
        raise BadRow(errors)
    return unit


def _child(
    obj: Any, prefix: str, name: str, line: int, errors: list[RowError], build: Callable[[_Row], None]
) -> None:
    if not isinstance(obj, dict):
        errors.append(RowError(name, line, prefix.rstrip("."), "must be a JSON object"))
        return
    try:
        build(_Row(obj, name, line, prefix))
    except BadRow as bad:
        errors.extend(bad.errors)


def _with_address(r: _Row, obj: dict[str, Any], key: str) -> _Row:
    block = obj.get(key) or {}
    if isinstance(block, dict):
        r.values = {**obj, **{f"{key}_{k}": v for k, v in block.items()}}
    return r


def _json_order(r: _Row, obj: dict[str, Any], number: str) -> OrderIn:
    _with_address(r, obj, "delivery")
    lines = []
    for i, item in enumerate(obj.get("lines") or []):
        if isinstance(item, dict):
            lr = _Row({f"line_{k}": v for k, v in item.items()}, r.file, r.line, f"{r.prefix}lines[{i}].")
            if (parsed := _line(lr, "line_")) is not None:
                lines.append(parsed)
            r.errors.extend(lr.errors)
        else:
            r.fail(f"lines[{i}]", "must be a JSON object")
    return build_order(r, number, lines)


def read_json(stream: IO[bytes], name: str) -> Iterator[Unit | RowError]:
    """A JSON array of customers (or ``{"customers": [...]}``), streamed; line numbers are approximate starts."""
    head = stream.read(1024)
    stream.seek(0)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"{") and b'"customers"' not in head:
        yield from read_jsonl(stream, name)
        return
    prefix = "customers.item" if body.startswith(b"{") else "item"
    index = 0
    try:
        for index, obj in enumerate(ijson.items(stream, prefix, use_float=True), start=1):
            try:
                yield _json_unit(obj, name, index)
            except BadRow as bad:
                yield from bad.errors
    except ijson.JSONError as exc:
        raise BadRow(
            [RowError(name, index + 1, "", f"is not valid JSON after customer {index} ({exc})")]
        ) from None
    except UnicodeDecodeError:
        raise BadRow([RowError(name, index + 1, "", "is not UTF-8 text; save the file as UTF-8")]) from None


def read_jsonl(stream: IO[bytes], name: str) -> Iterator[Unit | RowError]:
    for line, text in enumerate(_decoded_lines(stream, name), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RowError(name, line, "", f"is not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        try:
            yield _json_unit(obj, name, line)
        except BadRow as bad:
            yield from bad.errors


def read_file(path: Path, stream: IO[bytes], kind: str | None = None) -> Iterator[Unit | RowError]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(stream, path.name, kind)
    if suffix in {".jsonl", ".ndjson"}:
        return read_jsonl(stream, path.name)
    if suffix == ".json":
        return read_json(stream, path.name)
    raise BadRow([RowError(path.name, 0, "", "has an unknown file type; use .csv, .json or .jsonl")])
