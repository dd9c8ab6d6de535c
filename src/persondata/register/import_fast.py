"""The CSV import's fast path: one compiled pattern per file recognises a well-formed line whole.

The validator in ``import_formats`` reads a row field by field and names every problem. That costs a Python call
per field — most of an import's time (issue 2: ≥ 50,000 rows/s). Nearly every line of a real export is
well-formed, so for each file one regular expression, built from its header, matches a line whose every field
has a shape the validator accepts (trimmed, short enough, no quotes, no separators), and the record is built
from the match directly. A line the pattern does not take, or that a remaining check finds doubtful (an
impossible date, a long run of digits in free text, delivery before ordering, an unknown payment method…), goes
to the validator, which gives the same record or the precise errors.

So the pattern may refuse more than the validator, never accept more, and what it builds must equal what the
validator builds: ``tests/register/test_import_fast.py`` reads generated files both ways and requires equal
results. Service agreements are rare and have no fast path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from persondata.core import sensitive
from persondata.register.import_formats import (
    EARLIEST_SOURCE_DATE,
    PAYMENT_METHODS,
    CustomerIn,
    InvoiceIn,
    OrderIn,
    PaymentIn,
    Unit,
)

# column → shape, per kind; the shapes are those the validator's readers accept (``_Row.text`` with its
# max_len, ``key``, ``date``, ``amount``, ``currency``, ``phone``, ``email``, the order line's quantity)
_SHAPES: dict[str, dict[str, tuple[str, int]]] = {
    "customers": {
        "customer_number": ("key", 40),
        "name": ("required", 200),
        "street": ("text", 200),
        "postcode": ("text", 12),
        "city": ("text", 80),
        "country": ("text", 2),
        "phone": ("phone", 0),
        "email": ("email", 0),
        "customer_since": ("date", 0),
        "last_activity": ("date", 0),
    },
    "orders": {
        "customer_number": ("key", 40),
        "order_number": ("key", 40),
        "ordered_on": ("date", 1),
        "total": ("amount", 1),
        "delivered_on": ("date", 0),
        "currency": ("currency", 0),
        "delivery_name": ("text", 200),
        "delivery_street": ("text", 200),
        "delivery_postcode": ("text", 12),
        "delivery_city": ("text", 80),
        "delivery_country": ("text", 2),
        "line_sku": ("text", 40),
        "line_description": ("text", 200),
        "line_quantity": ("quantity", 0),
        "line_unit_price": ("amount", 0),
    },
    "invoices": {
        "customer_number": ("key", 40),
        "invoice_number": ("key", 40),
        "invoice_date": ("date", 1),
        "total": ("amount", 1),
        "billing_name": ("required", 200),
        "due_date": ("date", 0),
        "currency": ("currency", 0),
        "order_number": ("text", 40),
        "billing_street": ("text", 200),
        "billing_postcode": ("text", 12),
        "billing_city": ("text", 80),
        "billing_country": ("text", 2),
    },
    "payments": {
        "customer_number": ("key", 40),
        "payment_ref": ("key", 40),
        "paid_on": ("date", 1),
        "amount": ("amount", 1),
        "method": ("method", 0),
        "invoice_number": ("text", 40),
        "currency": ("currency", 0),
        "reference": ("text", 40),
    },
}
_NONE = "_none"  # a group that always matches "": what an absent optional column reads as
_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _fragment(column: str, shape: str, size: int, delimiter: str) -> str:
    """The pattern of one field; every group is named after its column (amounts: ``c``, ``c__i``, ``c__f``)."""
    d = re.escape(delimiter)
    char = f'[^"{d}\\x00-\\x1f]'  # anything but a quote, the separator and control characters (line ends)
    solid = f'[^\\s"{d}\\x00-\\x1f]'  # … and not white space: a field that trimming would not change
    g = f"(?P<{column}>"
    if shape in ("text", "required"):
        body = f"{solid}(?:{char}{{0,{size - 2}}}{solid})?"
        return f"{g}{body})" if shape == "required" else f"{g}(?:{body})?)"
    if shape == "key":
        return f"{g}[\\w.\\-/]{{1,{size}}})"
    if shape == "date":
        return f"{g}{_DATE})" if size else f"{g}(?:{_DATE})?)"
    if shape == "amount":
        separators = re.escape(".,".replace(delimiter, ""))
        body = f"{g}-?)(?P<{column}__i>[0-9]{{1,12}})(?:[{separators}](?P<{column}__f>[0-9]{{1,2}}))?"
        return body if size else f"(?:{body})?"
    if shape == "currency":
        return f"{g}(?:[A-Za-z]{{3}})?)"
    if shape == "quantity":
        return f"{g}(?:[0-9]{{1,9}})?)"
    if shape == "method":
        return f"{g}[A-Za-z]{{1,12}})"
    if shape == "phone":  # ``_PHONE`` and at least 8 digits, counted inside the field
        return f"{g}(?:(?! )\\+?(?=(?:[ ()\\-]*[0-9]){{8}})[0-9 ()\\-]{{8,25}}(?<! ))?)"
    if shape == "email":  # ``sensitive._EMAIL`` without the characters a fast field never holds
        part = f'[^@\\s"{d}\\x00-\\x1f]'
        return f"{g}(?:{part}+@{part}+\\.{part}{{2,}})?)"
    raise ValueError(shape)


def _ore(sign: str | None, whole: str | None, fraction: str | None) -> int:
    """Øre of a matched amount, as ``_Row.amount`` computes it; an empty optional amount is 0."""
    if not whole:
        return 0
    ore = int(whole) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
    return -ore if sign else ore


def _long_number(*free: str) -> bool:
    """Free text with a long digit run needs the validator's CPR and card checks (``_Row.text``); the same
    test as the validator's (``sensitive.might_hold_number``), and a NUL between fields joins no digit runs."""
    return sensitive.might_hold_number("\x00".join(free))


class FastCsv:
    """Matches well-formed lines of one CSV file; ``None`` from a method means: ask the validator."""

    __slots__ = ("_build", "_fields", "_match")

    def __init__(self, kind: str, header: list[str], delimiter: str) -> None:
        shapes = _SHAPES[kind]
        pattern = delimiter.join(_fragment(c, *shapes[c], delimiter) for c in header)
        self._match = re.compile(f"{pattern}(?P<{_NONE}>)\\r?\\n?\\Z").match
        names: list[str] = []
        for column, (shape, _size) in shapes.items():
            parts = (column, f"{column}__i", f"{column}__f") if shape == "amount" else (column,)
            names.extend(p if column in header else _NONE for p in parts)
        self._fields = names
        self._build: Callable[..., Any] = getattr(self, f"_{kind}")

    def record(self, text: str, file: str, line: int) -> Unit | None:
        """A customers, invoices or payments line as its unit."""
        m = self._match(text)
        if m is None:
            return None
        rec = self._build(*m.group(*self._fields))
        if rec is None:
            return None
        if isinstance(rec, CustomerIn):
            return Unit(file, line, rec.customer_number, customer=rec)
        if isinstance(rec, InvoiceIn):
            return Unit(file, line, rec.customer_number, invoices=[rec])
        return Unit(file, line, rec.customer_number, payments=[rec])

    def order(self, text: str, pending: str | None) -> tuple[dict[str, Any] | None, OrderIn | None] | None:
        """An orders line: its order line, and the order unless it continues the ``pending`` order number."""
        m = self._match(text)
        if m is None:
            return None
        return self._orders(pending, *m.group(*self._fields))

    # -- builders, in the validator's field order (``build_customer`` …) -------------------------------------
    @staticmethod
    def _customers(
        number: str,
        name: str,
        street: str,
        postcode: str,
        city: str,
        country: str,
        phone: str,
        email: str,
        since: str,
        last: str,
    ) -> CustomerIn | None:
        if len(email) > 254 or _long_number(name, street, postcode, city):
            return None
        try:
            customer_since = date.fromisoformat(since) if since else None
            last_activity = date.fromisoformat(last) if last else None
        except ValueError:
            return None
        if any(d is not None and d < EARLIEST_SOURCE_DATE for d in (customer_since, last_activity)) or (
            customer_since and last_activity and last_activity < customer_since
        ):
            return None
        address = {"street": street, "postcode": postcode, "city": city, "country": (country or "DK").upper()}
        contact = {"name": name, "address": address, "phone": phone, "email": email}
        return CustomerIn(number, contact, customer_since, last_activity)

    @staticmethod
    def _orders(
        pending: str | None,
        number: str,
        order_number: str,
        ordered: str,
        total_sign: str,
        total: str,
        total_fraction: str | None,
        delivered: str,
        currency: str,
        name: str,
        street: str,
        postcode: str,
        city: str,
        country: str,
        sku: str,
        description: str,
        quantity: str,
        price_sign: str | None,
        price: str | None,
        price_fraction: str | None,
    ) -> tuple[dict[str, Any] | None, OrderIn | None] | None:
        if _long_number(name, street, postcode, city, sku, description):
            return None
        line = (
            {
                "sku": sku,
                "description": description,
                "quantity": int(quantity) if quantity else 1,
                "unit_price_ore": _ore(price_sign, price, price_fraction),
            }
            if sku or description
            else None
        )
        if order_number == pending:
            return line, None
        try:
            ordered_on = date.fromisoformat(ordered)
            delivered_on = date.fromisoformat(delivered) if delivered else None
        except ValueError:
            return None
        if delivered_on is not None and delivered_on < ordered_on:
            return None
        delivery = {
            "name": name,
            "street": street,
            "postcode": postcode,
            "city": city,
            "country": (country or "DK").upper(),
        }
        order = OrderIn(
            number,
            order_number,
            ordered_on,
            delivered_on,
            _ore(total_sign, total, total_fraction),
            (currency or "DKK").upper(),
            {"delivery": delivery, "lines": [line] if line else []},
        )
        return line, order

    @staticmethod
    def _invoices(
        number: str,
        invoice_number: str,
        invoiced: str,
        total_sign: str,
        total: str,
        total_fraction: str | None,
        name: str,
        due: str,
        currency: str,
        order_number: str,
        street: str,
        postcode: str,
        city: str,
        country: str,
    ) -> InvoiceIn | None:
        if _long_number(name, street, postcode, city):
            return None
        try:
            invoice_date = date.fromisoformat(invoiced)
            due_date = date.fromisoformat(due) if due else None
        except ValueError:
            return None
        snapshot = {
            "name": name,
            "street": street,
            "postcode": postcode,
            "city": city,
            "country": (country or "DK").upper(),
            "customer_number": number,
        }
        return InvoiceIn(
            number,
            invoice_number,
            invoice_date,
            due_date,
            _ore(total_sign, total, total_fraction),
            (currency or "DKK").upper(),
            order_number,
            snapshot,
        )

    @staticmethod
    def _payments(
        number: str,
        payment_ref: str,
        paid: str,
        sign: str,
        amount: str,
        fraction: str | None,
        method: str,
        invoice_number: str,
        currency: str,
        reference: str,
    ) -> PaymentIn | None:
        method = method.lower()
        if method not in PAYMENT_METHODS or (
            reference and sensitive.check_masked_reference(reference) is not None
        ):
            return None
        try:
            paid_on = date.fromisoformat(paid)
        except ValueError:
            return None
        return PaymentIn(
            number,
            payment_ref,
            invoice_number,
            paid_on,
            _ore(sign, amount, fraction),
            (currency or "DKK").upper(),
            method,
            reference,
        )


def fast_csv(kind: str, header: list[str], delimiter: str) -> FastCsv | None:
    """The fast path for a file of ``kind`` with this header, if the kind has one."""
    return FastCsv(kind, header, delimiter) if kind in _SHAPES else None
