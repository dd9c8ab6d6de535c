"""Reading the administrative system's JSON exports: one object per customer, carrying all their records.

Either JSON Lines (one customer per line) or a JSON array (or ``{"customers": [...]}``), streamed event by event
with ijson so memory stays flat whatever the file size. A customer is one unit: imported whole or not at all.
Field errors name their path inside the customer (``invoices[0].invoice_date``). Documented in
docs/import-formats.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any

import ijson
from django.utils.translation import gettext_noop

from persondata.register.import_formats import (
    NOT_UTF8,
    BadRow,
    OrderIn,
    RowError,
    Unit,
    _line,
    _Row,
    build_agreement,
    build_customer,
    build_invoice,
    build_order,
    build_payment,
    decoded_lines,
    unknown_name,
)

#: The fields of a customer object: its own, then its records (``_CHILDREN``).
_CUSTOMER_FIELDS = frozenset(
    {"customer_number", "name", "address", "phone", "email", "customer_since", "last_activity"}
)
_NOT_OBJECT = gettext_noop("must be a JSON object")


def _json_invoice(r: _Row, obj: dict[str, Any], number: str) -> Any:
    return build_invoice(_with_address(r, obj, "billing"), number)


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
            r.fail(f"lines[{i}]", _NOT_OBJECT)
    return build_order(r, number, lines)


#: A customer's lists of records: the Unit attribute (and JSON key) → how one record is built.
_CHILDREN: dict[str, Callable[[_Row, dict[str, Any], str], Any]] = {
    "orders": _json_order,
    "invoices": _json_invoice,
    "payments": lambda r, _obj, number: build_payment(r, number),
    "agreements": lambda r, _obj, number: build_agreement(r, number),
}


def _json_unit(obj: Any, name: str, line: int) -> Unit:
    if not isinstance(obj, dict):
        raise BadRow([RowError(name, line, "", gettext_noop("each customer must be a JSON object"))])
    errors = [
        RowError(
            name,
            line,
            unknown_name(k, i, "field"),
            gettext_noop("is not a field of a customer; rename or remove it (the fields: %(fields)s)"),
            {"fields": ", ".join((*sorted(_CUSTOMER_FIELDS), *_CHILDREN))},
        )
        for i, k in enumerate(obj, 1)
        if k not in _CUSTOMER_FIELDS and k not in _CHILDREN
    ]
    flat = dict(obj)
    address = obj.get("address") or {}
    if not isinstance(address, dict):
        errors.append(
            RowError(
                name,
                line,
                "address",
                gettext_noop("must be an object with street, postcode, city, country"),
            )
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
    for key, build in _CHILDREN.items():
        items = obj.get(key) or []
        if not isinstance(items, list):
            errors.append(RowError(name, line, key, gettext_noop("must be a list")))
            continue
        records = getattr(unit, key)
        for i, o in enumerate(items):
            _child(o, f"{key}[{i}].", name, line, errors, partial(_add, records, build, o, number))
    if errors:
        raise BadRow(errors)
    return unit


def _add(
    records: list[Any],
    build: Callable[[_Row, dict[str, Any], str], Any],
    obj: dict[str, Any],
    number: str,
    r: _Row,
) -> None:
    records.append(build(r, obj, number))


def _child(
    obj: Any, prefix: str, name: str, line: int, errors: list[RowError], build: Callable[[_Row], None]
) -> None:
    if not isinstance(obj, dict):
        errors.append(RowError(name, line, prefix.rstrip("."), _NOT_OBJECT))
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


def read_json(stream: IO[bytes], name: str) -> Iterator[Unit | RowError]:
    """A JSON array of customers (or ``{"customers": [...]}``), streamed; line numbers are approximate starts."""
    head = stream.read(1024)
    stream.seek(3 if head.startswith(b"\xef\xbb\xbf") else 0)  # ijson does not skip a byte-order mark
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
    except ijson.JSONError:
        # not ijson's message: it quotes the text around the fault, which may be personal data
        raise BadRow(
            [
                RowError(
                    name,
                    index + 1,
                    "",
                    gettext_noop(
                        "is not valid JSON after customer %(index)s; check the brackets, commas and quotes there"
                    ),
                    {"index": index},
                )
            ]
        ) from None
    except UnicodeDecodeError:
        raise BadRow([RowError(name, index + 1, "", NOT_UTF8)]) from None


def read_jsonl(stream: IO[bytes], name: str) -> Iterator[Unit | RowError]:
    for line, text in enumerate(decoded_lines(stream, name), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            # not the json module's English words: at which column is enough to find the fault
            yield RowError(
                name,
                line,
                "",
                gettext_noop("is not valid JSON at column %(column)s; check the brackets, commas and quotes"),
                {"column": exc.colno},
            )
            continue
        try:
            yield _json_unit(obj, name, line)
        except BadRow as bad:
            yield from bad.errors
