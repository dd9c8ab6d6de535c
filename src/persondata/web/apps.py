from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "persondata.web"
    label = "web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from persondata.web import account, auth_audit

        # after axes' own receivers (axes comes first in INSTALLED_APPS), so its failure counts are known here
        auth_audit.connect()
        user_logged_in.connect(account.stamp_login, dispatch_uid="persondata.session.login_at")
