"""The re-import's raw pass (``register.import_raw``): a CSV record is skipped unread only when its bytes are
those the register holds; any change, in any column of any line of any file, brings the record back to the
parser and the writer."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from persondata import demo
from persondata.core import sealing
from persondata.keys import ring
from persondata.register import import_raw
from persondata.register.import_formats import PAYMENT_METHODS
from persondata.register.importer import import_files
from persondata.register.models import RELEVANCE, Customer, Order
from tests.conftest import NOW, TODAY
from tests.register.test_reimport import _cid, _register_writes, _snapshot

pytestmark = pytest.mark.django_db

# a record's identity: changed, it is another record
KEYS = {"customers": 1, "orders": 2, "invoices": 2, "payments": 2}  # the first columns


@pytest.fixture
def customers() -> list[dict[str, Any]]:
    return list(demo.customers(40, seed=23, today=TODAY))


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _changed(column: str, value: str) -> str:
    """Another value the import accepts for ``column``."""
    if column.endswith(("_on", "_date")):
        return (date.fromisoformat(value) - timedelta(days=1)).isoformat()
    if column in ("total", "amount", "line_unit_price", "line_quantity", "phone"):
        return value[:-1] + str((int(value[-1]) + 1) % 10 or 1)
    if column.endswith("country"):
        return "SE" if value != "SE" else "NO"
    if column == "method":
        return sorted(PAYMENT_METHODS - {value})[0]
    if column == "email":
        return "x" + value
    if column == "reference":
        return "**** 4321" if value != "**** 4321" else "**** 1234"
    return value + "x"


def _mutable(kind: str, header: list[str], rows: list[list[str]], column: str) -> list[int]:
    """The rows of ``rows`` where ``column`` may be changed into another accepted value."""
    at = header.index(column)
    out = []
    for i, row in enumerate(rows):
        if not row[at] or (column in ("line_quantity", "phone") and row[at][-1] == "9"):
            continue
        if kind == "orders":
            first = i == 0 or rows[i - 1][1] != row[1]
            multi = (i + 1 < len(rows) and rows[i + 1][1] == row[1]) or not first
            if column.startswith("line_") != (multi and not first):  # order lines: a later line of an order
                continue
            if column == "delivered_on" and row[at] <= row[header.index("ordered_on")]:
                continue
        out.append(i)
    return out


def test_a_change_in_any_column_of_any_file_is_imported(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    paths = demo.write_csv(iter(customers), tmp_path / "first")
    first = import_files(paths, now=NOW)
    assert first.status == "done"
    second = demo.write_csv(iter(customers), tmp_path / "second")
    changed: dict[str, set[str]] = {}  # kind → the keys of the records changed
    lines_changed: dict[str, tuple[str, str]] = {}
    columns = 0
    for path in second:
        kind = path.stem
        header, *rows = _read(path)
        taken: set[str] = set()
        for column in header:
            if column in header[: KEYS[kind]]:
                continue
            at = 0 if kind == "customers" else 1
            candidates = [i for i in _mutable(kind, header, rows, column) if rows[i][at] not in taken]
            assert candidates, (kind, column)
            i = candidates[0]
            key = rows[i][at]
            columns += 1
            rows[i][header.index(column)] = _changed(column, rows[i][header.index(column)])
            taken.add(key)
            if column == "line_description":
                lines_changed[key] = (rows[i][header.index("line_sku")], rows[i][header.index(column)])
        changed[kind] = taken
        _write(path, [header, *rows])
    assert sum(len(v) for v in changed.values()) == columns == 7 + 12 + 9 + 5 == 33  # all but the keys
    report = import_files(second, now=NOW + timedelta(days=1))
    assert report.status == "done", report.errors
    for kind, keys in changed.items():
        assert report.counts[f"{kind}_updated"] == len(keys), (kind, report.counts)
    assert sum(v for k, v in report.counts.items() if k.endswith("_created")) == 0
    with connection.cursor() as cur:  # exactly the changed records carry the new run
        for kind, table, key in (
            ("orders", "customer_order", "order_number"),
            ("invoices", "invoice", "invoice_number"),
            ("payments", "payment", "payment_ref"),
        ):
            cur.execute(f"SELECT {key} FROM {table} WHERE import_run_id = %s", [report.run_id])
            assert {k for (k,) in cur.fetchall()} == changed[kind]
    # a later line of an order, changed, is in the order as sealed now
    (number, (sku, description)), *_ = lines_changed.items()
    row = Order.objects.get(order_number=number)
    detail = ring.CustomerKeys(row.customer_id).open(RELEVANCE, row.detail_blob, sealing.order(number))
    assert detail is not None and {"sku": sku, "description": description} in [
        {"sku": x["sku"], "description": x["description"]} for x in detail["lines"]
    ]
    # and the night after, all of it is unchanged: nothing written
    with _register_writes() as writes:
        again = import_files(second, now=NOW + timedelta(days=2))
    assert writes["writes"] == 0 and again.rows_read == report.rows_read
    assert not any(v for k, v in again.counts.items() if not k.endswith("_unchanged"))


def test_an_order_that_lost_or_gained_a_line_is_imported(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert import_files(demo.write_csv(iter(customers), tmp_path / "first"), now=NOW).status == "done"
    multi = next(c for c in customers if any(len(o["lines"]) > 1 for o in c["orders"]))
    order = next(o for o in multi["orders"] if len(o["lines"]) > 1)
    single = next(o for c in customers for o in c["orders"] if len(o["lines"]) == 1)
    lost = {**order, "lines": order["lines"][:-1]}
    gained = {**single, "lines": [*single["lines"], {**single["lines"][0], "sku": "EXTRA-1"}]}
    swap = {order["order_number"]: lost, single["order_number"]: gained}
    changed = [{**c, "orders": [swap.get(o["order_number"], o) for o in c["orders"]]} for c in customers]
    report = import_files(demo.write_csv(iter(changed), tmp_path / "second"), now=NOW)
    assert report.status == "done" and report.counts["orders_updated"] == 2
    for o in (lost, gained):
        row = Order.objects.get(order_number=o["order_number"])
        detail = ring.CustomerKeys(row.customer_id).open(
            RELEVANCE, row.detail_blob, sealing.order(o["order_number"])
        )
        assert detail is not None and [x["sku"] for x in detail["lines"]] == [x["sku"] for x in o["lines"]]


def test_quoted_and_blank_lines_are_parsed_and_still_recognised(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A line with a quote (here a field across two lines) is never skipped unread, nor is an order next to one;
    the writer still recognises them unchanged by the digest of their fields."""
    order = next(o for c in customers for o in c["orders"] if len(o["lines"]) > 1)
    order["lines"][1]["description"] = 'Kabel, "2 m"\nsort'
    paths = demo.write_csv(iter(customers), tmp_path / "first")
    orders = paths[1]
    orders.write_bytes(orders.read_bytes().replace(b"\r\n", b"\r\n\r\n", 3))  # blank lines among the first
    assert import_files(paths, now=NOW).status == "done"
    before = _snapshot()
    with _register_writes() as writes:
        report = import_files(paths, now=NOW, batch_rows=5)
    assert report.status == "done" and writes["writes"] == 0 and _snapshot() == before
    assert report.counts["orders_unchanged"] == Order.objects.count()
    order["lines"][1]["description"] = 'Kabel, "3 m"\nsort'
    report = import_files(demo.write_csv(iter(customers), tmp_path / "second"), now=NOW)
    assert (
        report.counts["orders_updated"] == 1
        and report.counts["orders_unchanged"] == Order.objects.count() - 1
    )


@pytest.mark.parametrize("how", ["the same line twice", "a changed copy first"])
def test_a_record_skipped_unread_twice_in_one_import_is_refused(
    customers: list[dict[str, Any]], tmp_path: Path, how: str
) -> None:
    paths = demo.write_csv(iter(customers), tmp_path / "first")
    assert import_files(paths, now=NOW).status == "done"
    before = _snapshot()
    header, *rows = _read(paths[3])  # payments
    copy = list(rows[-1])
    if how == "a changed copy first":
        copy[header.index("amount")] = _changed("amount", copy[header.index("amount")])
        rows.insert(0, copy)
    else:
        rows.append(copy)
    _write(paths[3], [header, *rows])
    report = import_files(paths, now=NOW, batch_rows=3)  # the copies in different batches
    assert report.status == "rejected"
    assert [(e.field, e.reason) for e in report.errors] == [
        ("payment_ref", "appears twice in this import; each must be unique")
    ]
    assert _snapshot() == before


def test_an_error_after_skipped_lines_names_its_own_line(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    paths = demo.write_csv(iter(customers), tmp_path / "first")
    assert import_files(paths, now=NOW).status == "done"
    header, *rows = _read(paths[0])
    rows[30][header.index("email")] = "not an e-mail"
    _write(paths[0], [header, *rows])
    report = import_files(paths, now=NOW)
    assert report.status == "rejected"
    assert [(e.file, e.line, e.field) for e in report.errors] == [("customers.csv", 32, "email")]


def test_the_records_of_a_customer_who_lost_their_number_are_not_skipped(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    """The retention sweep empties a customer's number and keeps their accounting records: the same lines again
    are no longer that customer's, and are imported as they were before digests (a new customer here)."""
    paths = demo.write_csv(iter(customers), tmp_path / "first")
    assert import_files(paths, now=NOW).status == "done"
    c = next(c for c in customers if c["orders"] and c["invoices"])
    old = _cid(c["customer_number"])
    with connection.cursor() as cur:  # the sweep's statement (retention.deletion)
        cur.execute("UPDATE customer SET number_blob = NULL, number_bidx = NULL WHERE id = %s", [old.hex])
    report = import_files(paths, now=NOW)
    assert report.status == "done"
    new = _cid(c["customer_number"])
    assert new != old and Customer.objects.filter(pk=old).exists()
    assert report.counts["customers_created"] == 1
    assert report.counts["orders_updated"] == len(c["orders"])
    assert {
        o.customer_id for o in Order.objects.filter(order_number__in=[o["order_number"] for o in c["orders"]])
    } == {new}


def test_customers_absent_from_the_export_are_left_as_they_are(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert import_files(demo.write_csv(iter(customers), tmp_path / "first"), now=NOW).status == "done"
    before = _snapshot()
    with _register_writes() as writes:
        report = import_files(demo.write_csv(iter(customers[5:]), tmp_path / "fewer"), now=NOW)
    assert report.status == "done" and writes["writes"] == 0 and _snapshot() == before
    assert report.counts["customers_unchanged"] == len(customers) - 5


def test_known_digests_are_found_only_whole() -> None:
    """A digest is found at its own place in its bucket, never across two neighbours; its state goes known →
    skipped, and a rewritten row's digest is no longer taken as unchanged."""
    first, second = bytes(range(16)), bytes(range(16, 32))
    known = import_raw.Known(first + second + bytes(range(100, 116)))
    assert known.take(bytes(range(8, 24))) == -1  # the tail of one and the head of the next
    assert known.take(second) == 0 and known.take(second) == 1
    assert known.was_skipped(second + b"n" * 12) and not known.was_skipped(first + b"n" * 12)
    known.rewritten(first + b"n" * 12)
    assert known.take(first) == 2
    many = [bytes([i % 251, i // 251 % 251, 7, i % 13]) + b"\x01" * 12 for i in range(5000)]
    big = import_raw.Known(b"".join(many))
    assert all(big.take(d) == 0 for d in many) and big.take(b"\x02" * 16) == -1
