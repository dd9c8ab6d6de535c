"""Import from the administrative system: formats, idempotency, every kind of bad row, all-or-nothing."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from persondata import demo
from persondata.audit.models import AuditEntry
from persondata.keys import store
from persondata.register.importer import import_files
from persondata.register.models import Customer, ImportRun, Invoice, Order, Payment, ServiceAgreement
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    counts = {m.__name__: m.objects.count() for m in (Customer, Order, Invoice, Payment, ServiceAgreement)}
    return {**counts, "DataKey": store.counts()["data_key"]}


def _expected(records: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "Customer": len(records),
        "Order": sum(len(r["orders"]) for r in records),
        "Invoice": sum(len(r["invoices"]) for r in records),
        "Payment": sum(len(r["payments"]) for r in records),
    }


def test_jsonl_import_then_reimport_is_idempotent(demo_files: Callable[..., Path]) -> None:
    path = demo_files(30)
    records = list(demo.customers(30, seed=7, today=TODAY))
    first = import_files([path], now=NOW)
    assert first.status == "done" and first.error_count == 0
    after_first = _counts()
    assert {k: after_first[k] for k in _expected(records)} == _expected(records)
    assert first.counts["customers_created"] == 30

    second = import_files([path], now=NOW)
    assert second.status == "done"
    # unchanged rows are recognised by their digest and left alone (tests/register/test_reimport.py)
    assert second.counts["customers_unchanged"] == 30 and second.counts["customers_created"] == 0
    assert second.counts["customers_updated"] == 0
    assert _counts() == after_first  # idempotent: nothing doubled, no new keys


def test_csv_files_import_in_dependency_order(tmp_path: Path) -> None:
    records = list(demo.customers(25, seed=3, today=TODAY))
    paths = demo.write_csv(iter(records), tmp_path)
    report = import_files(list(reversed(paths)), now=NOW)  # payments first on the command line
    assert report.status == "done", report.errors
    assert {k: v for k, v in _counts().items() if k in _expected(records)} == _expected(records)
    lines_in = sum(len(o["lines"]) for r in records for o in r["orders"])
    from persondata.register.services import Actor  # noqa: F401 - imported for the side effect of app loading

    assert lines_in >= Order.objects.count()


def test_json_array_and_wrapped_object(tmp_path: Path) -> None:
    records = list(demo.customers(5, seed=4, today=TODAY))
    (tmp_path / "a.json").write_text(json.dumps(records[:3]), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"customers": records[3:]}), encoding="utf-8")
    report = import_files([tmp_path / "a.json", tmp_path / "b.json"], now=NOW)
    assert report.status == "done", report.errors
    assert Customer.objects.count() == 5


CUSTOMER_HEADER = "customer_number,name,street,postcode,city,country,phone,email\n"
GOOD = "K1,Ida Holm,Vestergade 1,8000,Aarhus C,DK,+45 20 30 40 50,ida@example.dk\n"


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


BAD_ROWS = [
    (
        "missing field",
        "customers.csv",
        CUSTOMER_HEADER + GOOD + "K2,,Vej 2,8000,Aarhus,DK,,\n",
        3,
        "name",
        "missing",
    ),
    (
        "bad e-mail",
        "customers.csv",
        CUSTOMER_HEADER + GOOD + "K2,Bo Lund,Vej 2,8000,Aarhus,DK,,bo-at-example\n",
        3,
        "email",
        "not an e-mail",
    ),
    (
        "bad phone",
        "customers.csv",
        CUSTOMER_HEADER + GOOD + "K2,Bo Lund,Vej 2,8000,Aarhus,DK,12ab,\n",
        3,
        "phone",
        "phone number",
    ),
    ("duplicate", "customers.csv", CUSTOMER_HEADER + GOOD + GOOD, 3, "customer_number", "twice"),
    (
        "CPR-shaped text",
        "customers.csv",
        CUSTOMER_HEADER + GOOD + "K2,Bo Lund 010190-1234,Vej 2,8000,Aarhus,DK,,\n",
        3,
        "name",
        "CPR",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "text", "line", "field", "reason"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS]
)
def test_bad_customer_rows(
    tmp_path: Path, case: str, name: str, text: str, line: int, field: str, reason: str
) -> None:
    path = _write(tmp_path, name, text)
    report = import_files([path], now=NOW)
    assert report.status == "rejected"
    assert Customer.objects.count() == 0  # all-or-nothing: the good row is not kept either
    [err] = report.errors
    assert (err.file, err.line, err.field) == (name, line, field)
    assert reason.lower() in err.reason.lower()
    # good-rows mode keeps the good row and reports the bad one in the errors file
    errors_file = tmp_path / "errors.csv"
    report = import_files([path], mode="good-rows", now=NOW, errors_file=errors_file)
    assert Customer.objects.count() == 1
    rows = list(csv.DictReader(errors_file.open(encoding="utf-8")))
    assert [(r["file"], int(r["line"]), r["field"]) for r in rows] == [(name, line, field)]


DATED_HEADER = "customer_number,name,customer_since,last_activity\n"
BAD_SOURCE_DATES = [
    ("not ISO", "K2,Bo Lund,01-03-2021,\n", "customer_since", "write it as YYYY-MM-DD"),
    ("impossible", "K2,Bo Lund,2021-02-30,\n", "customer_since", "not a date"),
    ("placeholder", "K2,Bo Lund,0001-01-01,\n", "customer_since", "before 1900; check the export"),
    ("activity first", "K2,Bo Lund,2021-03-01,2020-01-01\n", "last_activity", "before customer_since"),
    (
        "after the import",
        "K2,Bo Lund,2021-03-01,2026-11-26\n",
        "last_activity",
        "after the day of the import",
    ),
]


@pytest.mark.parametrize(
    ("case", "row", "field", "reason"), BAD_SOURCE_DATES, ids=[b[0] for b in BAD_SOURCE_DATES]
)
def test_bad_source_system_dates_name_row_field_and_fix(
    tmp_path: Path, case: str, row: str, field: str, reason: str
) -> None:
    path = _write(tmp_path, "customers.csv", DATED_HEADER + "K1,Ida Holm,2019-04-01,2026-11-25\n" + row)
    report = import_files([path], now=NOW)
    assert report.status == "rejected" and Customer.objects.count() == 0
    [err] = report.errors
    assert (err.file, err.line, err.field) == ("customers.csv", 3, field)
    assert reason in err.reason
    assert "01-03-2021" not in str(err) and "2020-01-01" not in str(err)  # the value is never repeated


def test_source_system_dates_are_stored_from_csv_and_json(tmp_path: Path) -> None:
    csv_path = _write(
        tmp_path, "customers.csv", DATED_HEADER + "K1,Ida Holm,2019-04-01,2024-11-20\nK2,Bo Lund,,\n"
    )
    row = {"customer_number": "K3", "name": "Eva Berg", "customer_since": "2018-01-02", "last_activity": None}
    json_path = _write(tmp_path, "more.jsonl", json.dumps(row) + "\n")
    report = import_files([csv_path, json_path], now=NOW)
    assert report.status == "done", report.errors
    dates = sorted(Customer.objects.values_list("customer_since", "last_activity"), key=str)
    assert dates == sorted(
        [(date(2019, 4, 1), date(2024, 11, 20)), (None, None), (date(2018, 1, 2), None)], key=str
    )


def test_a_bad_source_date_in_json_names_its_field(tmp_path: Path) -> None:
    row = {"customer_number": "K3", "name": "Eva Berg", "customer_since": "2018-13-02"}
    report = import_files([_write(tmp_path, "c.jsonl", json.dumps(row) + "\n")], now=NOW)
    [err] = report.errors
    assert (err.line, err.field) == (1, "customer_since") and "YYYY-MM-DD" in err.reason


def _customers_and(tmp_path: Path, name: str, text: str) -> list[Path]:
    return [_write(tmp_path, "customers.csv", CUSTOMER_HEADER + GOOD), _write(tmp_path, name, text)]


INVOICE_HEADER = "customer_number,invoice_number,invoice_date,total,billing_name\n"
PAYMENT_HEADER = "customer_number,payment_ref,paid_on,amount,method,reference\n"


@pytest.mark.parametrize(
    ("name", "text", "field", "reason"),
    [
        (
            "invoices.csv",
            INVOICE_HEADER + "K9,F1,2025-03-15,100.00,Ida Holm\n",
            "customer_number",
            "no customer",
        ),
        ("invoices.csv", INVOICE_HEADER + "K1,F1,15-03-2025,100.00,Ida Holm\n", "invoice_date", "YYYY-MM-DD"),
        ("invoices.csv", INVOICE_HEADER + "K1,F1,2025-02-30,100.00,Ida Holm\n", "invoice_date", "not a date"),
        ("invoices.csv", INVOICE_HEADER + "K1,F1,2025-03-15,1.000.00,Ida Holm\n", "total", "amount"),
        (
            "payments.csv",
            PAYMENT_HEADER + "K1,P1,2025-03-15,100.00,card,4111 1111 1111 1111\n",
            "reference",
            "card",
        ),
        ("payments.csv", PAYMENT_HEADER + "K1,P1,2025-03-15,100.00,card,12345678\n", "reference", "mask"),
        ("payments.csv", PAYMENT_HEADER + "K1,P1,2025-03-15,100.00,bitcoin,\n", "method", "one of"),
    ],
    ids=[
        "unknown customer",
        "danish date",
        "impossible date",
        "thousands separator",
        "card number",
        "unmasked reference",
        "bad method",
    ],
)
def test_bad_accounting_rows(tmp_path: Path, name: str, text: str, field: str, reason: str) -> None:
    report = import_files(_customers_and(tmp_path, name, text), now=NOW)
    assert report.status == "rejected"
    assert _counts()["Customer"] == 0
    [err] = report.errors
    assert (err.file, err.line, err.field) == (name, 2, field)
    assert reason.lower() in err.reason.lower()


def test_wrong_encoding_names_file_and_line(tmp_path: Path) -> None:
    text = (CUSTOMER_HEADER + GOOD + "K2,Søren Ørn,Vej 2,8000,Århus,DK,,\n").encode("latin-1")
    report = import_files([_write(tmp_path, "customers.csv", text)], now=NOW)
    assert report.status == "rejected"
    [err] = report.errors
    assert (err.file, err.line) == ("customers.csv", 3) and "UTF-8" in err.reason


def test_unknown_column_and_wrong_width(tmp_path: Path) -> None:
    report = import_files([_write(tmp_path, "customers.csv", CUSTOMER_HEADER.strip() + ",cpr\n")], now=NOW)
    assert [(e.line, e.field) for e in report.errors] == [(1, "cpr")]
    report = import_files([_write(tmp_path, "customers.csv", CUSTOMER_HEADER + "K1,Ida\n")], now=NOW)
    assert report.errors[0].line == 2 and "columns" in report.errors[0].reason


def test_error_messages_never_repeat_the_value(tmp_path: Path) -> None:
    secret = "hemmelig.person@example"
    report = import_files(
        [_write(tmp_path, "customers.csv", CUSTOMER_HEADER + f"K1,Ida Holm,,,,,,{secret}\n")], now=NOW
    )
    assert report.errors and all(secret not in str(e) for e in report.errors)


def test_json_customer_with_one_bad_child_is_left_out_whole(tmp_path: Path) -> None:
    records = list(demo.customers(3, seed=5, today=TODAY))
    victim = next(r for r in records if r["invoices"])
    victim["invoices"][0]["invoice_date"] = "not a date"
    path = demo.write_jsonl(iter(records), tmp_path / "c.jsonl")
    report = import_files([path], mode="good-rows", now=NOW)
    assert report.error_count == 1 and report.errors[0].field == "invoices[0].invoice_date"
    assert Customer.objects.count() == 2  # the customer is not half-written: no customer, no orders of theirs
    assert Order.objects.count() == sum(len(r["orders"]) for r in records if r is not victim)


def test_malformed_json_reports_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.json", '[{"customer_number": "K1", "name": "Ida Holm"}, {"customer_number": ')
    report = import_files([path], now=NOW)
    assert report.status == "rejected" and "not valid JSON" in report.errors[0].reason
    assert Customer.objects.count() == 0


def test_import_run_is_recorded_without_personal_data(tmp_path: Path) -> None:
    import_files([_write(tmp_path, "customers.csv", CUSTOMER_HEADER + GOOD)], now=NOW)
    run = ImportRun.objects.get()
    assert run.status == "done" and run.counts["customers_created"] == 1
    assert "Ida" not in json.dumps(run.files) + json.dumps(run.counts)
    entry = AuditEntry.objects.get(action="customer.import")
    assert entry.target == f"import:{run.pk}" and entry.details["counts"]["customers_created"] == 1
    assert "Ida" not in json.dumps(entry.details) and "K1" not in json.dumps(entry.details)


def _register_indexes() -> set[tuple[str, str]]:
    tables = ["customer", "customer_name_token", "customer_order", "invoice", "payment", "service_agreement"]
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
                f"({', '.join(['%s'] * len(tables))})",
                tables,
            )
        else:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        return set(cur.fetchall())


def test_a_first_load_builds_the_same_indexes_again_and_a_rejected_one_keeps_them(tmp_path: Path) -> None:
    before = _register_indexes()
    assert len(before) >= 8  # blind indexes and per-customer indexes
    bad = _write(tmp_path, "customers.csv", CUSTOMER_HEADER + GOOD + "K2,,,,,,,\n")
    assert import_files([bad], now=NOW).status == "rejected"  # the first load into the empty register fails
    assert _register_indexes() == before and Customer.objects.count() == 0
    paths = demo.write_csv(demo.customers(20, seed=9, today=TODAY), tmp_path / "csv")
    assert import_files(paths, now=NOW).status == "done"
    assert _register_indexes() == before
    with connection.cursor() as cur:  # the rebuilt indexes answer lookups
        cur.execute("SELECT COUNT(*) FROM customer WHERE email_bidx IS NOT NULL")
        assert cur.fetchone()[0] == 20
