from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "persondata.staff"
    label = "staff"
