from datetime import timedelta

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "persondata.partners"
    label = "partners"
    verbose_name = "Telling the partners (GDPR Art. 19)"

    def ready(self) -> None:
        from persondata.jobs import outbox
        from persondata.jobs.runner import Job, register_job
        from persondata.partners import webhooks

        outbox.register_handler("webhook", webhooks.deliver_message)
        register_job(Job("partners.deliver", webhooks.run_job, every=timedelta(minutes=1)))
