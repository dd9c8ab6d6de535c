"""``persondata keys grant``: on PostgreSQL the key schema gets a role of its own; the app's role may read and
write its two tables and nothing more; every other role is refused (docs/security.md)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from persondata.cli import main
from persondata.keys import grants, store
from tests.clitools import ON_POSTGRES

pytestmark = pytest.mark.django_db


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@contextmanager
def _as(role: str) -> Iterator[Any]:
    with connection.cursor() as cur:
        cur.execute(f"SET ROLE {role}")
        try:
            yield cur
        finally:
            cur.execute("RESET ROLE")


def _refused(cur: Any, sql: str) -> str:
    """The statement fails (inside a savepoint, so the test's transaction goes on); the error's text."""
    try:
        with transaction.atomic():
            cur.execute(sql)
    except DatabaseError as exc:
        return str(exc)
    raise AssertionError(f"allowed: {sql}")


def test_the_sql_is_printed_and_bad_roles_are_refused(controller: Any) -> None:
    code, out, _ = _run("keys", "grant", "--app-role", "shop_app", "--print", "--user", "controller")
    assert code == 0
    assert f"ALTER SCHEMA {store.SCHEMA} OWNER TO {grants.OWNER};" in out
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON {store.DATA_KEY}, {store.OWN_KEY} TO shop_app;" in out
    code, _, err = _run("keys", "grant", "--app-role", "x; DROP", "--print", "--user", "controller")
    assert code == 2 and "--app-role 'x; DROP' is not a plain role name" in err
    code, _, err = _run("keys", "grant", "--app-role", grants.OWNER, "--print", "--user", "controller")
    assert code == 2 and "must differ" in err


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's key store is a file")
def test_sqlite_has_no_roles_to_grant(controller: Any) -> None:
    code, _, err = _run("keys", "grant", "--app-role", "shop_app", "--user", "controller")
    assert code == 2 and "a file of its own on SQLite" in err


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL roles")
def test_the_app_role_gets_only_what_it_needs(controller: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    app, other = f"pd_app_{tag}", f"pd_other_{tag}"  # made in the test's transaction: rolled back with it
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {app} NOLOGIN")
        cur.execute(f"CREATE ROLE {other} NOLOGIN")
    code, _, err = _run("keys", "grant", "--app-role", "postgres", "--user", "controller")
    assert code == 2 and "is a superuser" in err
    code, _, err = _run("keys", "grant", "--app-role", f"nobody_{tag}", "--user", "controller")
    assert code == 2 and "there is no PostgreSQL role" in err

    code, out, err = _run("keys", "grant", "--app-role", app, "--user", "controller")
    assert f"{app} may read and write its two tables" in out
    assert code == 0, err
    with connection.cursor() as cur:
        cur.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s", [store.SCHEMA])
        assert cur.fetchone() == (grants.OWNER,)

    with _as(app) as cur:
        cur.execute(f"SELECT COUNT(*) FROM {store.DATA_KEY}")
        cur.execute(
            f"INSERT INTO {store.OWN_KEY} (owner, klass, wrapped, created_at) VALUES ('t:1', 'k', 'x', now())"
        )
        cur.execute(f"UPDATE {store.OWN_KEY} SET wrapped = 'y' WHERE owner = 't:1'")
        cur.execute(f"DELETE FROM {store.OWN_KEY} WHERE owner = 't:1'")
        assert "must be owner" in _refused(cur, f"DROP TABLE {store.OWN_KEY}")
        assert "must be owner" in _refused(cur, f"ALTER TABLE {store.DATA_KEY} ADD COLUMN leak text")
        assert "permission denied" in _refused(cur, f"CREATE TABLE {store.SCHEMA}.copy (wrapped bytea)")
    with _as(other) as cur:
        assert "permission denied for schema" in _refused(cur, f"SELECT COUNT(*) FROM {store.DATA_KEY}")
