"""The nightly re-import (issue 17): the same export again, and one with 1 % of its customers changed.

Both run as the real ``persondata import`` command on the home the first load filled. The targets are for
1,000,000 customers; at another size the time is scaled linearly (the lookups grow a little slower than that,
with the depth of the indexes), and the table says so.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from persondata import demo

TARGETS = {"unchanged": 60.0, "1 % changed": 90.0}  # seconds at a million customers


def changed_copy(folder: Path, customers: int, *, seed: int, today: date) -> list[Path]:
    """The bench's export with 1 % of the customers changed (``demo.changed``), generated once and cached."""
    marker = folder / "done.txt"
    if not marker.exists():
        demo.write_csv(demo.changed(demo.customers(customers, seed=seed, today=today)), folder)
        marker.write_text("ok")
    return [folder / f for f in ("customers.csv", "orders.csv", "invoices.csv", "payments.csv")]


def import_seconds(out: str) -> float:
    """The import's own time from ``persondata import``'s report ("… records read in 12.3 s …")."""
    found = re.search(r"records read in ([\d.]+) s", out)
    if found is None:
        raise RuntimeError("persondata import printed no time; did it fail?")
    return float(found.group(1))


def at_a_million(seconds: float, customers: int) -> float:
    return seconds * 1_000_000 / customers
