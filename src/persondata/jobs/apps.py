from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The jobs floor: the daily job runner, its locks, the legal clock and the outbox."""

    name = "persondata.jobs"
    label = "jobs"
