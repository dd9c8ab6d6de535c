"""The key store: the wrapped data keys, kept out of the database that is backed up (RULES R5, issue 12).

A destroyed data key must be gone from every copy of the data. While the keys lived in the main database, any
backup of it kept every key it held when it was taken, so an "erased" customer could be read back from an old
backup. The keys now live in a store of their own, which is backed up on its own short rotation:

* **SQLite**: its own file, ``<home>/keys.sqlite3`` (mode 0600), attached to every connection as the schema
  ``persondata_keys``. A copy of the main database file holds no key. (A main database in memory — the test
  suite's — gets a key store in memory, named after it.)
* **PostgreSQL**: its own schema ``persondata_keys`` in the same database, so that one transaction covers the
  keys and the rows they open, and every app instance shares it. Backups of the data exclude the schema
  (``pg_dump --exclude-schema=persondata_keys``); the schema is backed up on its own (docs/security.md).

Two tables, the same on both (ids as the main tables hold them: ``char(32)`` on SQLite, ``uuid`` on PostgreSQL):

* ``persondata_keys.data_key``: a customer's data key per retention class (``relevance``, ``fy<year>``);
* ``persondata_keys.own_key``: a key of its own for a request or an outbox message, by owner (``request:<id>``,
  ``outbox:<id>``) and class.

Only this module and the key ring (``persondata.keys.ring``) name the tables; the retention sweep and the import
read and write them through the functions and statements here, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from persondata.rawsql import Hex, attach_file, attached_path, execute_in, executemany, fetch, fetch_in, hx

SCHEMA = "persondata_keys"
DATA_KEY = f"{SCHEMA}.data_key"
OWN_KEY = f"{SCHEMA}.own_key"
DATA_KEY_QUOTED = f'"{SCHEMA}"."data_key"'  # for Django's quote_name (``rawsql.analyze``)

#: the import's bulk insert of new customer keys (``rawsql`` style: one row per key)
INSERT_DATA_KEY = f"INSERT INTO {DATA_KEY} (customer_id, klass, wrapped, created_at) VALUES (%s, %s, %s, %s)"  # noqa: S608 - constant

_DDL = {
    "sqlite": (
        f"CREATE TABLE IF NOT EXISTS {DATA_KEY} (customer_id char(32) NOT NULL, klass varchar(40) NOT NULL, "
        "wrapped BLOB NOT NULL, created_at datetime NOT NULL, PRIMARY KEY (customer_id, klass)) WITHOUT ROWID",
        f"CREATE TABLE IF NOT EXISTS {OWN_KEY} (owner varchar(80) NOT NULL, klass varchar(40) NOT NULL, "
        "wrapped BLOB NOT NULL, created_at datetime NOT NULL, PRIMARY KEY (owner, klass)) WITHOUT ROWID",
    ),
    "postgresql": (
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"CREATE TABLE IF NOT EXISTS {DATA_KEY} (customer_id uuid NOT NULL, klass varchar(40) NOT NULL, "
        "wrapped bytea NOT NULL, created_at timestamp with time zone NOT NULL, PRIMARY KEY (customer_id, klass))",
        f"CREATE TABLE IF NOT EXISTS {OWN_KEY} (owner varchar(80) NOT NULL, klass varchar(40) NOT NULL, "
        "wrapped bytea NOT NULL, created_at timestamp with time zone NOT NULL, PRIMARY KEY (owner, klass))",
    ),
}


def sqlite_file(database_name: str) -> str:
    """Where the key store of the SQLite database ``database_name`` lives (a path, or a shared in-memory URI)."""
    return attached_path(database_name, "persondata_keys", str(Path(settings.PERSONDATA_KEY_STORE_FILE)))


def location(connection: BaseDatabaseWrapper | None = None) -> str:
    """The key store in words, for messages and ``persondata keys status``."""
    conn = connection or default_connection
    if conn.vendor == "sqlite":
        return sqlite_file(str(conn.settings_dict["NAME"]))
    return f"schema {SCHEMA} of database {conn.settings_dict['NAME']}"


def attach(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On every new SQLite connection: attach the key store (created 0600 if missing) and its tables."""
    if connection.vendor == "sqlite":
        attach_file(connection, SCHEMA, sqlite_file(str(connection.settings_dict["NAME"])), _DDL["sqlite"])


def ensure(connection: BaseDatabaseWrapper) -> None:
    """Create the key store's schema and tables if missing (the migration ``keys.0001``)."""
    with connection.cursor() as cur:
        for statement in _DDL[connection.vendor]:
            cur.execute(statement)


# -- customers' data keys --------------------------------------------------------------------------------------
def customer_keys(ids: Sequence[Hex], klass: str | None = None) -> list[tuple[Hex, str, bytes]]:
    """The wrapped keys of these customers (of one class, or all): ``(customer id, class, wrapped)``."""
    if klass is None:
        rows = fetch_in(
            f"SELECT customer_id, klass, wrapped FROM {DATA_KEY} WHERE customer_id IN ({{}})",  # noqa: S608 - constant
            ids,
        )
    else:
        rows = fetch_in(
            f"SELECT customer_id, klass, wrapped FROM {DATA_KEY} WHERE klass = %s AND customer_id IN ({{}})",  # noqa: S608
            ids,
            before=[klass],
        )
    return [(hx(c), str(k), bytes(w)) for c, k, w in rows]


def customer_classes(first: Hex, last: Hex, among: Container[Hex]) -> list[tuple[Hex, str]]:
    """The classes with a key of the customers ``among`` whose ids lie in ``first`` … ``last`` (the sweep's
    chunk). ``among`` leaves out keys whose customer this database does not hold (the key store is shared by
    every copy of the database, an older one too)."""
    rows = fetch(
        f"SELECT customer_id, klass FROM {DATA_KEY} WHERE customer_id >= %s AND customer_id <= %s",  # noqa: S608
        [first, last],
    )
    return [(hx(c), str(k)) for c, k in rows if hx(c) in among]


def add_customer_keys(rows: Sequence[tuple[Hex, str, bytes, Any]]) -> None:
    """Store new wrapped keys: ``(customer id, class, wrapped, created_at)``."""
    executemany(INSERT_DATA_KEY, rows)


def destroy_customer_keys(klass: str, ids: Sequence[Hex]) -> int:
    """Crypto-shredding: destroy the class's key of these customers. Returns how many keys went."""
    return execute_in(
        f"DELETE FROM {DATA_KEY} WHERE klass = %s AND customer_id IN ({{}})",  # noqa: S608 - constant
        ids,
        before=[klass],
    )


def destroy_customers(ids: Sequence[Hex]) -> int:
    """Destroy every key of these customers (they are being removed)."""
    return execute_in(f"DELETE FROM {DATA_KEY} WHERE customer_id IN ({{}})", ids)  # noqa: S608


# -- a key of its own (a request's, an outbox message's) ---------------------------------------------------------
def own_key(owner: str, klass: str) -> bytes | None:
    rows = fetch(f"SELECT wrapped FROM {OWN_KEY} WHERE owner = %s AND klass = %s", [owner, klass])  # noqa: S608
    return bytes(rows[0][0]) if rows else None


def put_own_key(owner: str, klass: str, wrapped: bytes, now: datetime) -> None:
    when = default_connection.ops.adapt_datetimefield_value(now)
    executemany(
        f"INSERT INTO {OWN_KEY} (owner, klass, wrapped, created_at) VALUES (%s, %s, %s, %s) "  # noqa: S608
        "ON CONFLICT (owner, klass) DO UPDATE SET wrapped = excluded.wrapped, created_at = excluded.created_at",
        [(owner, klass, wrapped, when)],
    )


def destroy_own_key(owner: str, klass: str) -> None:
    executemany(f"DELETE FROM {OWN_KEY} WHERE owner = %s AND klass = %s", [(owner, klass)])  # noqa: S608


def destroy_own_keys(owners: Sequence[str], klass: str) -> int:
    return execute_in(f"DELETE FROM {OWN_KEY} WHERE klass = %s AND owner IN ({{}})", owners, before=[klass])  # noqa: S608


def counts() -> dict[str, int]:
    """How many keys the store holds, per table (``persondata keys status``, the tests)."""
    return {
        table: int(fetch(f"SELECT COUNT(*) FROM {SCHEMA}.{table}")[0][0])  # noqa: S608 - constants
        for table in ("data_key", "own_key")
    }


def own_key_owners(prefix: str, klass: str, created_before: datetime) -> list[str]:
    """The owners starting with ``prefix`` whose ``klass`` key was made before ``created_before`` (the backups'
    retention: their keys are destroyed when it runs out)."""
    when = default_connection.ops.adapt_datetimefield_value(created_before)
    rows = fetch(
        f"SELECT owner FROM {OWN_KEY} WHERE klass = %s AND owner LIKE %s AND created_at < %s",  # noqa: S608
        [klass, prefix + "%", when],
    )
    return [str(r[0]) for r in rows]
