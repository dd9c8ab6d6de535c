"""Bringing the database's schema up to date: Django's migrations, after renaming the apps that were renamed.

Two apps were renamed when the code was laid out in floors (docs/development.md): ``staff`` became ``access`` and
``rights`` became ``requests``. Their tables keep their names (every model sets ``db_table``); only Django's
bookkeeping names the app. A database created before the rename has those rows under the old names, and without
this step Django would take the renamed apps for new ones and try to create their tables a second time.
"""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection, transaction

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
