"""``persondata bench``: generates synthetic data and measures the issue's speed targets, printing a table.

Every phase runs against a throw-away home and SQLite database under ``<home>/bench/`` (never the
installation's own database), in a child process, so wall time and peak memory are those of the real command.
"""

from __future__ import annotations

import csv
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from persondata import demo
from persondata.bench import backups, reimport, sustained
from persondata.bench.inbox import bench_inbox, phase_inbox

BENCH_TODAY = date(2026, 11, 25)  # fixed, so generated files are reusable across runs
_ROW_FILES = ("customers.csv", "orders.csv", "invoices.csv", "payments.csv")


@dataclass
class Row:
    metric: str
    value: str
    target: str
    ok: bool | None

    def cells(self) -> list[str]:
        return [self.metric, self.value, self.target, {True: "yes", False: "NO", None: "-"}[self.ok]]


def print_table(rows: list[Row]) -> None:
    head = ["metric", "measured", "target", "met"]
    widths = [max(len(x) for x in col) for col in zip(head, *(r.cells() for r in rows), strict=True)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print(line)
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r.cells(), widths, strict=True)) + " |")
    print(line)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONDATA_")}
    env.update(
        PERSONDATA_HOME=str(home),
        PERSONDATA_DATABASE_URL=f"sqlite:///{home / 'bench.sqlite3'}",
        DJANGO_SETTINGS_MODULE="persondata.settings",
        LANGUAGE="en",  # the rows read the commands' English reports (a command speaks Danish by default)
    )
    return env


def _run_measured(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "persondata", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"persondata {' '.join(args)} exited {proc.returncode}")
    return seconds, usage.ru_maxrss // 1024, out


def _data(folder: Path, customers: int) -> tuple[list[Path], int]:
    marker = folder / "records.txt"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {customers:,} synthetic customers in {folder} …", file=sys.stderr, flush=True)
        counted = _Counting(demo.customers(customers, seed=42, today=BENCH_TODAY))
        demo.write_csv(counted, folder)
        marker.write_text(str(counted.records))
    return [folder / f for f in _ROW_FILES], int(marker.read_text())


def _input_rows(files: list[Path]) -> int:
    """The data rows of the CSV files (an order is one row per order line; the demo data has no quoted breaks)."""
    rows = 0
    for path in files:
        with path.open("rb") as f:
            rows -= 1  # the header
            while chunk := f.read(1 << 20):
                rows += chunk.count(b"\n")
    return rows


class _Counting:
    """Passes records through, counting the register rows each one becomes."""

    def __init__(self, it: Iterator[dict[str, Any]]) -> None:
        self.it, self.records = it, 0

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> dict[str, Any]:
        r = next(self.it)
        self.records += 1 + len(r["orders"]) + len(r["invoices"]) + len(r["payments"])
        return r


def _sample_emails(customers_csv: Path, k: int, total: int) -> list[str]:
    wanted = set(random.Random(5).sample(range(total), min(k, total)))
    out = []
    with customers_csv.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i in wanted:
                out.append(row["email"])
    return out


def bench_machine() -> Row:
    """How fast this machine is today, so tables from different days can be compared: a fixed pure-Python loop
    and fixed SQLite inserts (in memory, random 16-byte keys in two indexes — the shape of a blind index).

    The same code measures very differently on a shared machine from one day to the next; the other rows are
    comparable only together with this one.
    """
    import sqlite3

    loop = []
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        loop.append(time.perf_counter() - t0)
    rows = [(os.urandom(16), os.urandom(16), os.urandom(120)) for _ in range(100_000)]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a BLOB, b BLOB, c BLOB)")
    db.execute("CREATE INDEX ta ON t (a)")
    db.execute("CREATE INDEX tb ON t (b)")
    t0 = time.perf_counter()
    db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    insert_us = (time.perf_counter() - t0) / len(rows) * 1e6
    db.close()
    return Row(
        "machine reference: Python loop of 5 M additions / SQLite insert",
        f"{min(loop):.2f} s / {insert_us:.1f} µs per row",
        "(for comparing days)",
        None,
    )


def bench_access_decision() -> Row:
    """The pure access decision (no database): median over batches of calls cycling roles × categories."""
    from persondata.core.access import decide
    from persondata.core.policy import load_policy

    policy = load_policy(None)
    cases = [
        ((role,), category, purpose)
        for role in policy.roles
        for category in policy.categories
        for purpose in (*policy.purposes, "marketing")
    ]
    per_call = []
    for _ in range(30):
        t0 = time.perf_counter()
        for roles, category, purpose in cases * 20:
            decide(policy, roles, category, "read", purpose)
        per_call.append((time.perf_counter() - t0) / (len(cases) * 20))
    median_us = statistics.median(per_call) * 1e6
    return Row("access decision, pure core (median)", f"{median_us:.2f} µs", "<= 20 µs", median_us <= 20)


def run(customers: int, base: Path, audit_entries: int = 1_000_000, only: str | None = None) -> list[Row]:
    """Every row of the table; ``only="backups"`` measures the imports (the homes the rest needs), key rotation,
    backup, retention and restore, and skips the audit, re-import, lookup, page, load, request and inbox rows."""
    rows: list[Row] = [bench_machine(), bench_access_decision()]
    if only is None:
        rows.extend(_bench_audit(base, audit_entries))
    big_files, big_records = _data(base / f"data-{customers}", customers)
    small_n = max(customers // 10, 1000)
    rows.extend(_bench_imports(base, customers, small_n, big_files, big_records, reimport=only is None))
    env = _env(base / "home-full")
    if only is None:
        rows.extend(_bench_reads(base, env, customers, small_n, big_files))
    from persondata.bench.rotation import bench_rotation  # it builds on this module's helpers

    rows.extend(bench_rotation(base / "home-full", customers))
    # the backup before the run: its restore replays the run's ledger
    backup_s, backup = backups.take_backup(env, "bench")
    rows.extend(bench_retention(base, customers, small_n))  # the run deletes from the full home
    rows.extend(backups.restore_rows(env, "bench", backup, customers, backup_s))
    return rows


def _bench_audit(base: Path, audit_entries: int) -> list[Row]:
    home = base / "home-audit"
    _reset(home)
    env = _env(home)
    _run_measured(["init", "--username", "bench"], env)
    print(f"filling and verifying {audit_entries:,} audit entries …", file=sys.stderr, flush=True)
    _s, _p, out = _run_measured(["bench", "--phase", "audit", "--entries", str(audit_entries)], env)
    audit = _parse(out)
    return [
        Row(
            f"audit verify, {audit_entries:,} entries (SQLite)",
            f"{audit['audit_rate']:,.0f} entries/s ({audit['audit_seconds']:.1f} s)",
            ">= 200,000 entries/s",
            audit["audit_rate"] >= 200_000,
        )
    ]


def _bench_imports(
    base: Path, customers: int, small_n: int, big_files: list[Path], big_records: int, *, reimport: bool
) -> list[Row]:
    """The first load into two fresh homes (the full size and a tenth), then the nightly re-imports."""
    rows: list[Row] = []
    small_files, small_records = _data(base / f"data-{small_n}", small_n)
    peaks = {}
    for label, files, records in (("small", small_files, small_records), ("full", big_files, big_records)):
        home = base / f"home-{label}"
        _reset(home)
        env = _env(home)
        _run_measured(["init", "--username", "bench"], env)
        print(f"importing {records:,} records ({label}) …", file=sys.stderr, flush=True)
        seconds, peak, out = _run_measured(["import", "--no-progress", *map(str, files)], env)
        peaks[label] = peak
        if label == "full":
            rate = records / seconds
            lines = _input_rows(files)
            rows.append(
                Row(
                    f"import, {customers:,} customers ({records:,} records, {lines:,} CSV rows), SQLite",
                    f"{rate:,.0f} records/s ({lines / seconds:,.0f} CSV rows/s; {seconds:.0f} s)",
                    ">= 50,000 rows/s (records)",
                    rate >= 50_000,
                )
            )
            # the import's own account of its time in the database: the lookups, the writes and the commit.
            # records / that time is the most any import could reach on this machine with this register layout.
            db = float(m.group(1)) if (m := re.search(r"\(database ([\d.]+) s\)", out)) else 0.0
            rows.append(
                Row(
                    "  of which in the database (ceiling: records / that time)",
                    f"{db:.0f} s ({records / db:,.0f} records/s)" if db else "not reported",
                    "",
                    None,
                )
            )
    if reimport:
        rows.extend(bench_reimport(base, customers, big_files, big_records))
    rows.append(Row("import peak memory (full file)", f"{peaks['full']} MB", "< 500 MB", peaks["full"] < 500))
    growth = peaks["full"] - peaks["small"]
    rows.append(
        Row(
            f"memory growth {small_n:,} -> {customers:,} customers",
            f"{growth:+d} MB",
            "flat (< 50 MB)",
            growth < 50,
        )
    )
    return rows


def _bench_reads(
    base: Path, env: dict[str, str], customers: int, small_n: int, big_files: list[Path]
) -> list[Row]:
    """Lookups, the customer page, the sustained load, the requests and the inbox, on the full home."""
    rows: list[Row] = []
    password = "bench-password-" + os.urandom(6).hex()
    subprocess.run([sys.executable, "-m", "persondata", "bench", "--phase", "password", "--password", password],
                   env=env, check=True)  # fmt: skip
    emails = _sample_emails(big_files[0], 2000, customers)
    email_file = base / "emails.txt"
    email_file.write_text("\n".join(emails), encoding="utf-8")
    _s, _p, out = _run_measured(["bench", "--phase", "lookups", "--emails", str(email_file)], env)
    lookup = _parse(out)
    rows.append(
        Row(
            "lookup by e-mail incl. decryption + access log (median)",
            f"{lookup['lookup_ms']:.2f} ms",
            "<= 2 ms",
            lookup["lookup_ms"] <= 2,
        )
    )
    rows.append(
        Row(
            "  of which the access-log write (median)",
            f"{lookup['log_ms']:.3f} ms",
            "<= 0.5 ms",
            lookup["log_ms"] <= 0.5,
        )
    )
    page_ms = _http_pages(env, password, emails[:300])
    rows.append(Row("customer page over HTTP (median)", f"{page_ms:.1f} ms", "<= 30 ms", page_ms <= 30))
    rows.extend(sustained.phases(base, password, customers, small_n, big_files))
    rows.extend(bench_requests(env, big_files[0], customers, emails[300:340]))
    rows.extend(bench_inbox(base))  # persondata.bench.inbox
    return rows


_REGISTER_TABLES = (
    "customer", "customer_order", "invoice", "payment", "persondata_keys.data_key", "customer_name_token"
)  # fmt: skip


def bench_reimport(base: Path, customers: int, files: list[Path], records: int) -> list[Row]:
    """The nightly re-import into the full home: the same export, then one with 1 % of its customers changed."""
    env = _env(base / "home-full")
    changed = reimport.changed_copy(base / f"data-{customers}-changed", customers, seed=42, today=BENCH_TODAY)
    rows = []
    for label, paths in (("unchanged", files), ("1 % changed", changed)):
        print(f"re-importing {records:,} records ({label}) …", file=sys.stderr, flush=True)
        _wall, peak, out = _run_measured(["import", "--no-progress", *map(str, paths)], env)
        seconds = reimport.import_seconds(out)  # the import's own time, without the process's start
        scaled, target = reimport.at_a_million(seconds, customers), reimport.TARGETS[label]
        rows.append(
            Row(
                f"re-import {label}, {customers:,} customers (SQLite)",
                f"{seconds:.1f} s ({records / seconds:,.0f} records/s; {peak} MB; ≈ {scaled:.0f} s at 1M)",
                f"<= {target:.0f} s at 1,000,000 customers",
                scaled <= target,
            )
        )
    return rows


def _register_rows(home: Path) -> int:
    import sqlite3

    con = sqlite3.connect(home / "bench.sqlite3")
    try:
        con.execute("ATTACH DATABASE ? AS persondata_keys", [str(home / "keys.sqlite3")])  # the key store
        return sum(int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in _REGISTER_TABLES)  # noqa: S608 - constants
    finally:
        con.close()


def bench_retention(base: Path, customers: int, small_customers: int) -> list[Row]:
    """``retention plan`` and ``retention run`` as the real commands, on the two imported bench homes.

    The demo data spans seven years before BENCH_TODAY, so a sweep on that day deletes about a fifth of the
    rows: customers whose relationship ended over three years ago, and the accounting material of 2020 and before.
    Targets at 1,000,000 customers (≈ 8 million rows): plan ≤ 60 s, run ≤ 120 s, memory ≤ 500 MB and flat. The
    time at a million is extrapolated along the line through the small and the full measurement, so that the
    command's fixed start-up cost is not multiplied.
    """
    day = BENCH_TODAY.isoformat()
    timings: dict[str, tuple[float, int]] = {}
    deleted = before = 0
    for label, n in (("small", small_customers), ("full", customers)):
        home = base / f"home-{label}"
        env = _env(home)
        print(f"retention plan and run, {n:,} customers …", file=sys.stderr, flush=True)
        rows_before = _register_rows(home)
        for kind in ("plan", "run"):
            seconds, peak, _out = _run_measured(["retention", kind, "--date", day, "--no-progress"], env)
            timings[f"{kind}-{label}"] = (seconds, peak)
        if label == "full":
            before, deleted = rows_before, rows_before - _register_rows(home)

    def at_a_million(kind: str) -> float:
        (t_small, _), (t_full, _) = timings[f"{kind}-small"], timings[f"{kind}-full"]
        slope = (t_full - t_small) / max(customers - small_customers, 1)
        return t_full + slope * (1_000_000 - customers)

    plan_s, plan_peak = timings["plan-full"]
    run_s, run_peak = timings["run-full"]
    plan_1m, run_1m = at_a_million("plan"), at_a_million("run")
    share = deleted / before if before else 0.0
    # the run's memory is mostly SQLite's page cache, which the sweep caps (rawsql.SQLITE_CACHE_KIB): flat means
    # the plan, whose memory is the sweep's own, does not grow with the register
    growth = plan_peak - timings["plan-small"][1]
    return [
        Row(
            f"retention plan, {customers:,} customers ({before:,} rows)",
            f"{plan_s:.1f} s (≈ {plan_1m:.0f} s at 1M)",
            "<= 60 s at 1,000,000",
            plan_1m <= 60,
        ),
        Row(
            f"retention run, deleting {deleted:,} rows ({share:.0%})",
            f"{run_s:.1f} s (≈ {run_1m:.0f} s at 1M)",
            "<= 120 s at 1,000,000",
            run_1m <= 120,
        ),
        Row(
            "retention peak memory (plan / run incl. 128 MB SQLite cache)",
            f"{plan_peak} / {run_peak} MB",
            "<= 500 MB",
            max(plan_peak, run_peak) <= 500,
        ),
        Row(
            f"retention plan memory growth {small_customers:,} -> {customers:,} customers",
            f"{growth:+d} MB",
            "flat (< 50 MB)",
            growth < 50,
        ),
    ]


def _parse(out: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r"^(\w+)=([\d.]+)$", out, re.M)}


def _reset(home: Path) -> None:
    if home.exists():
        for p in sorted(home.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    home.mkdir(parents=True, exist_ok=True)


def phase_lookups(emails_file: Path) -> None:
    """Runs inside the bench home: median service time of a lookup by e-mail, and of the access-log write."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from persondata.access.actor import Actor
    from persondata.access.models import AccessLog
    from persondata.register import services

    emails = emails_file.read_text(encoding="utf-8").split()
    user = get_user_model().objects.get(username="bench")
    actor = Actor.for_user(user, None, "cli")
    times, log_times = [], []
    for email in emails:
        t0 = time.perf_counter()
        with transaction.atomic():
            hits = services.find_customers(actor, email, now=timezone.now())
        times.append(time.perf_counter() - t0)
        assert len(hits) == 1, "a benchmark e-mail was not found"
        t0 = time.perf_counter()
        with transaction.atomic():
            AccessLog.objects.create(
                at=timezone.now(),
                staff_id=actor.user_id,
                customer_id=hits[0].id,
                categories="contact",
                purpose=actor.purpose,
                channel="cli",
            )
        log_times.append(time.perf_counter() - t0)
    print(f"lookup_ms={statistics.median(times) * 1000:.4f}")
    print(f"log_ms={statistics.median(log_times) * 1000:.4f}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(env: dict[str, str], **extra: str) -> Iterator[tuple[str, int]]:
    """``persondata serve`` (gunicorn, 2 workers) on a free loopback port, without the job runner (no sweep in
    the middle of a measurement); yields its base URL once it answers, and its process id."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "persondata", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env={**env, "PERSONDATA_JOBS": "0", **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(10)


def _http_pages(env: dict[str, str], password: str, emails: list[str]) -> float:
    with _server(env) as (base, _pid):
        opener = _login(base, password)
        ids = []
        for email in emails:
            html = _post(opener, base + "/customers/", {"query": email, "purpose": "customer_service"})
            ids += re.findall(r'href="/customers/([0-9a-f-]{36})/', html)[:1]
        times = []
        for cid in ids:
            t0 = time.perf_counter()
            with opener.open(f"{base}/customers/{cid}/") as r:
                r.read()
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000


def _login(base: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/login/").read()  # the CSRF cookie
    _post(opener, base + "/login/", {"username": "bench", "password": password})
    return opener


def _post(opener: urllib.request.OpenerDirector, url: str, data: dict[str, str]) -> str:
    with opener.open(url) as r:
        page = r.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token.group(1) if token else ""}).encode()
    req = urllib.request.Request(url, data=body, headers={"Referer": url})
    with opener.open(req) as r:
        return str(r.read().decode())


def phase_audit(entries: int) -> None:
    """Runs inside the throw-away bench home: fill the audit table and time ``audit verify``."""
    from persondata.bench.audit import bench_audit_verify

    rate, seconds = bench_audit_verify(entries, clear=True)
    print(f"audit_rate={rate:.1f}")
    print(f"audit_seconds={seconds:.3f}")


def set_password(password: str) -> None:
    """Prepare the bench login: a known password, and the declarations accepted (no data is shown before)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from persondata.access.gate import missing_acknowledgements
    from persondata.access.models import StaffProfile
    from persondata.access.staff import acknowledge

    user = get_user_model().objects.get(username="bench")
    user.set_password(password)
    user.save()
    with transaction.atomic():
        # the bench chose this password itself: the first-login change (made passwords) does not apply
        StaffProfile.objects.filter(user=user).update(must_change_password=False)
        for text in missing_acknowledgements(user):
            acknowledge(user, text, timezone.now())


def phase_requests() -> None:
    """Runs inside the bench home: answering customers' requests (persondata.bench.requests)."""
    from persondata.bench.requests import phase_requests as run

    run()


def bench_requests(env: dict[str, str], customers_csv: Path, customers: int, emails: list[str]) -> list[Row]:
    """Customers' requests on the full home: the answers (a phase in the home), the answers end to end over the
    API, and the public form over HTTP — 50 at once, then ``emails`` (customers') one at a time against as many
    that match nobody."""
    from persondata.bench import answers_http

    print("answering requests …", file=sys.stderr, flush=True)
    _s, _p, out = _run_measured(["bench", "--phase", "requests"], env)
    req = _parse(out)
    http = answers_http.measure(env, customers_csv, customers)
    ok, failed, form_ms, (matched_ms, unmatched_ms, timing_failed) = _http_public_form(env, emails)
    return [
        Row(
            "access answer, JSON (50 orders, 30 invoices; median)",
            f"{req['access_json_ms']:.1f} ms",
            "<= 50 ms",
            req["access_json_ms"] <= 50,
        ),
        Row(
            "access answer, letter included: server time (median)",
            f"{req['access_ms']:.1f} ms (CPU {req['access_cpu_ms']:.1f} ms)",
            "<= 30 ms",
            req["access_ms"] <= 30,
        ),
        Row(
            "  its letter (HTML, PDF) downloadable, from the answer's start (median)",
            f"{req['access_pdf_ms']:.0f} ms",
            "<= 1,500 ms",
            req["access_pdf_ms"] <= 1500,
        ),
        Row(
            "  its PDF alone, alternating: WeasyPrint (before) vs Typst (now), median",
            f"{req['pdf_weasyprint_ms']:.0f} vs {req['pdf_typst_ms']:.0f} ms "
            f"(CPU {req['pdf_weasyprint_cpu_ms']:.0f} vs {req['pdf_typst_cpu_ms']:.0f} ms)",
            "",
            None,
        ),
        Row(
            "erasure answer, letter included: server time (median)",
            f"{req['erasure_ms']:.1f} ms (CPU {req['erasure_cpu_ms']:.1f} ms)",
            "<= 30 ms",
            req["erasure_ms"] <= 30,
        ),
        Row(
            "  its letter (HTML, PDF) downloadable, from the answer's start (median)",
            f"{req['erasure_pdf_ms']:.0f} ms",
            "<= 1,500 ms",
            req["erasure_pdf_ms"] <= 1500,
        ),
        *answers_http.rows(http),
        Row(
            "public request form, 50 concurrent submissions",
            f"{ok}/50 ok, {failed} errors, median {form_ms:.0f} ms",
            "50/50, no errors",
            ok == 50 and failed == 0,
        ),
        Row(
            f"public form, a customer's vs nobody's details ({len(emails)} each, one at a time; medians)",
            f"{matched_ms:.1f} vs {unmatched_ms:.1f} ms"
            + (f", {timing_failed} errors" if timing_failed else ""),
            "the same (within 20 %)",
            timing_failed == 0 and abs(matched_ms - unmatched_ms) <= max(2.0, 0.2 * unmatched_ms),
        ),
    ]


def _http_public_form(
    env: dict[str, str], emails: list[str]
) -> tuple[int, int, float, tuple[float, float, int]]:
    from persondata.bench.public import bench_match_timing, bench_public_form

    # the rate limiter sees each simulated visitor's own address (X-Forwarded-For, trusted behind a proxy); the
    # global ceiling is raised for the one-at-a-time comparison that follows the 50
    limit = str(100 + 2 * len(emails))
    with _server(env, PERSONDATA_BEHIND_PROXY="1", PERSONDATA_PUBLIC_LIMIT_GLOBAL=limit) as (base, _pid):
        return (*bench_public_form(base, 50), bench_match_timing(base, emails))


PHASES: dict[str, Callable[..., None]] = {
    "lookups": phase_lookups,
    "password": set_password,
    "audit": phase_audit,
    "requests": phase_requests,
    "inbox": phase_inbox,
    "replay": lambda: None,  # run by the command itself: the ledger replay's row alone (bench.backups)
}
