"""Bringing the database's schema up to date: Django's migrations, after renaming the apps that were renamed.

Two apps were renamed when the code was laid out in floors (docs/development.md): ``staff`` became ``access`` and
``rights`` became ``requests``. Their tables keep their names (every model sets ``db_table``); only Django's
bookkeeping names the app. A database created before the rename has those rows under the old names, and without
this step Django would take the renamed apps for new ones and try to create their tables a second time.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _

#: old app label → new app label
RENAMED_APPS = {"staff": "access", "rights": "requests"}


def rename_legacy_apps() -> int:
    """Rewrite Django's records of the renamed apps; returns how many rows were changed. Idempotent."""
    tables = set(connection.introspection.table_names())
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for old, new in RENAMED_APPS.items():
            if "django_migrations" in tables:
                cursor.execute("UPDATE django_migrations SET app = %s WHERE app = %s", [new, old])
                changed += max(cursor.rowcount, 0)
            if "django_content_type" in tables:
                # a content type already present under the new name wins; the old one would clash
                cursor.execute(
                    "DELETE FROM django_content_type WHERE app_label = %s AND model IN "
                    "(SELECT model FROM django_content_type WHERE app_label = %s)",
                    [old, new],
                )
                cursor.execute(
                    "UPDATE django_content_type SET app_label = %s WHERE app_label = %s", [new, old]
                )
                changed += max(cursor.rowcount, 0)
    return changed


def migrate() -> None:
    """Rename the legacy app labels, then apply every migration (``persondata init`` and ``make run``)."""
    rename_legacy_apps()
    call_command("migrate", interactive=False, verbosity=0)


def not_set_up() -> str | None:
    """Why the database cannot be used yet (no file, no tables, migrations pending), or None when it can.

    An SQLite file that does not exist is not opened — opening it would leave an empty database behind.
    """
    fix = _("run 'persondata init' first: it creates the database, the master key and the first login")
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name != ":memory:" and not name.startswith("file:") and not Path(name).exists():
            return _("there is no database at %(name)s yet; %(fix)s") % {"name": name, "fix": fix}
    try:
        tables = set(connection.introspection.table_names())
    except Exception as exc:
        return _("the database cannot be reached (%(error)s); check PERSONDATA_DATABASE_URL") % {
            "error": f"{type(exc).__name__}: {exc}"
        }
    if "django_migrations" not in tables or "customer" not in tables:
        return _("the database is not set up yet; %(fix)s") % {"fix": fix}
    return None
