from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "persondata.web"
    label = "web"
