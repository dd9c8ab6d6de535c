# The access log moves out of the main database into a store of its own (persondata.access.log_store): on SQLite
# the attached file access-log.sqlite3 with its own write lock; on PostgreSQL the table stays where it is.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_in(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.access import log_store

    log_store.move_in(schema_editor.connection)


def move_out(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.access import log_store

    log_store.move_out(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_staff_must_change_password"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(move_in, move_out)],
            state_operations=[
                migrations.RemoveIndex(model_name="accesslog", name="access_log_customer_at"),
                migrations.AlterField(
                    model_name="accesslog",
                    name="staff",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterModelOptions(name="accesslog", options={"managed": False}),
            ],
        )
    ]
