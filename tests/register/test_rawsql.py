"""The raw-SQL helpers of the hot paths."""

from __future__ import annotations

import pytest
from django.db import connection

from persondata.rawsql import index_scans

pytestmark = pytest.mark.django_db


def _seqscan() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW enable_seqscan")
        return str(cur.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_index_scans_turns_sequential_scans_off_and_back_on() -> None:
    before = _seqscan()
    with index_scans():
        assert _seqscan() == "off"
    assert _seqscan() == before == "on"


def test_index_scans_restores_the_setting_after_an_error() -> None:
    with pytest.raises(RuntimeError), index_scans():
        raise RuntimeError("boom")
    if connection.vendor == "postgresql":
        assert _seqscan() == "on"
