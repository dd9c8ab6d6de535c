from datetime import time

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "persondata.governance"
    label = "governance"
    verbose_name = "Governance: the breach register (GDPR Art. 33–34)"

    def ready(self) -> None:
        from persondata.governance.reminders import send_reminders
        from persondata.jobs.runner import Job, register_job

        register_job(Job("governance.reminders", send_reminders, at=time(7, 0)))
