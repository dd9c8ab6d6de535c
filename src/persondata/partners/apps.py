from datetime import timedelta

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "persondata.partners"
    label = "partners"
    verbose_name = "Partners: processor agreements (Art. 28), telling them of changes (Art. 19)"

    def ready(self) -> None:
        from persondata.documents import partner_section
        from persondata.jobs import outbox
        from persondata.jobs.runner import Job, register_job
        from persondata.partners import agreements, disclosures, webhooks
        from persondata.partners.services import notify_partners
        from persondata.requests import recipients

        # the requests tell the recipients of a change through this hook (RULES R11); see requests/recipients.py
        recipients.register("partners", notify_partners)
        # ... and names the partners that received a customer's data from the records of disclosures
        recipients.register_disclosures("partners", disclosures.received_by)

        # the printed policy's partner section says what the processor-agreement records prove
        partner_section.register_agreements(agreements.facts)
        outbox.register_handler("webhook", webhooks.deliver_message)
        register_job(Job("partners.deliver", webhooks.run_job, every=timedelta(minutes=1)))
