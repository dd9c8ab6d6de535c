from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "persondata.api"
    label = "api"
    verbose_name = "REST API"
