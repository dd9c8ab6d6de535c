"""Benchmark of customers' requests end to end over HTTP, as a client of the API drives them.

:func:`bench_answers_http` runs against a running ``persondata serve``: for each customer number it registers a
request (``POST /api/requests``), verifies the requester's identity, answers it, then fetches the request until
its PDF letter is listed — it is printed after the answer commits, in the server's background — and downloads
it. Timed: the answer call alone (what the server spends in the answer, plus the loopback) and the whole, from
the registration until the PDF is in the client's hands: the time a customer waits for their letter.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

POLL = 0.1  # seconds between looks at the request while its letter is printed, as a client would


def _call(base: str, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return bytes(r.read())


def _one(base: str, token: str, kind: str, number: str) -> tuple[float, float]:
    """(answer call, register → PDF downloaded) in seconds, for one request."""
    start = time.perf_counter()
    created = json.loads(
        _call(base, token, "POST", "/api/requests", {"kind": kind, "customer_number": number})
    )
    rid = created["id"]
    _call(base, token, "POST", f"/api/requests/{rid}/verify", {"method": "in_person"})
    asked = time.perf_counter()
    body = json.loads(
        _call(base, token, "POST", f"/api/requests/{rid}/answer", {"confirm_erasure": kind == "erasure"})
    )
    answered = time.perf_counter() - asked
    assert body["state"] == "answered", body["state"]
    while not (pdf := next((d for d in body["documents"] if d["format"] == "pdf"), None)):
        time.sleep(POLL)
        body = json.loads(_call(base, token, "GET", f"/api/requests/{rid}"))
    data = _call(base, token, "GET", f"/api/requests/{rid}/documents/{pdf['id']}")
    assert data.startswith(b"%PDF-"), "the letter is not a PDF"
    return answered, time.perf_counter() - start


def bench_answers_http(base: str, token: str, numbers: Sequence[str], runs: int = 5) -> dict[str, float]:
    """Access answers for the first ``runs`` customers, erasures for the next ``runs``: medians in ms."""
    out: dict[str, float] = {}
    for i, kind in enumerate(("access", "erasure")):
        times = [_one(base, token, kind, n) for n in numbers[i * runs : (i + 1) * runs]]
        out[f"{kind}_answer_ms"] = statistics.median(t[0] for t in times) * 1000
        out[f"{kind}_pdf_ms"] = statistics.median(t[1] for t in times) * 1000
    return out


def measure(env: dict[str, str], customers_csv: Path, customers: int, seed: int = 17) -> dict[str, float]:
    """Ten demo customers' requests, end to end through the API of a ``persondata serve`` in the bench home."""
    from persondata.bench import _server

    created = subprocess.run(
        [sys.executable, "-m", "persondata", "token", "create", "--user", "bench", "--label", "bench"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = created.stdout.split()[0]
    wanted = set(random.Random(seed).sample(range(customers), min(10, customers)))
    with customers_csv.open(encoding="utf-8") as f:
        numbers = [row["customer_number"] for i, row in enumerate(csv.DictReader(f)) if i in wanted]
    random.Random(seed).shuffle(numbers)
    with _server(env) as (base, _pid):
        return bench_answers_http(base, token, numbers)
