from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "persondata.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from persondata.api.tokens import old_tokens_evidence
        from persondata.governance.evidence import register_source

        # the half-yearly control counts API tokens older than a year (docs/governance.md)
        register_source("api_tokens", old_tokens_evidence)
