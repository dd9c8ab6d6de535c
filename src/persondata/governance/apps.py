from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "persondata.governance"
    label = "governance"
    verbose_name = "Governance: the breach register (GDPR Art. 33–34)"
