"""PostgreSQL: ``persondata import`` holds the retention sweep's advisory lock, so the two never interleave."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections

from persondata.jobs import locks
from persondata.register.importer import import_files
from tests.conftest import NOW


@pytest.mark.django_db
def test_an_import_holds_the_sweep_lock_while_it_writes(demo_files: Callable[..., Path]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's IMMEDIATE write transactions serialise an import and a sweep")
    other = connections.create_connection("default")  # another instance's session, as a sweep elsewhere
    key = locks._advisory_key(locks.SWEEP)

    def free_elsewhere() -> bool:
        with other.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got = bool(cur.fetchone()[0])
            if got:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        return got

    seen: list[bool] = []
    try:
        assert free_elsewhere()
        report = import_files(
            [demo_files(5)], now=NOW, progress=lambda done, total: seen.append(free_elsewhere())
        )
        assert report.status == "done" and seen and not any(seen)  # a sweep would have refused
        assert free_elsewhere()  # and the lock is given back
    finally:
        other.close()
