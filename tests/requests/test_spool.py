"""The intake spool (SQLite; ``persondata.requests.spool``): beside an all-or-nothing import the public form stores a
submission, sealed, in a file of its own and answers with a real reference; the drain moves it into the database
through the path of every public submission — received when the spool received it, matched, audited, mailed — and
exactly once, even when a drain is killed half-way (issue 18: "a public submission is never lost")."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from persondata.audit.models import AuditEntry
from persondata.jobs.outbox import wait_for_outbox
from persondata.rawsql import WHOLE_RUN, long_writer, writing_beside
from persondata.requests import spool
from persondata.requests.models import RateBucket, Request
from tests.clitools import cli_env, init_home, own_database
from tests.web.test_busy import importing, writer_lock

SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
REFERENCE = re.compile(r"PD-[0-9A-Z]{4}-[0-9A-Z]{4}")
NOTHING_WAITS = {"status": "ok", "spooled": 0, "spooled_oldest_seconds": None}


@pytest.fixture
def empty_spool(transactional_db: None) -> Iterator[None]:
    """The spool's file outlives the test database's flush: empty before and after (SQLite)."""

    def empty() -> None:
        if connection.vendor == "sqlite":
            with writing_beside(), connection.cursor() as cur:
                cur.execute(f"DELETE FROM {spool.TABLE}")

    empty()
    yield
    empty()


def _file_bytes(path: Path) -> bytes:
    """The spool's file and its WAL, as a copy of the disk would hold them."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.skipif(not SQLITE, reason="SQLite: PostgreSQL locks rows, no spool")
def test_beside_an_import_a_submission_is_spooled_sealed_and_then_moved_in_as_any(
    demo_customers: list[dict[str, Any]], smtp: Any, empty_spool: None, make_staff: Callable[..., Any]
) -> None:
    customer = demo_customers[2]
    staff = Client()
    staff.force_login(make_staff("boss", ["controller"]))
    client = Client()
    assert client.get("/privacy/request/").status_code == 200
    before_requests, before_audit = Request.objects.count(), AuditEntry.objects.count()
    with writer_lock(importing):
        assert long_writer() == WHOLE_RUN
        received_from = timezone.now()
        posted = client.post(
            "/privacy/request/",
            urlencode({"kind": "access", "language": "da", "website": "", "email": customer["email"],
                       "csrfmiddlewaretoken": client.cookies["csrftoken"].value}),
            content_type="application/x-www-form-urlencoded",
        )  # fmt: skip
        received_to = timezone.now()
        assert posted.status_code == 303 and posted["Location"] == "/privacy/request/thanks/"
        page = client.get(posted["Location"]).content.decode()
        found = REFERENCE.search(page)
        assert found is not None
        reference = found.group(0)
        assert spool.waiting()[0] == 1 and Request.objects.count() == before_requests
        # sealed: the address typed is nowhere in the spool's bytes
        assert customer["email"].encode() not in _file_bytes(Path(settings.PERSONDATA_INTAKE_SPOOL_FILE))
        assert spool.drain(timezone.now()) == {"moved": 0, "waiting": 1}  # nothing while the import runs
        health = Client().get("/api/health").json()  # what a monitor sees waiting
        assert health["spooled"] == 1 and health["spooled_oldest_seconds"] >= 0
        inbox = staff.get("/requests/")  # the staff are told a request is on its way
        assert inbox.status_code == 200 and 'id="spooled"' in inbox.content.decode()
    time.sleep(1.1)  # the move comes later than the receipt
    assert spool.drain(timezone.now()) == {"moved": 1, "waiting": 0}
    assert Path(f"{settings.PERSONDATA_INTAKE_SPOOL_FILE}-wal").stat().st_size == 0  # the old pages gone
    wait_for_outbox()
    request = Request.objects.get(reference=reference)
    assert received_from <= request.received_at <= received_to  # R6: the deadline counts from receipt
    assert request.channel == "public" and request.match == "single"
    # the due date the visitor was shown (signed into the thank-you page's cookie) is the request's
    assert f"{reference}|{request.due_on.isoformat()}" in client.cookies["pd_request"].value
    [entry] = AuditEntry.objects.filter(action="request.receive", target=str(request.id))
    assert entry.details["spooled"] is True and AuditEntry.objects.count() > before_audit
    [mail] = smtp.to(customer["email"])
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and reference in body.get_content()
    # counted by the rate limit once moved: the client's window and everybody's
    assert sum(RateBucket.objects.values_list("count", flat=True)) == 2
    assert spool.drain(timezone.now()) == {"moved": 0, "waiting": 0}
    assert Client().get("/api/health").json() == NOTHING_WAITS
    inbox = staff.get("/requests/").content.decode()
    assert 'id="spooled"' not in inbox and reference in inbox


def test_on_either_database_nothing_waits_without_a_long_writer(db: None, empty_spool: None) -> None:
    """PostgreSQL never spools (row locks: a submission never waits for an import); SQLite only beside one."""
    client = Client()
    assert client.get("/privacy/request/").status_code == 200
    posted = client.post(
        "/privacy/request/",
        urlencode({"kind": "access", "language": "da", "website": "", "name": "Plain Visitor",
                   "csrfmiddlewaretoken": client.cookies["csrftoken"].value}),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert posted.status_code == 303 and Request.objects.count() == 1
    assert spool.waiting() == (0, None) and spool.drain(timezone.now()) == {"moved": 0, "waiting": 0}
    assert Client().get("/api/health").json() == NOTHING_WAITS


@pytest.mark.skipif(not SQLITE, reason="SQLite: PostgreSQL locks rows, no spool")
def test_spooled_submissions_count_for_the_rate_limit(db: None, settings: Any, empty_spool: None) -> None:
    settings.PERSONDATA_PUBLIC_LIMIT_PER_CLIENT = 2
    client = Client()
    assert client.get("/privacy/request/").status_code == 200

    def send() -> Any:
        return client.post(
            "/privacy/request/",
            urlencode({"kind": "access", "language": "en", "website": "", "name": "Spool Visitor",
                       "csrfmiddlewaretoken": client.cookies["csrftoken"].value}),
            content_type="application/x-www-form-urlencoded",
        )  # fmt: skip

    with writer_lock(importing):
        statuses = [send().status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert spool.waiting()[0] == 2
    # once the lock is free: the spooled ones count until they are moved in, and in the stored counts after
    assert send().status_code == 429 and Request.objects.count() == 0
    assert spool.drain(timezone.now())["moved"] == 2
    assert send().status_code == 429 and Request.objects.count() == 2


# Spools COUNT synthetic submissions (as the form does beside an import), nothing else.
SPOOL = """
import sys
import django
django.setup()
from django.utils import timezone
from persondata.rawsql import writing_beside
from persondata.requests import spool

for n in range(int(sys.argv[1])):
    with writing_beside():
        spool.put("access", {"name": f"Spool Person {n}"}, language="da", windows=[], now=timezone.now())
"""

# Drains the spool; with KILL set, the process kills itself right after the third move's commit — before the
# move deletes the submission's row from the spool.
DRAIN = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from persondata.requests import spool
from persondata.requests.models import Request

moved = []

def after_commit(**kwargs):
    if kwargs.get("created"):
        moved.append(1)
        if len(moved) == 3:
            transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))

if sys.argv[1] == "kill":
    post_save.connect(after_commit, sender=Request)
print(spool.drain(timezone.now()), flush=True)
"""

COUNT = """
import django
django.setup()
from persondata.requests import spool
from persondata.requests.models import Request
refs = list(Request.objects.values_list("reference", flat=True))
print(len(refs), len(set(refs)), spool.waiting()[0], flush=True)
"""


@pytest.fixture
def installation(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    home = tmp_path / "home"
    databases = own_database(home, "_spool_kill")
    try:
        env = cli_env(home, next(databases))
        init_home(env=env, timeout=300)
        yield env
    finally:
        databases.close()


def _run(env: dict[str, str], script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
@pytest.mark.skipif(not SQLITE, reason="SQLite: PostgreSQL locks rows, no spool")
def test_a_drain_killed_half_way_and_run_again_moves_each_submission_exactly_once(
    installation: dict[str, str],
) -> None:
    env = installation
    assert _run(env, SPOOL, "8").returncode == 0
    killed = _run(env, DRAIN, "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    counted = _run(env, COUNT)
    # three moved (the third's row still in the spool: killed between the move's commit and the row's delete)
    assert counted.stdout.split() == ["3", "3", "6"], counted.stderr[-2000:]
    again = _run(env, DRAIN, "run")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "'moved': 6, 'waiting': 0" in again.stdout  # the third's row deleted, not moved twice
    counted = _run(env, COUNT)
    assert counted.stdout.split() == ["8", "8", "0"], counted.stderr[-2000:]
    assert (Path(env["PERSONDATA_HOME"]) / "intake-spool.sqlite3").stat().st_mode & 0o777 == 0o600
