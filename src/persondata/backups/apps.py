from datetime import time

from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "persondata.backups"
    label = "backups"

    def ready(self) -> None:
        from persondata.backups import jobs
        from persondata.jobs.runner import Job, register_job

        # after the night's deletion run (03:00), so the backup holds no data deleted that night
        register_job(Job("backups.daily", jobs.daily_backup, at=time(3, 45)))
