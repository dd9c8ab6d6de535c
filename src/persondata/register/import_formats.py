"""The import's records and their validation, shared by the CSV reader (``import_csv``) and the JSON reader
(``import_json``): what a customer, order, invoice, payment and agreement may hold, and how each field is read.

Streaming: files are read line by line (CSV, JSON Lines) or event by event (JSON arrays, with ijson), so memory
stays flat whatever the file size. Every problem becomes a :class:`RowError` naming file, line, field and the fix;
the offending *value* is never repeated (it may be personal data). The formats are documented, with examples, in
docs/import-formats.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext, gettext_noop

from persondata.core import sensitive

KINDS = ("customers", "agreements", "orders", "invoices", "payments")

# The columns of each CSV kind; the first set is required, the rest optional. Detected from the header row.
CSV_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "customers": (
        ("customer_number", "name"),
        ("street", "postcode", "city", "country", "phone", "email", "customer_since", "last_activity"),
    ),
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
    """What is wrong in a file, a line or a field, and the fix. ``message`` is an English msgid (marked with
    ``gettext_noop``, so the catalogue has it) whose ``%(name)s`` are filled from ``params``: numbers and column
    names, never a value of the file. :meth:`text` says it in the active language (the screen, the errors file),
    :attr:`reason` in English; the params are plain values, so an error can be kept as JSON and said later."""

    file: str
    line: int
    field: str
    message: str
    params: dict[str, str | int] = dataclasses.field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.message % self.params if self.params else self.message

    def text(self) -> str:
        """The reason in the active language."""
        said = gettext(self.message)
        return said % self.params if self.params else said

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.text()}" if self.field else f"{where}: {self.text()}"


class BadRow(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass(slots=True)
class CustomerIn:
    customer_number: str
    contact: dict[str, Any]  # name, address{street,postcode,city,country}, phone, email
    # the source system's dates, if its export gives them: retention counts from them (RULES R2)
    customer_since: date | None = None
    last_activity: date | None = None


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
    digest: bytes | None = None  # CSV: the raw digest of its record (``register.import_raw``), if it has one

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

    def fail(self, name: str, message: str, **params: str | int) -> None:
        self.errors.append(RowError(self.file, self.line, self.prefix + name, message, params))

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return value.strip() if isinstance(value, str) else value

    def text(self, name: str, *, required: bool = False, max_len: int = 200, free: bool = True) -> str:
        value: Any = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.fail(name, gettext_noop("is missing; it is required"))
            return ""
        if value.__class__ is not str:
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(name, gettext_noop("must be text"))
                return ""
            value = str(value)
        if len(value) > max_len:
            self.fail(name, gettext_noop("is longer than %(max)s characters; shorten it"), max=max_len)
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
            self.fail(name, gettext_noop("may contain only letters, digits and - _ . / ; check the export"))
            return ""
        return value

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, gettext_noop("is missing; write the date as YYYY-MM-DD"))
            return None
        try:
            return date.fromisoformat(str(value)) if _ISO_DATE.match(str(value)) else _raise()
        except ValueError:
            self.fail(name, gettext_noop("is not a date; write it as YYYY-MM-DD, e.g. 2025-03-15"))
            return None

    def amount(self, name: str, *, required: bool = True) -> int:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, gettext_noop("is missing; write the amount in kroner, e.g. 1249.50"))
            return 0
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = repr(value)
        m = _AMOUNT.match(str(value))
        if m is None:
            self.fail(
                name,
                gettext_noop(
                    "is not an amount; write kroner with at most two decimals and no thousands "
                    "separator, e.g. 1249.50 or 1249,50"
                ),
            )
            return 0
        sign = -1 if m.group(1) else 1
        ore = int(m.group(2)) * 100 + int((m.group(3) or "").ljust(2, "0"))
        return sign * ore

    def currency(self) -> str:
        value = (self.raw("currency") or "DKK").upper()
        if not _CURRENCY.match(value):
            self.fail("currency", gettext_noop("is not a currency code; write e.g. DKK or EUR"))
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
            self.fail(
                "phone", gettext_noop("is not a phone number; write at least 8 digits, e.g. +45 12 34 56 78")
            )
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


_FIELD_NAME = re.compile(r"^[a-z][a-z_]{0,39}$")


def unknown_name(name: str, position: int, what: str = "column") -> str:
    """How an error names a column or field the import does not know: by its name if it looks like one, else by
    its position (``column 3``, in the active language). A file without its header has a customer's data where the
    names should be, and the value must not come back in the errors."""
    if _FIELD_NAME.match(name):
        return name
    said = gettext("column %(position)s") if what == "column" else gettext("field %(position)s")
    return said % {"position": position}


NOT_UTF8 = gettext_noop("is not UTF-8 text; save the file as UTF-8 (in Excel: 'CSV UTF-8') and import again")
#: a record whose number is in the import twice (the raw pass and the writer both find them)
TWICE = {"customers": gettext_noop("appears twice in this import; keep one row per customer")}
TWICE_ANY = gettext_noop("appears twice in this import; each must be unique")

#: The earliest source-system date the import takes: anything older is a typo or a placeholder (0001-01-01).
EARLIEST_SOURCE_DATE = date(1900, 1, 1)


def decoded_lines(stream: IO[bytes], name: str) -> Iterator[str]:
    """The lines of a UTF-8 file (CSV, JSON Lines), without a byte-order mark; not UTF-8 → :class:`BadRow`."""
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
                        NOT_UTF8,
                    )
                ]
            ) from None
        yield text[1:] if number == 1 and text.startswith("\ufeff") else text


# -- record builders (shared by CSV and JSON) ------------------------------------------------------------------
def build_customer(r: _Row) -> CustomerIn:
    number = r.key("customer_number")
    contact = {
        "name": r.text("name", required=True),
        "address": r.address(""),
        "phone": r.phone(),
        "email": r.email(),
    }
    since, last = r.date("customer_since"), r.date("last_activity")
    for name, day in (("customer_since", since), ("last_activity", last)):
        if day is not None and day < EARLIEST_SOURCE_DATE:
            r.fail(
                name,
                gettext_noop("is before %(year)s; check the export (write YYYY-MM-DD)"),
                year=EARLIEST_SOURCE_DATE.year,
            )
    if since and last and last < since and since >= EARLIEST_SOURCE_DATE:
        r.fail("last_activity", gettext_noop("is before customer_since; check both dates in the export"))
    r.done()
    return CustomerIn(number, contact, since, last)


def _line(r: _Row, prefix: str) -> dict[str, Any] | None:
    sku = r.text(prefix + "sku", max_len=40)
    description = r.text(prefix + "description")
    if not sku and not description:
        return None
    quantity_raw = r.raw(prefix + "quantity")
    if quantity_raw is None or quantity_raw == "":  # not ``or 1``: a JSON quantity 0 is a quantity
        quantity_raw = 1
    try:
        quantity = int(str(quantity_raw))
    except ValueError:
        r.fail(prefix + "quantity", gettext_noop("is not a whole number"))
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
        r.fail("delivered_on", gettext_noop("is before ordered_on; check the dates"))
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
        r.fail(
            "method", gettext_noop("must be one of %(choices)s"), choices=", ".join(sorted(PAYMENT_METHODS))
        )
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
        r.fail("kind", gettext_noop("must be 'oral' or 'written'"))
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
