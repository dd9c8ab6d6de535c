"""The benchmark's backup rows (issue 12): ``persondata backup`` and ``persondata restore`` of the bench register
as the real commands, and the deletion ledger's replay rate inside that restore.

Run on the full bench home twice: the backup before the retention run, the restore after it — so the ledger
holds the run's deletions, which the restore replays (the file outside the database brings them back in).
Targets: backup and restore of 1,000,000 customers in under 2 minutes each on SQLite; the replay at 50,000
ledger entries per second or more.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from persondata.bench import Row

BACKUP_LIMIT = RESTORE_LIMIT = 120.0
REPLAY_RATE = 50_000


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "persondata", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"persondata {args[0]} exited {result.returncode}: {result.stderr[-300:]}")
    return time.monotonic() - start, result.stdout


def take_backup(env: dict[str, str], login: str) -> tuple[float, Path]:
    """``persondata backup`` on the bench home; its time and the file."""
    print("backup …", file=sys.stderr, flush=True)
    seconds, _out = _timed(["backup", "--user", login, "--no-prune"], env)
    newest = sorted((Path(env["PERSONDATA_HOME"]) / "backups").glob("*.pdbak"))[-1]
    return seconds, newest


def restore_rows(env: dict[str, str], login: str, backup: Path, customers: int, backup_s: float) -> list[Row]:
    """``persondata restore`` of ``backup`` (taken before the retention run) and the rows of both."""
    from persondata.bench import Row  # the table's row type; this module is imported by it

    print("restore …", file=sys.stderr, flush=True)
    seconds, out = _timed(["restore", str(backup), "--json", "--user", login], env)
    report: dict[str, Any] = json.loads(out)
    entries, replay = int(report["ledger_entries"]), float(report["replay_seconds"]) or 1e-9
    rate = entries / replay
    size = backup.stat().st_size / 1e6
    return [
        Row(
            f"backup, {customers:,} customers (SQLite, encrypted, {size:,.0f} MB)",
            f"{backup_s:.1f} s",
            f"< {BACKUP_LIMIT:.0f} s",
            backup_s < BACKUP_LIMIT,
        ),
        Row(
            f"restore incl. ledger replay and sweep, {customers:,} customers",
            f"{seconds:.1f} s",
            f"< {RESTORE_LIMIT:.0f} s",
            seconds < RESTORE_LIMIT,
        ),
        Row(
            f"ledger replay after the restore ({entries:,} entries)",
            f"{rate:,.0f} entries/s ({replay:.1f} s)",
            f">= {REPLAY_RATE:,} entries/s",
            rate >= REPLAY_RATE,
        ),
    ]
