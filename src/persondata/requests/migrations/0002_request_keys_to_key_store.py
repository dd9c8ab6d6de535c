"""Issue 12: the requests' wrapped data keys move out of the main database into the key store, nothing lost."""

from django.db import migrations

KEY_CLASS = "request"


def to_key_store(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.core import sealing
    from persondata.keys import store

    Request = apps.get_model("requests", "Request")
    for request_id, wrapped, received_at in Request.objects.exclude(wrapped_key=None).values_list(
        "id", "wrapped_key", "received_at"
    ):
        owner = sealing.key_owner("request", request_id)
        store.put_own_key(owner, KEY_CLASS, bytes(wrapped), received_at)
        if store.own_key(owner, KEY_CLASS) != bytes(wrapped):
            raise RuntimeError("a request's data key did not arrive unchanged in the key store; nothing was moved")


def back_to_database(apps, schema_editor):  # type: ignore[no-untyped-def]
    from persondata.core import sealing
    from persondata.keys import store

    Request = apps.get_model("requests", "Request")
    for request in Request.objects.filter(purged_at=None).only("id"):
        wrapped = store.own_key(sealing.key_owner("request", request.id), KEY_CLASS)
        if wrapped is not None:
            Request.objects.filter(pk=request.pk).update(wrapped_key=wrapped)


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial"), ("keys", "0001_key_store")]
    operations = [
        migrations.RunPython(to_key_store, back_to_database),
        migrations.RemoveField(model_name="request", name="wrapped_key"),
    ]
