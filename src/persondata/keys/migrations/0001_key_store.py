"""The key store's schema and tables (SQLite: in the attached key store file; PostgreSQL: schema persondata_keys)."""

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.keys import store

    store.ensure(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
