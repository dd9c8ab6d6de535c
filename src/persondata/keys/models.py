"""What the main database records about the keys: only the master key's check value (never a key)."""

from __future__ import annotations

from django.db import models


class KeyCheck(models.Model):
    """The master key this database was written with, recognised by its id and a MAC (``Vault.key_check``)."""

    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "key_check"
