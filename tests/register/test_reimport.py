"""The nightly re-import (issue 17): unchanged rows are recognised by a keyed digest and skipped without sealing
or writing; changed rows are re-sealed; the digest holds no clear value; all-or-nothing still holds."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from persondata import demo, runtime
from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.core import sealing
from persondata.core.vault import Vault, name_tokens, normalize_customer_number
from persondata.keys import ring, store
from persondata.register import import_digest, import_raw
from persondata.register.importer import import_files
from persondata.register.models import RELEVANCE, Customer, Order
from persondata.register.rectify import rectify_customer
from persondata.requests.answers.held import import_dates
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

TABLES = ("customer", "customer_name_token", "customer_order", "invoice", "payment", "service_agreement")


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the register, every column (blobs, dates, runs, digests), and the key store's count."""
    with connection.cursor() as cur:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in TABLES:
            cur.execute(f"SELECT * FROM {table}")
            out[table] = sorted(tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cur)
    out["data_keys"] = [(store.counts()["data_key"],)]
    return out


@contextmanager
def _register_writes() -> Iterator[dict[str, int]]:
    """Counts the rows inserted, updated and deleted in the register's tables while the block runs: SQLite by
    temporary triggers, PostgreSQL by its per-transaction statistics (the test runs in one transaction)."""
    seen: dict[str, int] = {}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("CREATE TEMP TABLE register_writes (n INTEGER)")
            cur.execute("INSERT INTO register_writes VALUES (0)")
            for table in TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cur.execute(
                        f"CREATE TEMP TRIGGER count_{table}_{event} AFTER {event} ON main.{table} "
                        "BEGIN UPDATE register_writes SET n = n + 1; END"
                    )
        else:
            cur.execute("SELECT pg_stat_clear_snapshot()")

        def total() -> int:
            if connection.vendor == "sqlite":
                cur.execute("SELECT n FROM register_writes")
            else:
                cur.execute(
                    "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
                    "WHERE relname = ANY(%s)",
                    [list(TABLES)],
                )
            return int(cur.fetchone()[0])

        before = total()
        yield seen
        seen["writes"] = total() - before


def _cid(number: str) -> Any:
    blind = runtime.vault().blind_index("customer_number", normalize_customer_number(number))
    return Customer.objects.get(number_bidx=blind).id


def _contact(number: str) -> dict[str, Any]:
    cid = _cid(number)
    blob = Customer.objects.get(pk=cid).contact_blob
    contact = ring.CustomerKeys(cid).open(RELEVANCE, blob, sealing.contact(cid))
    assert contact is not None
    return contact


@pytest.fixture
def customers() -> list[dict[str, Any]]:
    return list(demo.customers(30, seed=11, today=TODAY))


def _csv(records: list[dict[str, Any]], folder: Path) -> list[Path]:
    return demo.write_csv(iter(records), folder)


@pytest.mark.parametrize("mode", ["all-or-nothing", "good-rows"])
def test_an_unchanged_reimport_writes_nothing_and_says_so(
    customers: list[dict[str, Any]], tmp_path: Path, mode: str
) -> None:
    paths = _csv(customers, tmp_path / "first")
    assert import_files(paths, now=NOW).status == "done"
    before = _snapshot()
    records = sum(len(before[t]) for t in ("customer", "customer_order", "invoice", "payment"))
    with _register_writes() as writes:
        report = import_files(paths, now=NOW, batch_rows=7, mode=mode)  # several batches
    assert report.status == "done" and report.error_count == 0
    assert writes["writes"] == 0
    assert _snapshot() == before  # not one column of one row changed: no new seal, run, date or digest
    assert sum(v for k, v in report.counts.items() if k.endswith("_unchanged")) == records
    assert not any(v for k, v in report.counts.items() if not k.endswith("_unchanged"))
    entry = AuditEntry.objects.filter(action="customer.import").order_by("-seq").first()
    assert entry is not None and entry.details["counts"]["customers_unchanged"] == len(customers)
    assert entry.details["counts"].get("customers_updated", 0) == 0


def test_a_changed_row_is_resealed_and_readable_and_only_it(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert import_files(_csv(customers, tmp_path / "first"), now=NOW).status == "done"
    changed = list(demo.changed(iter(customers), every=10))  # 0, 10, 20: a new phone; 5, 15, 25: new streets
    orders_changed = sum(len(customers[i]["orders"]) for i in (5, 15, 25))
    before = _snapshot()
    with _register_writes() as writes:
        report = import_files(_csv(changed, tmp_path / "second"), now=NOW, batch_rows=7)
    assert report.status == "done"
    assert report.counts["customers_updated"] == 3 and report.counts["customers_unchanged"] == 27
    assert report.counts["orders_updated"] == orders_changed
    assert report.counts["invoices_updated"] == 0 and report.counts["payments_updated"] == 0
    tokens = sum(len(name_tokens(customers[i]["name"])) for i in (0, 10, 20))  # each name token written anew
    assert writes["writes"] == 3 + orders_changed + 2 * tokens
    for i in (0, 10, 20):
        assert (
            _contact(customers[i]["customer_number"])["phone"] == changed[i]["phone"] != customers[i]["phone"]
        )
    assert _contact(customers[1]["customer_number"])["phone"] == customers[1]["phone"]
    for o in changed[5]["orders"]:
        row = Order.objects.get(order_number=o["order_number"])
        detail = ring.CustomerKeys(row.customer_id).open(
            RELEVANCE, row.detail_blob, sealing.order(row.order_number)
        )
        assert detail is not None and detail["delivery"]["street"] == o["delivery"]["street"]
    after = _snapshot()
    assert after["invoice"] == before["invoice"] and after["payment"] == before["payment"]
    # and the night after, the changed export is unchanged in its turn
    report = import_files(_csv(changed, tmp_path / "second"), now=NOW)
    assert report.counts["customers_unchanged"] == 30 and report.counts["customers_updated"] == 0


def test_the_digest_is_keyed_and_holds_no_clear_value(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    paths = _csv(customers, tmp_path)
    assert import_files(paths, now=NOW).status == "done"
    with connection.cursor() as cur:
        digests = []
        for table in ("customer", "customer_order", "invoice", "payment"):
            cur.execute(f"SELECT import_digest FROM {table}")
            digests += [bytes(d) for (d,) in cur.fetchall()]
    # a raw digest, then the nonces of the blobs: 12 bytes each, two for a customer
    assert len(digests) > len(customers) and all(len(d) in (28, 40) for d in digests)
    assert len({d[:16] for d in digests}) == len(digests)
    stored = b"\n".join(digests)
    for c in customers:
        for value in (c["customer_number"], c["name"], c["email"], c["phone"], c["address"]["street"]):
            assert value.encode() not in stored and value.encode().hex().encode() not in stored
    # it is the digest of the line under this installation's key, and another installation's key gives another
    first = customers[0]
    row = Customer.objects.get(pk=_cid(first["customer_number"]))
    lines = (
        (tmp_path / "customers.csv").read_bytes().split(b"\n")
    )  # a line's digest: its bytes but the line feed
    header = lines[0].decode().strip().split(",")
    line = next(x for x in lines[1:] if x.startswith(first["customer_number"].encode() + b","))
    context = import_raw.raw_context("customers", ",", header, b"fy 1-1")
    h = runtime.vault().import_digester(context)
    h.update(line)
    assert bytes(row.import_digest) == h.digest() + bytes(row.contact_blob)[:12] + bytes(row.number_blob)[:12]
    other = Vault(os.urandom(32)).import_digester(context)
    other.update(line)
    assert other.digest() != bytes(row.import_digest)[:16]


def test_a_staff_rectification_is_overwritten_by_the_next_import_as_before(
    customers: list[dict[str, Any]], tmp_path: Path, controller: Any
) -> None:
    """The source system stays the source of the register's data (docs/import-formats.md): a correction made
    here must be made there too, or the next import brings the old value back — digests do not change that."""
    paths = _csv(customers, tmp_path)
    assert import_files(paths, now=NOW).status == "done"
    number = customers[3]["customer_number"]
    with transaction.atomic():
        rectify_customer(
            Actor.for_user(controller, "rights_requests", "cli"),
            _cid(number),
            {"phone": "+45 99 88 77 66"},
            now=NOW,
        )
    assert _contact(number)["phone"] == "+45 99 88 77 66"
    report = import_files(paths, now=NOW)
    assert (
        report.counts["customers_updated"] == 1 and report.counts["customers_unchanged"] == len(customers) - 1
    )
    assert _contact(number)["phone"] == customers[3]["phone"]


def test_an_unchanged_row_keeps_the_day_it_arrived_and_an_emptied_one_is_imported_again(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert import_files(_csv(customers, tmp_path / "first"), now=NOW).status == "done"
    later = NOW + timedelta(days=3)
    emptied, changed = customers[7]["customer_number"], customers[0]["customer_number"]
    with connection.cursor() as cur:  # the retention sweep's statement for a deleted contact category
        cur.execute("UPDATE customer SET contact_blob = NULL WHERE id = %s", [_cid(emptied).hex])
    report = import_files(_csv(list(demo.changed(iter(customers), every=10)), tmp_path / "next"), now=later)
    assert report.counts["customers_updated"] == 4  # 0, 10, 20 changed; 7 emptied
    assert _contact(emptied)["name"] == customers[7]["name"]
    assert import_dates(_cid(customers[1]["customer_number"])) == [NOW.date()]
    assert import_dates(_cid(changed)) == [NOW.date(), later.date()]  # its orders came with the first


def test_rows_written_before_digests_are_compared_the_old_way_once(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    paths = _csv(customers, tmp_path)
    assert import_files(paths, now=NOW).status == "done"
    with connection.cursor() as cur:
        for table in ("customer", "customer_order", "invoice", "payment"):
            cur.execute(f"UPDATE {table} SET import_digest = NULL")
    report = import_files(paths, now=NOW)
    assert report.counts["customers_updated"] == len(customers) and not report.counts["customers_unchanged"]
    assert not Customer.objects.filter(import_digest__isnull=True).exists()
    assert import_files(paths, now=NOW).counts["customers_unchanged"] == len(customers)


@pytest.mark.parametrize("kind", ["customers", "orders"])
def test_an_unchanged_row_twice_in_one_import_is_still_refused(
    customers: list[dict[str, Any]], tmp_path: Path, kind: str
) -> None:
    assert import_files(_csv(customers, tmp_path / "first"), now=NOW).status == "done"
    before = _snapshot()
    again = [*customers, {**customers[2], "orders": [], "invoices": [], "payments": []}]
    if kind == "orders":
        donor = next(c for c in customers[:10] if c["orders"])  # its orders come again with the last customer
        again = [*customers[:-1], {**customers[-1], "orders": customers[-1]["orders"] + donor["orders"]}]
    paths = _csv(again, tmp_path / "again")
    report = import_files(paths, now=NOW, batch_rows=3)  # the repeat comes in a later batch than the first
    assert report.status == "rejected"
    assert any("twice" in e.reason for e in report.errors), report.errors
    assert _snapshot() == before


def test_a_bad_row_in_a_partly_changed_reimport_keeps_nothing(
    customers: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert import_files(_csv(customers, tmp_path / "first"), now=NOW).status == "done"
    before = _snapshot()
    changed = list(demo.changed(iter(customers), every=5))
    changed[-1] = {**changed[-1], "email": "not an e-mail"}
    report = import_files(_csv(changed, tmp_path / "second"), now=NOW, batch_rows=7)
    assert report.status == "rejected" and report.error_count == 1
    assert _snapshot() == before


def test_skipped_keys_keep_every_key_through_growth() -> None:
    keys = import_digest.SkippedKeys()
    rnd = random.Random(5)
    added = [f"O{rnd.randrange(10**9):09d}" for _ in range(5000)]
    for k in added:
        keys.add(k)
    assert keys.count == len(set(added))
    assert all(k in keys for k in added)
    others = {f"P{rnd.randrange(10**9):09d}" for _ in range(5000)}
    assert not any(k in keys for k in others)
    assert b"\x01" * 16 not in keys
