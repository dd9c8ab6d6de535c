"""Reading the administrative system's CSV exports: one file per kind, the kind recognised from the header.

Each line goes first to the fast path (``import_fast``: one pattern per file takes a well-formed line whole)
and, if the fast path does not take it, to the validator (``import_formats._Row``), which reads it field by
field and names every problem. Orders are one row per order line; consecutive rows with the same order number
are one order, and a bad line spoils its whole order. The columns are documented in docs/import-formats.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO, Any

from django.utils.translation import gettext_noop

from persondata.register.import_fast import FastCsv, fast_csv
from persondata.register.import_formats import (
    CSV_COLUMNS,
    BadRow,
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
from persondata.register.import_raw import RawImport, RawLines

_BUILDERS: dict[str, Callable[[_Row, str], Any]] = {
    "invoices": build_invoice,
    "payments": build_payment,
    "agreements": build_agreement,
}

#: one sentence per kind: the kind is a word to translate, not a key to fill in
_MISSING = {
    "customers": gettext_noop("column is missing from the first line of this file of customers; add it"),
    "agreements": gettext_noop("column is missing from the first line of this file of agreements; add it"),
    "orders": gettext_noop("column is missing from the first line of this file of orders; add it"),
    "invoices": gettext_noop("column is missing from the first line of this file of invoices; add it"),
    "payments": gettext_noop("column is missing from the first line of this file of payments; add it"),
}
_UNKNOWN = {
    "customers": gettext_noop(
        "is not a column of a file of customers; rename or remove it (its columns: %(columns)s)"
    ),
    "agreements": gettext_noop(
        "is not a column of a file of agreements; rename or remove it (its columns: %(columns)s)"
    ),
    "orders": gettext_noop(
        "is not a column of a file of orders; rename or remove it (its columns: %(columns)s)"
    ),
    "invoices": gettext_noop(
        "is not a column of a file of invoices; rename or remove it (its columns: %(columns)s)"
    ),
    "payments": gettext_noop(
        "is not a column of a file of payments; rename or remove it (its columns: %(columns)s)"
    ),
}
#: the csv module's own words (English, sometimes naming a character of the file) → what to say instead
_CSV_FAULTS = (
    (
        "field larger than field limit",
        gettext_noop(
            "has a field longer than the CSV limit; check quoting (an open quote takes in the lines after it)"
        ),
    ),
    ("line contains NUL", gettext_noop("contains a NUL character; save the file again as CSV UTF-8")),
    ("unexpected end of data", gettext_noop("ends inside a quoted field; close the quote")),
    ("expected after", gettext_noop("has a character right after a closing quote; check quoting")),
)


def not_valid_csv(exc: csv.Error, name: str, line: int) -> RowError:
    """A line the csv module cannot read, said without the module's English (nor a character of the file)."""
    said = str(exc)
    message = next(
        (m for fault, m in _CSV_FAULTS if fault in said), gettext_noop("is not valid CSV; check quoting")
    )
    return RowError(name, line, "", message)


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
                gettext_noop(
                    "the first line names no known kind of file; it must hold the column names of customers, "
                    "orders, invoices, payments or agreements, as the import's documentation lists them"
                ),
            )
        ]
    )


def _check_header(header: list[str], kind: str, name: str) -> None:
    """Every required column present and no unknown one: a typo must not silently drop data."""
    required, optional = CSV_COLUMNS[kind]
    if missing := [c for c in required if c not in header]:
        raise BadRow([RowError(name, 1, c, _MISSING[kind]) for c in missing])
    if unknown := [(i, c) for i, c in enumerate(header, 1) if c not in required and c not in optional]:
        raise BadRow(
            [
                RowError(
                    name,
                    1,
                    unknown_name(c, i),
                    _UNKNOWN[kind],
                    {"columns": ", ".join((*required, *optional))},
                )
                for i, c in unknown
            ]
        )


def read_csv(
    stream: IO[bytes],
    name: str,
    kind: str | None = None,
    *,
    use_fast: bool = True,
    raw: RawImport | None = None,
) -> Iterator[Unit | RowError]:
    """The rows of a CSV file as units, or errors. ``use_fast=False`` sends every line to the validator (tests).
    With ``raw`` the records the register already holds unchanged are skipped unread (``import_raw``)."""
    lines = decoded_lines(stream, name)
    sample = next(lines, "")
    dialect = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(chain((sample,), lines), delimiter=dialect, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:  # the header itself broken (an unclosed quote, a field past csv's size limit)
        raise BadRow([not_valid_csv(exc, name, 1)]) from None
    kind = kind or detect_csv_kind(header, name)
    _check_header(header, kind, name)
    fast = fast_csv(kind, header, dialect) if use_fast and len(set(header)) == len(header) else None
    csv_file = _CsvFile(name, kind, header, dialect, fast, reader.line_num)
    if (
        raw is not None and reader.line_num == 1
    ):  # past a one-line header the stream is at the first data line
        csv_file.raw = raw.lines(stream, name, kind, header, dialect, 1)
        yield from csv_file.units(csv_file.raw.lines())
    else:
        yield from csv_file.units(lines)


class _CsvFile:
    """One CSV file past its header: its lines in order, and the order whose lines may still be coming."""

    def __init__(
        self, name: str, kind: str, header: list[str], dialect: str, fast: FastCsv | None, number: int
    ) -> None:
        self.name, self.kind, self.header, self.dialect, self.fast = name, kind, header, dialect, fast
        self.number = number  # lines read so far
        self.pending: Unit | None = None  # orders: consecutive rows with the same order number are its lines
        self.raw: RawLines | None = None  # the raw pass in front of the parser, if any

    # long on purpose: the parser's loop over a file's lines, with the raw pass's marks and digests
    def units(self, lines: Iterator[str | None]) -> Iterator[Unit | RowError]:
        raw = self.raw
        for text in lines:
            if raw is not None:
                if raw.errors:
                    yield from raw.errors
                    raw.errors.clear()
                if text is None:  # skipped records: an order pending ends before them
                    if self.pending is not None:
                        yield self._digested(self.pending)
                        self.pending = None
                    continue
                self.number = raw.number
            else:
                self.number += 1
            assert text is not None
            if self.fast is not None:
                taken, unit = self._fast(text)
                if unit is not None:
                    yield self._digested(unit)
                if taken:
                    continue
            # the validator: one record (quoted fields may span lines), checked field by field
            # itertools.chain, not a generator: closing a generator that delegates would close ``lines`` too
            reader = csv.reader(chain((text,), lines), delimiter=self.dialect, strict=True)  # type: ignore[arg-type]
            if raw is not None:
                raw.hold = True
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                self.number = raw.number if raw is not None else self.number + reader.line_num - 1
                yield not_valid_csv(exc, self.name, self.number)
                continue
            finally:
                if raw is not None:
                    raw.hold = False
            self.number = raw.number if raw is not None else self.number + reader.line_num - 1
            for item in self._validated(values):
                yield self._digested(item) if isinstance(item, Unit) else item
        if raw is not None and raw.errors:
            yield from raw.errors
            raw.errors.clear()
        if self.pending is not None:
            yield self._digested(self.pending)

    def _digested(self, unit: Unit) -> Unit:
        """The unit with the raw digest of its record, if the raw pass handed that record out whole."""
        if self.raw is not None:
            unit.digest = self.raw.digests.pop(unit.line, None)
        return unit

    def _fast(self, text: str) -> tuple[bool, Unit | None]:
        """(whether the fast path took the line, a unit it completed)."""
        assert self.fast is not None
        if self.kind != "orders":
            unit = self.fast.record(text, self.name, self.number)
            return unit is not None, unit
        pending = self.pending
        hit = self.fast.order(text, pending.orders[0].order_number if pending is not None else None)
        if hit is None:
            return False, None
        line_item, order = hit
        if order is None:  # a further line of the pending order
            if line_item and pending is not None:
                pending.orders[0].detail["lines"].append(line_item)
            return True, None
        self.pending = Unit(self.name, self.number, order.customer_number, orders=[order])
        return True, pending

    def _validated(self, values: list[str]) -> Iterator[Unit | RowError]:
        line, width = self.number, len(self.header)
        if not any(v.strip() for v in values):
            return
        if len(values) != width:
            yield RowError(
                self.name,
                line,
                "",
                gettext_noop("has %(found)s columns, the header has %(width)s; check separators and quoting"),
                {"found": len(values), "width": width},
            )
            return
        r = _Row(dict(zip(self.header, values, strict=True)), self.name, line)
        try:
            if self.kind == "orders":
                yield from self._order_line(r)
            else:
                yield _csv_unit(self.kind, r, self.name, line)
        except BadRow as bad:
            pending = self.pending
            if (
                self.kind == "orders"
                and pending is not None
                and pending.orders[0].order_number == r.raw("order_number")
            ):
                self.pending = None  # a bad line spoils its whole order
            yield from bad.errors

    def _order_line(self, r: _Row) -> Iterator[Unit]:
        line_item = _line(r, "line_")
        pending = self.pending
        if pending is not None and pending.orders[0].order_number == r.raw("order_number"):
            r.done()
            if line_item:
                pending.orders[0].detail["lines"].append(line_item)
            return
        if pending is not None:
            yield pending
            self.pending = None
        customer_number = r.key("customer_number")
        order = build_order(r, customer_number, [line_item] if line_item else [])
        self.pending = Unit(self.name, r.line, customer_number, orders=[order])


def _csv_unit(kind: str, r: _Row, name: str, line: int) -> Unit:
    if kind == "customers":
        customer = build_customer(r)
        return Unit(name, line, customer.customer_number, customer=customer)
    number = r.key("customer_number")
    record = _BUILDERS[kind](r, number)
    unit = Unit(name, line, number)
    getattr(unit, kind).append(record)
    return unit
