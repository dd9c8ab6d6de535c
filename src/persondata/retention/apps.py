from datetime import datetime
from typing import Any

from django.apps import AppConfig


def sweep_job(now: datetime) -> dict[str, Any]:
    """The ``retention_sweep`` job: the day's sweep, run by the job runner."""
    from persondata.retention.sweep import sweep

    report = sweep(now=now, dry_run=False, actor="system")
    return {"run": str(report.run_id), "deleted": report.deleted_records(), "customers": report.customers}


class RetentionConfig(AppConfig):
    name = "persondata.retention"
    label = "retention"

    def ready(self) -> None:
        from persondata.jobs.runner import Job, register_job

        register_job(Job("retention_sweep", sweep_job))
