from datetime import datetime, time, timedelta
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
        from django.db.backends.signals import connection_created

        from persondata.jobs import outbox
        from persondata.jobs.runner import Job, register_job
        from persondata.requests import intake, mail, spool
        from persondata.requests.answers import printing
        from persondata.requests.reminders import send_deadline_reminders

        outbox.register_handler("mail", mail.deliver)
        outbox.register_handler(
            intake.MATCH_JOB, intake.match_pending
        )  # public submissions, after the answer
        outbox.register_handler(printing.KIND, printing.print_letter)  # a letter's PDF, after the commit
        # SQLite: public submissions made beside a long writer wait in a file of their own, moved in every minute
        connection_created.connect(spool.attach, dispatch_uid="persondata.requests.spool.attach")
        register_job(Job("requests.spool", spool.drain, every=timedelta(minutes=1)))
        register_job(Job("requests.purge", purge_job, at=time(3, 30)))
        register_job(Job("requests.reminders", send_deadline_reminders, at=time(7, 0)))
