from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "persondata.systems"
    label = "systems"
    verbose_name = "IT systems and their risk assessments"
