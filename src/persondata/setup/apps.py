from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "persondata.setup"
    label = "setup"
    verbose_name = "First-run setup"
