"""Issue 12: the customers' wrapped data keys move out of the main database into the key store, nothing lost."""

from django.db import migrations

OLD = "data_key"
NEW = "persondata_keys.data_key"


def _missing(cur, source: str, target: str) -> int:  # type: ignore[no-untyped-def]
    cur.execute(
        f"SELECT COUNT(*) FROM {source} d WHERE NOT EXISTS (SELECT 1 FROM {target} s "  # noqa: S608 - constants
        "WHERE s.customer_id = d.customer_id AND s.klass = d.klass AND s.wrapped = d.wrapped)"
    )
    return int(cur.fetchone()[0])


def _copy(schema_editor, source: str, target: str) -> None:  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {target} (customer_id, klass, wrapped, created_at) "  # noqa: S608 - constants
            f"SELECT customer_id, klass, wrapped, created_at FROM {source} WHERE true "
            "ON CONFLICT (customer_id, klass) DO NOTHING"
        )
        missing = _missing(cur, source, target)
    if missing:
        raise RuntimeError(f"{missing} data keys did not arrive unchanged in {target}; nothing was moved")


def to_key_store(apps, schema_editor):  # type: ignore[no-untyped-def]
    _copy(schema_editor, OLD, NEW)


def back_to_database(apps, schema_editor):  # type: ignore[no-untyped-def]
    _copy(schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("register", "0004_staff_and_access_log_to_access"), ("keys", "0001_key_store")]
    operations = [
        migrations.RunPython(to_key_store, back_to_database),
        migrations.DeleteModel(name="DataKey"),
    ]
