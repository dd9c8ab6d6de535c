from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "persondata.requests"
    label = "requests"
    verbose_name = "Customers' requests"
