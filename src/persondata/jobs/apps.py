from datetime import timedelta

from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The jobs floor: the daily job runner, its locks, the legal clock and the outbox."""

    name = "persondata.jobs"
    label = "jobs"

    def ready(self) -> None:
        from persondata.jobs import outbox
        from persondata.jobs.runner import Job, register_job

        register_job(Job("jobs.outbox", outbox.run_job, every=timedelta(minutes=1)))
