"""PostgreSQL: the key schema under a role of its own (``persondata keys grant``, docs/security.md).

The key store is the schema ``persondata_keys`` of the main database (``keys.store``: one transaction covers a
key and the rows it opens). What a role of its own adds: the schema and its two tables are owned by a role that
cannot log in (``persondata_keys_owner`` by default), and

* the app's role gets only what the app needs: ``USAGE`` on the schema and ``SELECT``, ``INSERT``, ``UPDATE``,
  ``DELETE`` on the two tables — it can no longer drop, alter or add to the key store;
* ``PUBLIC`` gets nothing, so any other role — a backup role that dumps the data, a reporting login — is refused
  the key store (``permission denied for schema persondata_keys``), and a ``pg_dump`` run by it fails loudly
  unless it leaves the schema out (``--exclude-schema=persondata_keys``).

Run it once as a superuser or the schema's current owner (the statements run in one transaction). A superuser
bypasses every privilege: an app that connects as one gains nothing, so it is refused (use a role of its own).
"""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.utils.translation import gettext

from persondata.keys import store
from persondata.rawsql import fetch

OWNER = "persondata_keys_owner"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class GrantError(Exception):
    """The grant cannot be made; the message names the option and the fix."""


def statements(app_role: str, owner_role: str = OWNER) -> list[str]:
    """The SQL, in order (``persondata keys grant --print`` shows it for a DBA)."""
    for option, role in (("--app-role", app_role), ("--owner-role", owner_role)):
        if not _ROLE.match(role):
            raise GrantError(
                gettext(
                    "%(option)s %(role)s is not a plain role name: lower-case letters, digits and _, at most 63"
                )
                % {"option": option, "role": repr(role)}
            )
    if app_role == owner_role:
        raise GrantError(
            gettext("--app-role and --owner-role must differ: the app must not own the key store")
        )
    schema, tables = store.SCHEMA, (store.DATA_KEY, store.OWN_KEY)
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner_role}') "
        f"THEN CREATE ROLE {owner_role} NOLOGIN; END IF; END $$",
        f"ALTER SCHEMA {schema} OWNER TO {owner_role}",
        *(f"ALTER TABLE {t} OWNER TO {owner_role}" for t in tables),
        f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC",
        f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC",
        f"REVOKE ALL ON SCHEMA {schema} FROM {app_role}",
        f"REVOKE ALL ON {', '.join(tables)} FROM {app_role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {app_role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {app_role}",
    ]


def grant(app_role: str, owner_role: str = OWNER) -> list[str]:
    """Give the key schema to ``owner_role`` and ``app_role`` only what it needs; returns the statements run."""
    if connection.vendor != "postgresql":
        raise GrantError(
            "the key store is a file of its own on SQLite (mode 0600, readable by the app's user only): "
            "there are no roles to grant; this command is for PostgreSQL"
        )
    sql = statements(app_role, owner_role)
    found = fetch("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
    if not found:
        raise GrantError(
            f"--app-role: there is no PostgreSQL role {app_role!r}; create it first (CREATE ROLE)"
        )
    if found[0][0]:
        raise GrantError(
            f"--app-role {app_role!r} is a superuser, which bypasses every privilege: let the app connect as a "
            "role of its own"
        )
    with transaction.atomic(), connection.cursor() as cur:
        for statement in sql:
            cur.execute(statement)
    return sql
