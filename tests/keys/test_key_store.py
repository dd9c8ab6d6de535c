"""The key store apart from the database (issue 12), through the real commands, on SQLite and on PostgreSQL.

An old copy of the main database, opened with the current key store after an erasure and a retention sweep,
yields no erased customer; the migration moves the keys out of the database and back with nothing lost.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clitools import ON_POSTGRES, cli_env, own_database, persondata

pytestmark = pytest.mark.slow

# The controller accepts the declarations, as on a first login (the CLI reads no customer data before that).
ACCEPT = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from persondata.access.gate import missing_acknowledgements
from persondata.access.staff import acknowledge

user = get_user_model().objects.get(username="controller")
with transaction.atomic():
    for text in missing_acknowledgements(user):
        acknowledge(user, text, timezone.now())
"""

# Pseudonymous facts only: the customers' ids, the ids the ledger names, and every stored key (by digest).
FACTS = """
import hashlib, json
import django
django.setup()
from django.db import connection
from persondata.keys import store
from persondata.rawsql import fetch, hx

def digest(w):
    return hashlib.sha256(bytes(w)).hexdigest()

tables = set(connection.introspection.table_names())
main = []
if "data_key" in tables:
    main = [[hx(c), k, digest(w)] for c, k, w in fetch("SELECT customer_id, klass, wrapped FROM data_key")]
columns = connection.introspection.get_table_description(connection.cursor(), "rights_request")
if "wrapped_key" in {c.name for c in columns}:
    main += [["request:" + hx(i), "request", digest(w)]
             for i, w in fetch("SELECT id, wrapped_key FROM rights_request WHERE wrapped_key IS NOT NULL")]
stored = [[hx(c), k, digest(w)] for c, k, w in fetch(f"SELECT customer_id, klass, wrapped FROM {store.DATA_KEY}")]
stored += [[o, k, digest(w)] for o, k, w in fetch(f"SELECT owner, klass, wrapped FROM {store.OWN_KEY}")]
print(json.dumps({
    "customers": sorted(hx(r[0]) for r in fetch("SELECT id FROM customer")),
    "ledger": sorted({hx(r[0]) for r in fetch("SELECT customer_id FROM retention_ledger WHERE klass = 'relevance'")}),
    "main_keys": sorted(main),
    "stored_keys": sorted(stored),
}))
"""


def facts(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", FACTS], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


# `persondata customers show` for many customers in one process: the command's own entry point, called once per
# customer, as the command line calls it (one process start instead of one per customer).
SHOW_ALL = """
import contextlib, io, json, sys
from persondata.cli import main

shown = {}
for cid in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["customers", "show", cid, "--user", "controller", "--purpose", "customer_service", "--json"])
    shown[cid] = [code, out.getvalue()]
print(json.dumps(shown))
"""


def show_all(env: dict[str, str], customers: list[str]) -> dict[str, str]:
    """What `customers show --json` prints for each customer (an exit code other than 0 fails the test)."""
    out = subprocess.run(
        [sys.executable, "-c", SHOW_ALL, *customers], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    failed = {cid: code for cid, (code, _) in shown.items() if code != 0}
    assert not failed, failed
    return {cid: printed for cid, (_, printed) in shown.items()}


@pytest.fixture
def installation(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[dict[str, str], str]]:
    """A demo home with 20 synthetic customers, on SQLite or (when the tests run on it) PostgreSQL."""
    home = tmp_path / "home"
    databases = own_database(home, f"_keys_{request.node.name[-16:].lower()}")
    try:
        url = next(databases)
        env = cli_env(home, url)
        persondata("init", env=env, timeout=300)
        persondata("demo", "--customers", "20", env=env, timeout=300)  # the customers alone: no demo requests
        subprocess.run([sys.executable, "-c", ACCEPT], env=env, check=True, timeout=120)
        yield env, url
    finally:
        databases.close()


def _old_copy(env: dict[str, str], url: str, tmp_path: Path) -> Path:
    """A copy of the main database as an operator backs it up: SQLite's backup API; pg_dump without the keys."""
    home = Path(env["PERSONDATA_HOME"])
    if not ON_POSTGRES:
        target = tmp_path / "old.sqlite3"
        with sqlite3.connect(home / "persondata.sqlite3") as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        assert not (tmp_path / "keys.sqlite3").exists()
        return target
    target = tmp_path / "old.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "--exclude-schema=persondata_keys", "-f", str(target), url],
        check=True,
        timeout=120,
    )
    return target


def _open_old_copy(env: dict[str, str], url: str, copy: Path) -> dict[str, str]:
    """The environment that reads the old copy with the current key store (PostgreSQL: restored in place)."""
    if not ON_POSTGRES:
        return {**env, "PERSONDATA_DATABASE_URL": f"sqlite:///{copy}"}
    subprocess.run(["pg_restore", "--clean", "--if-exists", "-d", url, str(copy)], check=True, timeout=120)
    return env


def _erase(env: dict[str, str], customer_number: str) -> None:
    out = persondata(
        "requests", "new", "--kind", "erasure", "--customer-number", customer_number, "--user", "controller",
        env=env,
    ).stdout  # fmt: skip
    match = re.search(r"PD-[A-Z0-9]{4}-[A-Z0-9]{4}", out)
    assert match, out
    ref = match.group(0)
    persondata("requests", "verify", ref, "--method", "known_contact", "--user", "controller", env=env)
    answered = persondata("requests", "answer", ref, "--confirm-erasure", "--user", "controller", env=env)
    assert "answered" in answered.stdout


def test_an_old_copy_of_the_database_yields_no_erased_customer(
    installation: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, url = installation
    before = facts(env)
    shown = {cid: json.loads(out) for cid, out in show_all(env, before["customers"]).items()}
    erased = before["customers"][0]
    number = shown[erased]["customer_number"]
    assert shown[erased]["contact"]["name"]
    copy = _old_copy(env, url, tmp_path)

    _erase(env, number)
    persondata("retention", "run", "--no-progress", env=env)
    after = facts(env)
    gone = set(after["ledger"]) | {erased}
    kept = [cid for cid in before["customers"] if cid not in gone]
    assert len(gone) >= 2 and kept, "the sweep should delete some customers and keep others"

    old = _open_old_copy(env, url, copy)
    assert facts(old)["customers"] == before["customers"]  # every erased row is back in the old copy …
    old_shown = show_all(old, before["customers"])
    for cid in gone:
        out = old_shown[cid]
        view = json.loads(out)
        assert view.get("contact") is None and view.get("customer_number") is None  # … and none can be read
        contact = shown[cid]["contact"] or {}
        for value in (
            contact.get("name"),
            contact.get("email"),
            contact.get("phone"),
            shown[cid]["customer_number"],
        ):
            assert not value or value not in out
    # the customers nobody erased read as before: their keys are in the key store
    for cid in kept:
        assert json.loads(old_shown[cid])["contact"] == shown[cid]["contact"]


MIGRATE_BACK = [sys.executable, "-m", "django", "migrate", "keys", "zero"]


def test_the_migration_moves_every_key_out_of_the_database_and_back(
    installation: tuple[dict[str, str], str],
) -> None:
    env, url = installation
    persondata(
        "requests", "new", "--kind", "access", "--email", "a@example.dk", "--user", "controller", env=env
    )
    moved = facts(env)
    assert not moved["main_keys"] and len(moved["stored_keys"]) > 20

    # back: the keys return to the database's own tables, every one unchanged
    subprocess.run(MIGRATE_BACK, env=env, check=True, timeout=120, capture_output=True)
    back = facts(env)
    assert back["main_keys"] == moved["stored_keys"]

    # a database from before the key store: no store at all; the migration moves the keys out again
    if ON_POSTGRES:
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute("DROP SCHEMA persondata_keys CASCADE")
    else:
        for path in Path(env["PERSONDATA_HOME"]).glob("keys.sqlite3*"):
            path.unlink()
    persondata("init", env=env, timeout=300)
    again = facts(env)
    assert not again["main_keys"] and again["stored_keys"] == moved["stored_keys"]
    show_all(env, again["customers"])  # every customer reads, through the command
    key_store = Path(env["PERSONDATA_HOME"]) / "keys.sqlite3"
    if not ON_POSTGRES:
        assert key_store.stat().st_mode & 0o777 == 0o600
    shutil.rmtree(Path(env["PERSONDATA_HOME"]) / "static", ignore_errors=True)
