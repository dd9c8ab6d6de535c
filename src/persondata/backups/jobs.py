"""The scheduled backup: every night, the database and the key store, then the pruning of both by their
retention (policy ``[backups]``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from persondata.backups import service


def daily_backup(now: datetime) -> dict[str, Any]:
    """The ``backups.daily`` job: take a backup into ``<home>/backups`` (keys: ``<home>/key-backups``), then
    prune both folders; counts and file names only."""
    result = service.take(now=now, actor="system")
    pruned = service.prune(now=now, actor="system")
    return {"backup": result.path.name, "key_store": result.key_store_path.name, "pruned": pruned}
