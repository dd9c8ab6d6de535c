"""Where the access log lives: apart from the main database, so that a read is logged while an import writes.

Every read of a customer's data writes an access-log entry (RULES R9), so on SQLite every read needed the
database's one write lock — and an all-or-nothing import holds that lock for minutes: reads waited, then failed
(issue 18). The access log therefore has a file of its own, with a write lock of its own:

* **SQLite**: ``<home>/access-log.sqlite3`` (mode 0600), attached to every connection as the schema
  ``persondata_access``, as the key store is (``persondata.keys.store``). A read begins a DEFERRED transaction
  (``rawsql.reading``): it reads the register's last committed state and takes only this file's lock, for the
  moment of its insert. The long writers lock the main database alone (``rawsql.writing_main``). (A main
  database in memory — the test suite's — gets an access log in memory, named after it.)
* **PostgreSQL**: the table ``access_log`` of the database, as before: row locks never queued a read behind an
  import there.

The model :class:`persondata.access.models.AccessLog` names the table ``access_log`` unqualified — SQLite finds it
in the attached file, since the main database has none (``access.0004`` moved it out) — and is not managed by
migrations: on SQLite the table is made here, on every connection.
``persondata backup`` copies it into the database's backup, and a restore puts it back with the database
(``persondata.backups.dumps``; docs/backups.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from persondata.rawsql import attach_file, attached_path

SCHEMA = "persondata_access"
TABLE = f"{SCHEMA}.access_log"

_COLUMNS = "at, staff_id, customer_id, categories, purpose, channel"
_DDL = {
    "sqlite": (
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, at datetime NOT NULL, "
        "staff_id integer NOT NULL, customer_id char(32) NOT NULL, categories varchar(100) NOT NULL, "
        "purpose varchar(40) NOT NULL, channel varchar(10) NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {SCHEMA}.access_log_customer_at ON access_log (customer_id, at)",
        f"CREATE INDEX IF NOT EXISTS {SCHEMA}.access_log_staff ON access_log (staff_id)",
        f"CREATE INDEX IF NOT EXISTS {SCHEMA}.access_log_at ON access_log (at)",
    ),
}


def file_ddl() -> tuple[str, ...]:
    """The table and its indexes in a file of their own, unattached (a restore's prepared copy)."""
    return tuple(statement.replace(f"{SCHEMA}.", "") for statement in _DDL["sqlite"])


def file_path() -> str:
    """The access log's file (SQLite)."""
    return str(settings.PERSONDATA_ACCESS_LOG_FILE)


def attach(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On every new SQLite connection: attach the access log's file (created 0600 if missing) and its table."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        path = attached_path(name, SCHEMA, str(settings.PERSONDATA_ACCESS_LOG_FILE))
        # synchronous NORMAL, as the main database: no fsync at each read's commit while the file's lock is held
        # (FULL, an attached file's default, took 6 ms a commit and serialised every read behind it); an entry
        # survives a crash of the process, a power cut may lose the last commits — as for the main database
        attach_file(connection, SCHEMA, path, _DDL["sqlite"], synchronous="NORMAL")


def move_in(connection: BaseDatabaseWrapper) -> None:
    """The migration ``access.0004``. SQLite: the entries of the main database's table move into the file.
    PostgreSQL: the table stays, but loses its foreign key to the logins, as the model says (``db_constraint=False``):
    the model is not managed, so nothing else would drop it, and the key would stop a flush of the logins."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'access_log'::regclass AND contype = 'f'"
            )
            for (name,) in cur.fetchall():
                cur.execute(f'ALTER TABLE access_log DROP CONSTRAINT "{name}"')
        return
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT {_COLUMNS} FROM main.access_log ORDER BY id")  # noqa: S608
        cur.execute("DROP TABLE main.access_log")


def move_out(connection: BaseDatabaseWrapper) -> None:
    """Back into the main database (the migration reversed)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE main.access_log (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, at datetime NOT NULL, "
            "staff_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED, "
            "customer_id char(32) NOT NULL, categories varchar(100) NOT NULL, purpose varchar(40) NOT NULL, "
            "channel varchar(10) NOT NULL)"
        )
        cur.execute(f"INSERT INTO main.access_log ({_COLUMNS}) SELECT {_COLUMNS} FROM {TABLE} ORDER BY id")  # noqa: S608
        cur.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - constant
        cur.execute("CREATE INDEX main.access_log_customer_at ON access_log (customer_id, at)")
