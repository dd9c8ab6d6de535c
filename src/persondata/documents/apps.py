from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "persondata.documents"
    label = "documents"
