from datetime import datetime, time
from typing import Any

from django.apps import AppConfig


def purge_job(now: datetime) -> dict[str, Any]:
    """The ``requests.purge`` job: the requester's details of requests closed long enough ago."""
    from persondata.requests.services import purge_due

    return {"purged": purge_due(now)}


class RequestsConfig(AppConfig):
    name = "persondata.requests"
    label = "requests"
    verbose_name = "Customers' requests"

    def ready(self) -> None:
        from persondata.jobs import outbox
        from persondata.jobs.runner import Job, register_job
        from persondata.requests import intake, mail
        from persondata.requests.answers import printing
        from persondata.requests.reminders import send_deadline_reminders

        outbox.register_handler("mail", mail.deliver)
        outbox.register_handler(
            intake.MATCH_JOB, intake.match_pending
        )  # public submissions, after the answer
        outbox.register_handler(printing.KIND, printing.print_letter)  # a letter's PDF, after the commit
        register_job(Job("requests.purge", purge_job, at=time(3, 30)))
        register_job(Job("requests.reminders", send_deadline_reminders, at=time(7, 0)))
