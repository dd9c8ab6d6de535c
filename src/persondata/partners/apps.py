from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "persondata.partners"
    label = "partners"
    verbose_name = "Telling the partners (GDPR Art. 19)"
