"""``persondata bench --only backups`` at a small size: every row of issue 12 is measured, in any language.

The bench reads its commands' reports (key rotation's "of N wrapped keys", the import's database time); run by a
person whose environment asks for Danish, it once printed "key rotation … did not finish" because the command
answered in Danish. The bench now asks its commands for English; this test runs it in a Danish environment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clitools import cli_env, persondata

pytestmark = [pytest.mark.slow, pytest.mark.second_job]  # no database: in the PostgreSQL job of `make test`


def test_the_backup_rows_are_all_measured_in_a_danish_environment(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home") | {"LANGUAGE": "da", "LANG": "da_DK.UTF-8"}
    out = persondata("bench", "--customers", "600", "--only", "backups", "--dir", str(tmp_path / "bench"),
                     env=env, check=False, timeout=600).stdout  # fmt: skip
    rows = {
        cells[0]: cells[1]
        for line in out.splitlines()
        if (cells := [c.strip() for c in line.split("|")[1:-1]])
    }
    assert "did not finish" not in out, out
    measured = {
        r"^import, 600 customers": r"records/s",
        r"^key rotation, 600 customers \([\d,]+ keys\)": r"[\d,]+ keys/s",
        r"^backup, 600 customers": r"[\d.]+ s",
        r"^restore incl\. ledger replay": r"[\d.]+ s",
        r"^ledger replay after the restore \([\d,]+ entries replayed\)": r"[\d,]+ entries/s",
        r"^retention run, deleting [\d,]+ rows": r"[\d.]+ s",
    }
    for metric, value in measured.items():
        found = [v for k, v in rows.items() if re.search(metric, k)]
        assert found and re.search(value, found[0]), (metric, out)
    # the rest of the table is left out
    assert not any(k.startswith(("audit verify", "lookup by e-mail", "re-import")) for k in rows), out
