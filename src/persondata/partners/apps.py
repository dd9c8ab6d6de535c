from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "persondata.partners"
    label = "partners"
    verbose_name = "Telling the partners (GDPR Art. 19)"

    def ready(self) -> None:
        from persondata.partners.services import notify_partners
        from persondata.requests import recipients

        # the requests tell the recipients of a change through this hook (RULES R11); see requests/recipients.py
        recipients.register("partners", notify_partners)
