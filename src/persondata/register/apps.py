from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "persondata.register"
    label = "register"
