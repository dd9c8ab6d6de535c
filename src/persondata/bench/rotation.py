"""The bench's key rotation row: ``persondata keys rotate`` as the real command, on the imported bench home.

Measured at the bench's size and extrapolated linearly to 1,000,000 customers (the work is one unwrap, one wrap
and one update per key, a chunk at a time: it grows with the number of keys and nothing else).
"""

from __future__ import annotations

import re
from pathlib import Path

from persondata.bench import Row, _env, _run_measured

TARGET_SECONDS = 300  # 1,000,000 customers' keys in under 5 minutes (issue 12)


def bench_rotation(home: Path, customers: int) -> list[Row]:
    seconds, _peak, out = _run_measured(["keys", "rotate", "--user", "bench", "--no-progress"], _env(home))
    found = re.search(r"of ([\d,]+) wrapped keys", out)
    keys = int(found.group(1).replace(",", "")) if found else 0
    if not keys or "done:" not in out:
        return [Row(f"key rotation, {customers:,} customers, SQLite", "did not finish", "", False)]
    at_a_million = seconds * 1_000_000 / customers
    return [
        Row(
            f"key rotation, {customers:,} customers ({keys:,} keys), SQLite",
            f"{keys / seconds:,.0f} keys/s ({seconds:.0f} s; 1,000,000 customers ≈ {at_a_million:.0f} s)",
            f"< {TARGET_SECONDS} s at 1,000,000 customers",
            at_a_million < TARGET_SECONDS,
        )
    ]
