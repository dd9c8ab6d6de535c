"""What the database records about its backups: the backups taken, the restore drills, and the marker that a
restored database still waits for its deletion ledger to be replayed."""

from __future__ import annotations

import uuid

from django.db import models


class ReplayPending(models.Model):
    """Present while a restored database has not had its deletion ledger replayed (RULES R5): the app refuses to
    serve it, and every command but ``persondata restore --resume`` refuses to open it (``backups.gate``).

    A restore writes this row into the restored copy *before* that copy replaces the database, so there is no
    moment at which the restored data is served unreplayed."""

    backup_id = models.UUIDField()
    backup_created_at = models.DateTimeField()
    restored_at = models.DateTimeField()

    class Meta:
        db_table = "backup_replay_pending"


class BackupRecord(models.Model):
    """A backup taken (its file may have been moved or pruned since); counts only, no personal data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    created_at = models.DateTimeField()
    file_name = models.CharField(max_length=200)
    size = models.BigIntegerField()
    seconds = models.FloatField()
    customers = models.BigIntegerField()
    actor = models.CharField(max_length=150)

    class Meta:
        db_table = "backup_record"
        ordering = ("-created_at",)


class Drill(models.Model):
    """A restore drill (``persondata backup drill``): the newest backup restored into a scratch database and
    checked. The half-yearly control shows the last one (``governance.evidence``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    at = models.DateTimeField()
    backup_id = models.UUIDField(null=True)
    backup_created_at = models.DateTimeField(null=True)
    ok = models.BooleanField()
    seconds = models.FloatField()
    #: what was checked, as codes and counts: counts vs manifest, ledger entries replayed, audit chain
    checks = models.JSONField(default=dict)
    problem = models.TextField(blank=True)
    actor = models.CharField(max_length=150)

    class Meta:
        db_table = "backup_drill"
        ordering = ("-at",)
