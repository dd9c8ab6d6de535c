"""The job runner's bookkeeping: one row per job and legal day, and the SQLite stand-in for an advisory lock."""

from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """One run of a scheduled job for one legal day (the runner runs each job once a day)."""

    job = models.CharField(max_length=40)
    day = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=12, default="running")  # running | done | failed
    host = models.CharField(max_length=120)
    summary = models.JSONField(default=dict)

    class Meta:
        db_table = "job_run"
        indexes = [models.Index(fields=["job", "day"], name="job_run_job_day")]


class JobLock(models.Model):
    """SQLite's stand-in for PostgreSQL's advisory lock: taken in an IMMEDIATE transaction, with a lease."""

    name = models.CharField(primary_key=True, max_length=60)
    holder = models.CharField(max_length=120, blank=True, default="")
    expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "job_lock"
