"""``persondata bench --phase inbox``: the requests inbox with 10,000 requests pages in at most 100 ms server time.

Runs in a bench home of its own (``bench_inbox`` starts it as a subprocess, like the other phases, and reads the
``key=value`` lines it prints). It writes 10,000 requests as intake leaves them — references, kinds, states,
deadlines spread over a year, a third assigned to the bench login; no requester details, none are read for the
list — and times the inbox page through Django's whole stack in the process (middleware, login, the view, the
template; no network): the median of several runs of each of the default view, a page deep in the list, a sort by
reference, the filters "due within 7 days" and "assigned to", and all requests. The slowest median is the figure.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REQUESTS = 10_000
RUNS = 15
TARGET_MS = 100.0


def write_requests(count: int, user_id: int) -> None:
    """``count`` synthetic requests (no personal data), in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from persondata.core import requests as rq
    from persondata.core.calendar import legal_date
    from persondata.requests.models import Request

    now = timezone.now()
    today = legal_date(now)
    kinds = [k.value for k in rq.Kind]
    states = [s.value for s in rq.State]
    rows = []
    for i in range(count):
        received = today - timedelta(days=i % 365)
        state = states[i % len(states)]
        rows.append(
            Request(
                reference=rq.new_reference(),
                kind=kinds[i % len(kinds)],
                state=state,
                channel="staff",
                received_at=now - timedelta(days=i % 365),
                received_on=received,
                due_on=rq.deadline(received).due,
                closed_at=now if rq.State(state) in rq.CLOSED_STATES else None,
                assigned_to_id=user_id if i % 3 == 0 else None,
            )
        )
    with transaction.atomic():
        Request.objects.bulk_create(rows, batch_size=1000)


def measure(user: Any, runs: int = RUNS) -> dict[str, float]:
    """The median server time (ms) of each view of the inbox, as ``user`` (who handles requests) sees it."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    views = {
        "default": "/requests/",
        "deep_page": "/requests/?state=all&page=150",
        "by_reference": "/requests/?state=all&sort=reference&page=3",
        "due_7": "/requests/?due_within=7",
        "assigned": f"/requests/?state=all&assignee={user.pk}&sort=-received",
        "all": "/requests/?state=all",
    }
    out = {}
    for name, url in views.items():
        times, cpu = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if response.status_code != 200:
                raise RuntimeError(f"the inbox answered {response.status_code} for {name}")
        out[name] = statistics.median(times) * 1000
        out[f"{name}_cpu"] = (
            statistics.median(cpu) * 1000
        )  # less sensitive to a loaded machine than wall time
    return out


def phase_inbox() -> None:
    """Runs inside the bench home: write the requests, then time the inbox's pages."""
    from django.contrib.auth import get_user_model

    from persondata.bench import set_password

    set_password("bench-password-" + os.urandom(6).hex())
    user = get_user_model().objects.get(username="bench")
    write_requests(REQUESTS, user.pk)
    times = measure(user)
    for name, ms in times.items():
        print(f"inbox_{name}_ms={ms:.2f}")
    slowest = max((k for k in times if not k.endswith("_cpu")), key=times.__getitem__)
    print(f"inbox_ms={times[slowest]:.2f}")
    print(f"inbox_cpu_ms={times[slowest + '_cpu']:.2f}")


def bench_inbox(base: Path) -> list[Any]:
    """The inbox row of ``persondata bench``: its own home, 10,000 requests."""
    from persondata.bench import Row, _env, _parse, _reset, _run_measured

    home = base / "home-inbox"
    _reset(home)
    env = _env(home)
    _run_measured(["init", "--username", "bench"], env)
    print(f"the requests inbox with {REQUESTS:,} requests …", file=sys.stderr, flush=True)
    _s, _p, out = _run_measured(["bench", "--phase", "inbox"], env)
    got = _parse(out)
    ms = got["inbox_ms"]
    return [
        Row(
            f"requests inbox, {REQUESTS:,} requests: a page (slowest view's median, server time)",
            f"{ms:.1f} ms (CPU {got['inbox_cpu_ms']:.1f} ms)",
            f"<= {TARGET_MS:.0f} ms",
            ms <= TARGET_MS,
        )
    ]
