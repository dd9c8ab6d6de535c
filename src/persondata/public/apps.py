from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The customers' side: the public privacy page and request form, without login."""

    name = "persondata.public"
    label = "public"
