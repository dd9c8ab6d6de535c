"""Issue 12: the outbox messages' wrapped data keys move out of the main database into the key store."""

from django.db import migrations

KEY_CLASS = "outbox"


def to_key_store(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.core import sealing
    from persondata.keys import store

    Outbox = apps.get_model("jobs", "Outbox")
    for row_id, wrapped, created_at in Outbox.objects.values_list("id", "wrapped_key", "created_at"):
        owner = sealing.key_owner("outbox", row_id)
        store.put_own_key(owner, KEY_CLASS, bytes(wrapped), created_at)
        if store.own_key(owner, KEY_CLASS) != bytes(wrapped):
            raise RuntimeError("a message's data key did not arrive unchanged in the key store; nothing was moved")


def back_to_database(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.core import sealing
    from persondata.keys import store

    Outbox = apps.get_model("jobs", "Outbox")
    for row in Outbox.objects.only("id"):
        wrapped = store.own_key(sealing.key_owner("outbox", row.id), KEY_CLASS)
        Outbox.objects.filter(pk=row.pk).update(wrapped_key=wrapped or b"")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_outbox"), ("keys", "0001_key_store")]
    operations = [
        migrations.RunPython(to_key_store, back_to_database),
        migrations.RemoveField(model_name="outbox", name="wrapped_key"),
    ]
