"""Issue 12, end to end through the commands, on SQLite and (with PERSONDATA_DATABASE_URL) PostgreSQL: back up;
erase a customer by a request and let the sweep delete others; restore the backup; the app — the command line
and the WSGI app's health endpoint — refuses to serve until the deletion ledger is replayed; then none of them is
readable. And the restore drill passes and is recorded."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from persondata.backups import container
from tests.clitools import ON_POSTGRES, cli_env, init_home, own_database, persondata

pytestmark = pytest.mark.slow

WSGI_HEALTH = """
import sys
from persondata.wsgi import application
seen = []
body = b"".join(application(
    {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/health", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
     "wsgi.url_scheme": "http", "wsgi.input": sys.stdin.buffer, "HTTP_HOST": "localhost",
     "HTTP_ACCEPT_LANGUAGE": "en"},
    lambda status, headers: seen.append(status),
))
print(seen[0].split()[0], body.decode()[:400])
"""


def _ids(env: dict[str, str]) -> set[str]:
    """The customers the database holds (ids, read straight from the database, as an operator could)."""
    url = env["PERSONDATA_DATABASE_URL"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            return {r[0].lower() for r in con.execute("SELECT id FROM customer")}
    import psycopg

    with psycopg.connect(url) as con:
        return {r[0].hex for r in con.execute("SELECT id FROM customer")}


def _restricted(env: dict[str, str]) -> set[tuple[str, str]]:
    """The active restrictions of processing: (customer id, reason)."""
    query = "SELECT customer_id, reason FROM restriction WHERE lifted_at IS NULL"
    url = env["PERSONDATA_DATABASE_URL"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            return {(r[0].lower(), r[1]) for r in con.execute(query)}
    import psycopg

    with psycopg.connect(url) as con:
        return {(r[0].hex, r[1]) for r in con.execute(query)}


def _request(env: dict[str, str], kind: str, number: str, *answer: str) -> None:
    user = ("--user", "controller")
    out = persondata("requests", "new", "--kind", kind, "--customer-number", number, *user, env=env).stdout
    ref = re.search(r"PD-[0-9A-Z]{4}-[0-9A-Z]{4}", out).group(0)  # type: ignore[union-attr]
    persondata("requests", "verify", ref, "--method", "in_person", *user, env=env)
    persondata("requests", "answer", ref, *answer, *user, env=env, timeout=300)


def _access_log(env: dict[str, str]) -> list[tuple[object, ...]]:
    """Every access-log entry (SQLite: its own file beside the database; PostgreSQL: a table of the database)."""
    query = "SELECT id, at, staff_id, customer_id, purpose FROM access_log ORDER BY id"
    url = env["PERSONDATA_DATABASE_URL"]
    if url.startswith("sqlite"):
        with sqlite3.connect(Path(env["PERSONDATA_HOME"]) / "access-log.sqlite3") as con:
            return [tuple(r) for r in con.execute(query)]
    import psycopg

    with psycopg.connect(url) as con:
        return [tuple(r) for r in con.execute(query)]


def _health(env: dict[str, str]) -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", WSGI_HEALTH], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout.strip()
    status, _, body = out.partition(" ")
    return status, body


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[tuple[dict[str, str], list[dict[str, object]]]]:
    home = tmp_path / "home"
    databases = own_database(home, "_backup_e2e")
    try:
        env = cli_env(home, next(databases))
        init_home(env=env, timeout=300)
        persondata("staff", "accept", "--as", "controller", "--yes", "--language", "en", env=env)
        files = tmp_path / "files"
        persondata("demo", "--customers", "40", "--seed", "7", "--out", str(files), env=env)
        persondata("import", *map(str, sorted(files.iterdir())), "--no-progress", env=env, timeout=300)
        records = [json.loads(line) for line in (files / "customers.jsonl").read_text().splitlines()]
        yield env, records
    finally:
        databases.close()


def test_a_restored_backup_serves_no_erased_customer(
    installation: tuple[dict[str, str], list[dict[str, object]]], tmp_path: Path
) -> None:
    env, records = installation
    user = ("--user", "controller")
    first = str(records[0]["customer_number"])
    persondata("customers", "find", first, "--purpose", "rights_requests", *user, env=env)  # a read, logged
    persondata("backup", *user, env=env)
    [backup] = (Path(env["PERSONDATA_HOME"]) / "backups").glob("*.pdbak")
    logged = _access_log(env)
    held = _ids(env)

    # the customer with the newest order is erased by a request; the sweep deletes those past their day
    newest = max(records, key=lambda r: max((o["ordered_on"] for o in r["orders"]), default=""))  # type: ignore[attr-defined]
    number, email = str(newest["customer_number"]), str(newest["email"])
    shown = persondata("customers", "find", number, "--purpose", "rights_requests", *user, env=env).stdout
    erased_id = uuid.UUID(shown.split()[0]).hex
    _request(env, "erasure", number, "--confirm-erasure")
    # another customer asks for a restriction of processing (Art. 18) after the backup was taken
    by_orders = sorted(records, key=lambda r: max((o["ordered_on"] for o in r["orders"]), default=""))  # type: ignore[attr-defined]
    other = str(by_orders[-2]["customer_number"])
    found = persondata("customers", "find", other, "--purpose", "rights_requests", *user, env=env).stdout
    restricted_id = uuid.UUID(found.split()[0]).hex
    _request(env, "restriction", other, "--reason", "accuracy_disputed")
    persondata("retention", "run", "--no-progress", env=env, timeout=300)
    swept = held - _ids(env) - {erased_id}
    assert swept, "the demo register has customers past their deletion day"
    restrictions = _restricted(env)
    assert {(erased_id, "erasure_request"), (restricted_id, "accuracy_disputed")} <= restrictions

    # restored, and stopped before the replay: nothing serves or reads the database
    persondata("restore", str(backup), "--stop-before-replay", *user, env=env, timeout=300)
    assert _ids(env) == held  # the backup's customers are back, the erased and the swept too
    assert not {erased_id, restricted_id} & {cid for cid, _ in _restricted(env)}  # their restrictions lost
    if not ON_POSTGRES:  # the access log's own file is in the backup, and came back with the database
        with backup.open("rb") as f:
            assert container.read_manifest(f)[0]["counts"]["backup_access_log"] == len(logged) > 0
    assert _access_log(env) == logged  # PostgreSQL: a table of the database, restored with it
    for args in (("serve", "--bind", "127.0.0.1:0"), ("customers", "show", erased_id, *user)):
        refused = persondata(*args, env=env, check=False, timeout=120)
        assert refused.returncode == 2 and "restore --resume" in refused.stderr, refused.stderr
    status, body = _health(env)
    assert status == "503" and "deletion ledger has not been replayed" in body

    report = persondata("--lang", "en", "restore", "--resume", *user, env=env, timeout=300).stdout
    assert "audit chain: ok" in report and "may be served again" in report
    assert _health(env)[0] == "200"
    assert not swept & _ids(env), "a customer the sweep deleted came back"
    for cid in sorted(swept)[:3]:
        gone = persondata("customers", "show", cid, "--purpose", "delivery", *user, env=env, check=False)
        assert gone.returncode != 0 and email not in gone.stdout
    show = persondata(
        "customers", "show", erased_id, "--purpose", "rights_requests", *user, env=env, check=False
    )
    # the invoices stay, as the bookkeeping act requires (their billing name too), restricted again to the
    # bookkeeping act; nothing else does
    shown = json.loads(show.stdout)
    assert email not in show.stdout and shown.get("contact") is None and not shown.get("orders")
    assert shown.get("customer_number") is None
    # the restrictions recorded after the backup hold again (the ledger file put them back)
    assert _restricted(env) == {r for r in restrictions if r[0] in _ids(env)}
    assert (erased_id, "erasure_request") in _restricted(env)
    assert (restricted_id, "accuracy_disputed") in _restricted(env)

    drill = persondata("--lang", "en", "backup", "drill", *user, env=env, timeout=300)
    assert "restore drill passed" in drill.stdout and "erased customers present: 0" in drill.stdout
    if ON_POSTGRES:
        return
    # SQLite: a killed backup leaves no file a restore would take (tests/backups/test_kill.py for the timing)
    assert [p.name for p in backup.parent.iterdir() if not p.name.endswith(".pdbak")] == []
