"""The crash harness: the real ``persondata`` command killed with SIGKILL at random points, then the invariants.

Each scenario starts from a copy of one prepared home (SQLite: the crash semantics are the file's), starts its
command, kills it after a random delay within the command's own duration (measured once, uninterrupted), checks
the invariants, runs the command again to completion (the restart) and checks them once more:

* no record lost, none deleted early: every customer the uninterrupted sweep keeps is still there;
* none half-deleted: a customer's rows and keys agree (tests/retention/test_process.py ``half_deleted``);
* the audit chain is valid (``persondata audit verify``);
* the deletion ledger agrees with the database (written ahead: the file has every committed entry);
* every accepted public submission is stored; every queued message is delivered or still queued;
* a backup file is whole or absent (the restore drill takes every one there is); a restore leaves the old
  database, or the restored one closed — every command refuses until its deletion ledger is replayed — and after
  ``restore --resume`` exactly the customers of an uninterrupted restore.

A scenario is a :class:`Scenario`: a name, ``prepare`` (set the copy up, return the command and its environment)
and ``check`` (its own invariants, after the kill and after the restart), and, when the restart is not the same
command, ``restart``. `make test` kills once per scenario; `pytest --full` 100 times, spread evenly.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from persondata import demo
from persondata.bench.public import _form_request, _form_url, _opener, _submit
from tests.clitools import cli_env, init_home, persondata
from tests.conftest import TODAY
from tests.requests.conftest import Mailbox
from tests.requests.test_outbox_process import ACCEPT, smtp_on_loopback
from tests.retention.test_process import checkpoint, half_deleted, sql

pytestmark = pytest.mark.slow

FULL_KILLS = 100  # the short run: one kill per scenario
CUSTOMERS = 300  # in the prepared home; the import scenario adds as many
#: the short run's kill windows in seconds (the full run measures each command's own duration, uninterrupted)
WINDOWS = {
    "import": 5.0, "sweep": 3.5, "erasure": 3.0, "outbox": 6.0, "intake": 8.0, "backup": 2.5, "restore": 5.0,
}  # fmt: skip
USER = ("--user", "controller")
#: five public submissions of a customer on file, as the form makes them: each queues its match (after the commit),
#: which queues the confirmation mail
SUBMIT = """
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from persondata.register.models import Customer
from persondata.register.services import contact_on_file
from persondata.requests import intake

cid = Customer.objects.filter(email_bidx__isnull=False).order_by("id").values_list("id", flat=True).first()
for _ in range(5):
    with transaction.atomic():
        intake.submit("access", {"email": contact_on_file(cid)["email"]}, channel="public", now=timezone.now())
"""


@dataclass
class Run:
    """One kill: the home copy, the command's environment, and what the scenario noted before it."""

    home: Path
    env: dict[str, str]
    noted: dict[str, Any] = field(default_factory=dict)
    kept: frozenset[str] | None = None  # the customers no kill may take (default: those the sweep keeps)

    @property
    def db(self) -> Path:
        return self.home / "persondata.sqlite3"


@dataclass
class Base:
    """The prepared home, and the customers an uninterrupted sweep of TODAY keeps."""

    home: Path
    kept: frozenset[str]
    numbers: list[str]
    import_file: Path
    smtp_port: int
    mailbox: Mailbox
    restore_home: Path  # a backup of the home taken, then the sweep run (today): the restore's starting point
    backup: str  # that backup's file name under restore_home/backups
    restored: frozenset[str]  # the customers after an uninterrupted restore of it (the ledger replayed)


@dataclass(frozen=True)
class Scenario:
    name: str
    prepare: Callable[[Base, Run], list[str]]  # the command's arguments (``persondata …``)
    check: Callable[[Base, Run, bool], None]  # its own invariants; the flag: after the restart
    serve: bool = False  # the command is a server: killed with its workers, restarted by a client's need
    restart: Callable[[Base, Run], list[str]] | None = None  # the restart's command, if not the same one


def customers(db: Path) -> set[str]:
    return {str(r[0]) for r in sql(db, "SELECT id FROM customer")}


def copy_home(src: Path, dst: Path) -> None:
    for name in ("persondata.sqlite3", "keys.sqlite3"):
        checkpoint(src / name)
    shutil.copytree(src, dst)


def replay_pending(db: Path) -> bool:
    """Was a backup restored over this database and its deletion ledger not yet replayed?"""
    return bool(sql(db, "SELECT count(*) FROM backup_replay_pending")[0][0])


def check_invariants(base: Base, run: Run) -> None:
    """What must hold whenever the process stops."""
    verified = persondata("audit", "verify", env=run.env, check=False)
    if replay_pending(run.db):  # restored, not replayed: the erased customers' rows are back (keyless), so
        # nothing may open it — every command refuses, with the fix — until `restore --resume`
        assert verified.returncode != 0 and "restore --resume" in verified.stderr, verified.stderr
        return
    assert half_deleted(run.db) == dict.fromkeys(half_deleted(run.db), 0)
    assert (base.kept if run.kept is None else run.kept) <= customers(run.db), "a customer kept is gone"
    assert verified.returncode == 0, verified.stdout + verified.stderr
    committed = int(sql(run.db, "SELECT count(*) FROM retention_ledger")[0][0])
    ledger = run.home / "deletion-ledger.jsonl"
    in_file = len(ledger.read_text().splitlines()) if ledger.exists() else 0
    assert committed <= in_file, "the ledger file misses a committed deletion"


# -- the scenarios ---------------------------------------------------------------------------------------------
def _import(base: Base, run: Run) -> list[str]:
    run.noted["before"] = len(customers(run.db))
    return ["import", str(base.import_file), "--no-progress"]


def _import_check(base: Base, run: Run, restarted: bool) -> None:
    now, before = len(customers(run.db)), run.noted["before"]
    assert now in ({before + CUSTOMERS} if restarted else {before, before + CUSTOMERS}), "not all or nothing"


def _sweep(base: Base, run: Run) -> list[str]:
    return ["retention", "run", "--date", TODAY.isoformat(), "--chunk-size", "20", "--no-progress"]


def _sweep_check(base: Base, run: Run, restarted: bool) -> None:
    if restarted:
        assert customers(run.db) == base.kept


def _erasure(base: Base, run: Run) -> list[str]:
    number = random.Random(len(run.home.name)).choice(base.numbers)
    out = persondata(
        "requests",
        "new",
        "--kind",
        "erasure",
        "--customer-number",
        number,
        "--user",
        "controller",
        env=run.env,
    ).stdout
    ref = re.findall(r"PD-[A-Z0-9]{4}-[A-Z0-9]{4}", out)[0]
    persondata("requests", "verify", ref, "--method", "known_contact", "--user", "controller", env=run.env)
    run.noted["ref"] = ref
    return ["requests", "answer", ref, "--confirm-erasure", "--user", "controller"]


def _erasure_check(base: Base, run: Run, restarted: bool) -> None:
    status = sql(run.db, f"SELECT state FROM rights_request WHERE reference = '{run.noted['ref']}'")
    if restarted:
        assert status == [("answered",)], status


def _outbox(base: Base, run: Run) -> list[str]:
    made = subprocess.run([sys.executable, "-c", SUBMIT], env=run.env, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr
    run.noted["queued"] = int(sql(run.db, "SELECT count(*) FROM jobs_outbox")[0][0])
    run.noted["sent"] = len(base.mailbox.handler.received)
    run.env["PERSONDATA_SMTP_URL"] = f"smtp://127.0.0.1:{base.smtp_port}"
    return ["outbox", "deliver", "--user", "controller"]


def _outbox_check(base: Base, run: Run, restarted: bool) -> None:
    left = int(sql(run.db, "SELECT count(*) FROM jobs_outbox WHERE state != 'failed'")[0][0])
    sent = len(base.mailbox.handler.received) - run.noted["sent"]
    assert left + sent >= 5, "a message was neither delivered nor kept"  # at least once
    if not restarted:
        return
    # a message the killed deliverer had claimed (killed between its send and its delete) keeps its lease, so no
    # second deliverer sends it at the same time; the restart delivered every other, and it goes once the lease
    # has run out (moved back here, as five minutes would)
    leased = sql(run.db, "SELECT count(*) FROM jobs_outbox WHERE claimed_until IS NOT NULL")[0][0]
    assert left == leased, f"{left} left after the restart, {leased} of them claimed by the killed deliverer"
    if leased:
        con = sqlite3.connect(run.db, timeout=30)
        with contextlib.closing(con), con:
            con.execute("UPDATE jobs_outbox SET claimed_until = '2000-01-01 00:00:00'")
        persondata("outbox", "deliver", *USER, env=run.env, timeout=120)
        left = int(sql(run.db, "SELECT count(*) FROM jobs_outbox WHERE state != 'failed'")[0][0])
        sent = len(base.mailbox.handler.received) - run.noted["sent"]
    assert left == 0 and sent >= 5


def _intake(base: Base, run: Run) -> list[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    run.env.update(PERSONDATA_JOBS="0", PERSONDATA_PUBLIC_LIMIT_GLOBAL="100000", PERSONDATA_BEHIND_PROXY="1")
    run.noted.update(base=f"http://127.0.0.1:{port}", before=_requests(run), accepted=0)
    return ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"]


def _requests(run: Run) -> int:
    return int(sql(run.db, "SELECT count(*) FROM rights_request")[0][0])


def _intake_check(base: Base, run: Run, restarted: bool) -> None:
    assert _requests(run) - run.noted["before"] >= run.noted["accepted"], "an accepted submission is lost"


def _submit_until_killed(run: Run, stop: threading.Event) -> None:
    """A customer at the public form, one submission after the other, while the server lives."""
    i = 0
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"{run.noted['base']}/api/health", timeout=2):  # noqa: S310 - loopback
                pass
        except OSError:
            time.sleep(0.1)
            continue
        opener = _opener()
        request = _form_request(opener, _form_url(run.noted["base"]), i, f"crash-{i}@example.invalid", 10)
        if request is not None and _submit(opener, request, 10) is not None:
            run.noted["accepted"] += 1
        i += 1


def _backup(base: Base, run: Run) -> list[str]:
    run.noted["before"] = customers(run.db)
    return ["backup", *USER]


def _backups(run: Run) -> list[Path]:
    return sorted((run.home / "backups").glob("*.pdbak"))


def _backup_check(base: Base, run: Run, restarted: bool) -> None:
    assert customers(run.db) == run.noted["before"], "a backup changed the register"
    if restarted or _backups(
        run
    ):  # whole: the drill restores the newest into a scratch database and checks it
        assert _backups(run), "the backup left no file"
        drill = persondata("backup", "drill", *USER, env=run.env, check=False, timeout=300)
        assert drill.returncode == 0, drill.stdout + drill.stderr


def _restore(base: Base, run: Run) -> list[str]:
    shutil.rmtree(run.home)
    copy_home(base.restore_home, run.home)
    run.kept = base.restored  # the sweep ran before the restore (its deletions are in the ledger)
    return ["restore", str(run.home / "backups" / base.backup), *USER]


def _restore_restart(base: Base, run: Run) -> list[str]:
    return ["restore", "--resume", *USER] if replay_pending(run.db) else _restore_args(base, run)


def _restore_args(base: Base, run: Run) -> list[str]:
    return ["restore", str(run.home / "backups" / base.backup), *USER]


def _restore_check(base: Base, run: Run, restarted: bool) -> None:
    if restarted or not replay_pending(
        run.db
    ):  # the old database, or the restored one with its ledger replayed
        assert customers(run.db) == base.restored, "the restore lost a customer or brought an erased one back"
    if restarted:
        assert not replay_pending(run.db)


SCENARIOS = [
    Scenario("import", _import, _import_check),
    Scenario("sweep", _sweep, _sweep_check),
    Scenario("erasure", _erasure, _erasure_check),
    Scenario("outbox", _outbox, _outbox_check),
    Scenario("intake", _intake, _intake_check, serve=True),
    Scenario("backup", _backup, _backup_check),
    Scenario("restore", _restore, _restore_check, restart=_restore_restart),
]


# -- the harness -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    root = tmp_path_factory.mktemp("crash")
    home = root / "home"
    env = cli_env(home)
    init_home(env=env, timeout=300)
    records = list(demo.customers(CUSTOMERS, seed=3, today=TODAY))
    persondata(
        "import",
        str(demo.write_jsonl(iter(records), root / "base.jsonl")),
        "--no-progress",
        env=env,
        timeout=600,
    )
    subprocess.run([sys.executable, "-c", ACCEPT], env=env, check=True, timeout=120)
    more = demo.write_jsonl(
        demo.customers(CUSTOMERS, seed=4, today=TODAY, start=10_000_000), root / "more.jsonl"
    )
    swept = root / "swept"
    copy_home(home, swept)
    persondata(
        "retention", "run", "--date", TODAY.isoformat(), "--no-progress", env=cli_env(swept), timeout=600
    )
    kept = frozenset(customers(swept / "persondata.sqlite3"))
    assert 0 < len(kept) < CUSTOMERS, "the sweep should delete some customers and keep others"
    restore_home, backup, restored = _restore_base(home, root)
    with smtp_on_loopback() as (box, port):
        yield Base(
            home,
            kept,
            [r["customer_number"] for r in records],
            more,
            port,
            box,
            restore_home,
            backup,
            restored,
        )


def _restore_base(home: Path, root: Path) -> tuple[Path, str, frozenset[str]]:
    """A copy of the home backed up, then swept (today, as the restore sweeps): the restore's starting point; and
    the customers an uninterrupted restore of that backup leaves (the sweep's deletions replayed)."""
    restore_home = root / "restore-home"
    copy_home(home, restore_home)
    env = cli_env(restore_home)
    persondata("backup", *USER, env=env, timeout=600)
    [backup] = sorted((restore_home / "backups").glob("*.pdbak"))
    persondata("retention", "run", "--no-progress", env=env, timeout=600)
    swept = customers(restore_home / "persondata.sqlite3")
    reference = root / "restore-reference"
    copy_home(restore_home, reference)
    persondata(
        "restore", str(reference / "backups" / backup.name), *USER, env=cli_env(reference), timeout=600
    )
    restored = frozenset(customers(reference / "persondata.sqlite3"))
    assert restored == swept and len(restored) < CUSTOMERS, "the restore should replay the sweep's deletions"
    shutil.rmtree(reference)
    return restore_home, backup.name, restored


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # its own session: a kill reaches the server's workers too
        return subprocess.Popen(
            [sys.executable, "-m", "persondata", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def kill_once(base: Base, scenario: Scenario, where: Path, rnd: random.Random, window: float) -> bool:
    """One run of ``scenario`` killed after a random delay; the invariants, the restart, the invariants again.
    True if the kill met the command still running (False: it had finished already)."""
    run = Run(where, cli_env(where))
    copy_home(base.home, where)
    args = scenario.prepare(base, run)
    delay = rnd.uniform(0.05, window)
    stop = threading.Event()
    client = threading.Thread(target=_submit_until_killed, args=(run, stop)) if scenario.serve else None
    proc = start(args, run.env, where.parent / f"{where.name}.log")
    if client:
        client.start()
    time.sleep(delay)
    midway = proc.poll() is None
    with contextlib.suppress(ProcessLookupError):  # it finished already (poll reaped it), or just now
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    stop.set()
    if client:
        client.join(30)
    check_invariants(base, run)
    scenario.check(base, run, False)
    if not scenario.serve:  # the restart: the same command (or the scenario's own), to the end
        again = scenario.restart(base, run) if scenario.restart else args
        persondata(*again, env=run.env, check=False, timeout=600)
        check_invariants(base, run)
        scenario.check(base, run, True)
    shutil.rmtree(where)
    return midway


def measure(base: Base, tmp_path: Path) -> dict[str, float]:
    """Each command's duration, uninterrupted from start to end (the window its kills fall in)."""
    windows: dict[str, float] = {}
    for scenario in SCENARIOS:  # the command's duration, uninterrupted, sets the window its kills fall in
        if scenario.serve:
            windows[scenario.name] = 12.0
            continue
        run = Run(tmp_path / f"measure-{scenario.name}", {})
        run.env = cli_env(run.home)
        copy_home(base.home, run.home)
        args = scenario.prepare(base, run)
        began = time.monotonic()
        persondata(*args, env=run.env, timeout=600)
        windows[scenario.name] = time.monotonic() - began
        scenario.check(base, run, True)
        shutil.rmtree(run.home)
    return windows


def harness(base: Base, tmp_path: Path, kills: int, seed: int, windows: dict[str, float]) -> dict[str, int]:
    """``kills`` kills, the scenarios in turn; every kill runs (a broken invariant is noted, the next kill goes on)
    and the test fails at the end, naming each. Returns the kills by scenario, and how many met it mid-way."""
    rnd = random.Random(seed)
    windows = dict(windows)
    done: dict[str, int] = {}
    broken: list[str] = []
    for i in range(kills):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        where = tmp_path / f"kill-{i}-{scenario.name}"
        try:
            midway = kill_once(base, scenario, where, rnd, windows[scenario.name])
        except AssertionError as exc:
            broken.append(f"kill {i} ({scenario.name}, kept at {where}): {str(exc)[:400]}")
            midway = True
        # the machine's load changes the commands' durations: a kill that came after the end narrows the window
        # (a shared machine measured at a busy moment gave windows in which most kills came too late)
        if not scenario.serve:
            windows[scenario.name] *= 1.1 if midway else 0.6
        done[scenario.name] = done.get(scenario.name, 0) + 1
        done[f"{scenario.name} mid-way"] = done.get(f"{scenario.name} mid-way", 0) + int(midway)
    sys.stdout.write(
        f"\ncrash harness: {kills} kills, {len(broken)} broken: {done}; windows at the end {windows}\n"
    )
    assert not broken, "\n".join(broken)
    return done


def test_a_few_kills_across_every_scenario(base: Base, tmp_path: Path) -> None:
    done = harness(base, tmp_path, len(SCENARIOS), 18, WINDOWS)
    assert {s.name: done[s.name] for s in SCENARIOS} == dict.fromkeys([s.name for s in SCENARIOS], 1)


@pytest.mark.full
@pytest.mark.slow
def test_a_hundred_kills(base: Base, tmp_path: Path) -> None:
    windows = measure(base, tmp_path)
    sys.stdout.write(f"\nthe commands' durations (s), the kill windows: {windows}\n")
    done = harness(base, tmp_path, FULL_KILLS, 1805, windows)
    assert sum(done[s.name] for s in SCENARIOS) == FULL_KILLS
