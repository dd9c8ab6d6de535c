"""The job runner's bookkeeping (one row per job and legal day), the SQLite stand-in for an advisory lock, and
the outbox."""

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


class Outbox(models.Model):
    """One message on its way out (an e-mail, a partner's webhook): written in the transaction that causes it,
    sealed, and deleted once delivered or once its subject is erased (``persondata.jobs.outbox``)."""

    id = models.UUIDField(primary_key=True, editable=False)
    kind = models.CharField(max_length=20)  # a handler registered in an AppConfig.ready: mail, webhook, …
    subject = models.CharField(max_length=60)  # pseudonymous: customer:<uuid>, request:<uuid>, controller
    state = models.CharField(max_length=8, default="pending")  # pending | held | failed
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()  # failed: when it failed
    attempts = models.SmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True)  # a deliverer's lease
    last_error = models.CharField(
        max_length=40, blank=True, default=""
    )  # an exception's type, never its text
    # sealed under the message's own data key, in the key store (persondata.keys: owner "outbox:<id>")
    payload = models.BinaryField()  # sealed under that key

    class Meta:
        db_table = "jobs_outbox"
        indexes = [
            models.Index(fields=["next_attempt_at"], name="jobs_outbox_due"),
            models.Index(fields=["subject"], name="jobs_outbox_subject"),
        ]
