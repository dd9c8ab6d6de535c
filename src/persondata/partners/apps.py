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
        from persondata.partners.services import notify_partners
        from persondata.requests import recipients

        # the requests tell the recipients of a change through this hook (RULES R11); see requests/recipients.py
        recipients.register("partners", notify_partners)

        outbox.register_handler("webhook", webhooks.deliver_message)
        register_job(Job("partners.deliver", webhooks.run_job, every=timedelta(minutes=1)))
