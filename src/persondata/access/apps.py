from django.apps import AppConfig


class AccessConfig(AppConfig):
    """The access floor: staff logins and roles, named permissions, refusals, declarations, the access log."""

    name = "persondata.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from persondata.access import account, auth_audit

        # after axes' own receivers (axes comes first in INSTALLED_APPS), so its failure counts are known here
        auth_audit.connect()
        user_logged_in.connect(account.stamp_login, dispatch_uid="persondata.session.login_at")
