from django.apps import AppConfig


class AccessConfig(AppConfig):
    """The access floor: staff logins and roles, named permissions, refusals, declarations, the access log."""

    name = "persondata.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from persondata.access import account, auth_audit, log_store

        # every new SQLite connection attaches the access log's file (PostgreSQL: a schema, nothing to attach)
        connection_created.connect(log_store.attach, dispatch_uid="persondata.access.attach")

        # after axes' own receivers (axes comes first in INSTALLED_APPS), so its failure counts are known here
        auth_audit.connect()
        user_logged_in.connect(account.stamp_login, dispatch_uid="persondata.session.login_at")
