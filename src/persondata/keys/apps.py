from django.apps import AppConfig
from django.db.backends.signals import connection_created


class KeysConfig(AppConfig):
    name = "persondata.keys"
    label = "keys"

    def ready(self) -> None:
        from persondata.keys import store

        # every new SQLite connection attaches the key store file (PostgreSQL: a schema, nothing to attach)
        connection_created.connect(store.attach, dispatch_uid="persondata.keys.attach")
