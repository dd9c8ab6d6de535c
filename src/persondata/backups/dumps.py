"""The database's own copy tools, one per engine: a consistent snapshot in, the whole database back out.

* **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies the main database page by page from
  a read snapshot — writers go on (WAL) — into a plain file; the key store is attached as another schema and is
  not copied. A restore writes the copy beside the database and swaps it in with one ``rename``.
* **PostgreSQL**: ``pg_dump -Fc`` of a snapshot exported by a repeatable-read transaction (so the counts of the
  manifest are taken from exactly what is dumped), without the key store's schema. A restore runs
  ``pg_restore``'s script and the "replay pending" marker in **one** transaction through ``psql``: killed
  half-way, PostgreSQL rolls it all back and the old database stays.

The key store on its own: SQLite's file copied by the same API; PostgreSQL's schema by ``pg_dump -n``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from persondata.access import log_store
from persondata.keys import store

#: rows counted by the manifest: every table of the main database except SQLite's own
_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
)
_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
MARKER_TABLE = "backup_replay_pending"
#: SQLite: the access log's file, copied into the database's backup as this table (PostgreSQL: a table anyway)
ACCESS_TABLE = "backup_access_log"


class DumpError(Exception):
    """A copy tool failed; the message names the tool and its own words (no data)."""


def vendor() -> str:
    return str(connection.vendor)


# -- facts read from a snapshot -------------------------------------------------------------------------------
def _facts(cur: Any, tables: list[str], qualify: str = "") -> dict[str, Any]:
    counts = {}
    for table in tables:
        cur.execute(f'SELECT COUNT(*) FROM {qualify}"{table}"')  # noqa: S608 - names from the catalogue
        counts[table] = int(cur.fetchone()[0])
    head = {"seq": 0, "digest": ""}
    if "audit_head" in counts:
        cur.execute(f"SELECT seq, digest FROM {qualify}audit_head WHERE id = 1")  # noqa: S608
        row = cur.fetchone()
        if row:
            head = {"seq": int(row[0]), "digest": bytes(row[1]).hex()}
    last = None
    if counts.get("retention_ledger"):
        cur.execute(f"SELECT id FROM {qualify}retention_ledger ORDER BY at DESC, id DESC LIMIT 1")  # noqa: S608
        raw = cur.fetchone()[0]
        last = raw if isinstance(raw, str) else raw.hex
    return {"counts": counts, "audit_head": head, "last_ledger_entry": last}


def sqlite_facts(path: Path) -> dict[str, Any]:
    with closing(sqlite3.connect(path)) as con:
        cur = con.cursor()
        tables = [r[0] for r in cur.execute(_SQLITE_TABLES)]
        return _facts(cur, tables)


# -- SQLite -----------------------------------------------------------------------------------------------------
def _raw_sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection  # type: ignore[no-any-return]


def sqlite_snapshot(dest: Path, schema: str = "main") -> None:
    """Copy ``schema`` of the open connection (the database, or the attached key store) into ``dest``."""
    source = _raw_sqlite()
    if source.in_transaction:  # SQLite would answer "locked" for ever: the backup reads what is committed
        raise DumpError(_("a backup cannot be taken inside a write transaction of its own connection"))
    with closing(sqlite3.connect(dest)) as target:
        source.backup(target, name=schema)
        target.execute("PRAGMA journal_mode=DELETE")  # one file, no WAL beside it


def sqlite_add_access_log(plain: Path) -> None:
    """Copy the access log's file (a snapshot of it, by the same API) into the database's copy ``plain``, as the
    table ``backup_access_log``: one backup, one manifest and one checksum hold both."""
    part = plain.with_name(plain.name + ".access")
    try:
        sqlite_snapshot(part, schema=log_store.SCHEMA)
        with closing(sqlite3.connect(plain)) as con:
            con.execute("ATTACH DATABASE ? AS copied", [str(part)])
            con.execute(f"CREATE TABLE {ACCESS_TABLE} AS SELECT * FROM copied.access_log ORDER BY id")  # noqa: S608
            con.commit()
            con.execute("DETACH DATABASE copied")
    finally:
        part.unlink(missing_ok=True)


def access_prepared(backup_id: str) -> Path:
    """Where a restore prepares the backup's access log, beside the live file, until it is swapped in."""
    live = Path(log_store.file_path())
    return live.with_name(f".{live.name}.restore-{backup_id}")


def _prepare_access_log(con: sqlite3.Connection, path: Path, backup_id: str) -> int | None:
    """Move the backup's access log out of the decrypted copy into a file of its own, ready to be swapped in;
    returns its entries (None: a backup without the access log, which then stays as it is)."""
    tables = {r[0] for r in con.execute(_SQLITE_TABLES)}
    for old in Path(log_store.file_path()).parent.glob(f".{Path(log_store.file_path()).name}.restore-*"):
        old.unlink(missing_ok=True)  # prepared by a restore that stopped before its swap
    if ACCESS_TABLE not in tables:
        return None
    target = access_prepared(backup_id)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # never readable by others
    with closing(sqlite3.connect(target)) as out:
        for statement in log_store.file_ddl():
            out.execute(statement)
        out.execute("ATTACH DATABASE ? AS restored", [str(path)])
        out.execute(f"INSERT INTO access_log SELECT * FROM restored.{ACCESS_TABLE} ORDER BY id")  # noqa: S608
        out.commit()
        entries = int(out.execute("SELECT COUNT(*) FROM access_log").fetchone()[0])
        out.execute("DETACH DATABASE restored")
    with target.open("rb") as f:
        os.fsync(f.fileno())
    with con:
        con.execute(f"DROP TABLE {ACCESS_TABLE}")
    return entries


def sqlite_swap_access_log(backup_id: str) -> bool:
    """Put the backup's access log, prepared by the restore, in place of the live one (after the database's swap:
    a restore killed in between finishes it with ``--resume``, while the database refuses to serve). False: there
    was nothing prepared (done already, or a backup without it)."""
    target = access_prepared(backup_id)
    if not target.exists():
        return False
    connection.close()
    live = Path(log_store.file_path())
    if live.exists():
        with closing(sqlite3.connect(live)) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target.replace(live)
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    fd = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def sqlite_prepare(path: Path, manifest: dict[str, Any], marker: tuple[str, str, str]) -> int | None:
    """Check a decrypted copy (integrity, counts against the manifest), move its access log out into a prepared
    file, and mark it "replay pending"; returns the access log's entries (None: the backup has none)."""
    with closing(sqlite3.connect(path)) as con:
        problem = con.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise DumpError(
                _("the decrypted database fails SQLite's integrity check (%(problem)s)")
                % {"problem": problem}
            )
        found = _facts(con.cursor(), [r[0] for r in con.execute(_SQLITE_TABLES)])["counts"]
        differ = sorted(t for t, n in manifest["counts"].items() if found.get(t) != n)
        if differ:
            raise DumpError(
                _("the decrypted database's counts differ from its manifest in %(tables)s")
                % {"tables": ", ".join(differ)}
            )
        entries = _prepare_access_log(con, path, marker[0].replace("-", ""))
        with con:
            con.execute(
                f"INSERT INTO {MARKER_TABLE} (backup_id, backup_created_at, restored_at) VALUES (?, ?, ?)",  # noqa: S608
                marker,
            )
    return entries


def sqlite_swap(copy: Path, database: Path) -> None:
    """Put the prepared copy in the database's place in one ``rename`` (atomic on one file system)."""
    connection.close()
    if database.exists():
        with closing(sqlite3.connect(database)) as live:
            live.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            )  # the WAL is empty: it cannot replay onto the copy
    copy.replace(database)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


# -- PostgreSQL ------------------------------------------------------------------------------------------------
def child_env(drop: str) -> dict[str, str]:
    """This process's environment for a child process, without the variables starting with ``drop``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def _pg_env(name: str | None = None) -> dict[str, str]:
    s = connection.settings_dict
    env = child_env("PG")
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = name or str(s["NAME"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DumpError(
            _("%(tool)s is not installed: install PostgreSQL's client tools (Debian: postgresql-client)")
            % {"tool": name}
        )
    return found


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise DumpError(
            _("%(tool)s failed: %(output)s")
            % {"tool": Path(argv[0]).name, "output": result.stderr.strip()[-500:]}
        )


@contextmanager
def _pg_snapshot() -> Iterator[tuple[Any, str]]:
    import psycopg

    with psycopg.connect(_conninfo()) as con:
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = con.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        yield con.cursor(), str(snapshot)


_CONNINFO = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}


def _conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    env = _pg_env()
    return make_conninfo(dbname=env["PGDATABASE"], **{k: env[v] for k, v in _CONNINFO.items() if v in env})


def pg_dump_database(dest: Path) -> dict[str, Any]:
    """``pg_dump -Fc`` of the data (not the key store) into ``dest``; the facts of that same snapshot."""
    with _pg_snapshot() as (cur, snapshot):
        argv = [_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([*argv, f"--exclude-schema={store.SCHEMA}", "-f", str(dest)], _pg_env())
        cur.execute(_PG_TABLES)
        return _facts(cur, [r[0] for r in cur.fetchall()], "public.")


def pg_dump_key_store(dest: Path) -> None:
    _run(
        [_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-n", store.SCHEMA, "-f", str(dest)],
        _pg_env(),
    )


def pg_restore(dump: Path, marker: tuple[str, str, str], database: str | None = None) -> None:
    """Replace the data of ``database`` (default: this one) by the dump and set the "replay pending" marker, in
    one transaction. The key store's schema is not touched."""
    connection.close()
    env = _pg_env(database)
    script = subprocess.Popen(  # noqa: S603
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "-f",
            "-",
            str(dump),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    psql = subprocess.Popen(  # noqa: S603
        [_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert script.stdout is not None and psql.stdin is not None
    try:
        psql.stdin.write(b"BEGIN;\n")
        shutil.copyfileobj(script.stdout, psql.stdin, 1024 * 1024)
        failed = script.wait() != 0
        values = ", ".join(f"'{v}'" for v in marker)  # a uuid and two ISO times, made here
        psql.stdin.write(
            b"ROLLBACK;\n"
            if failed
            else f"INSERT INTO public.{MARKER_TABLE} (backup_id, backup_created_at, restored_at) "  # noqa: S608 - values made here
            f"VALUES ({values});\nCOMMIT;\n".encode()
        )
        psql.stdin.close()
    except BrokenPipeError:
        failed = True
    errors = psql.stderr.read().decode(errors="replace") if psql.stderr else ""
    if psql.wait() != 0 or failed:
        why = (script.stderr.read().decode(errors="replace") if script.stderr else "") + errors
        raise DumpError(
            _("pg_restore/psql failed, nothing was changed: %(output)s") % {"output": why.strip()[-500:]}
        )


def pg_create_database(name: str) -> None:
    _drop_create(name, create=True)


def pg_drop_database(name: str) -> None:
    _drop_create(name, create=False)


def _drop_create(name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(_conninfo(), autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            con.execute(f'CREATE DATABASE "{name}"')


def pg_copy_key_store(dump: Path, database: str) -> None:
    """Load a key-store dump into ``database`` (the drill's scratch database)."""
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "-d", database, str(dump)], _pg_env(database))
