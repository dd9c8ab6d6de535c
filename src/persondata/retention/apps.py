from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "persondata.retention"
    label = "retention"
