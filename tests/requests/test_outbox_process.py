"""The outbox across processes: a process killed right after a request's commit, before its mail is sent, loses
nothing (the next delivery sends it exactly once); without SMTP no file under the home or ``$HOME`` ever holds the
address in clear text. The real ``persondata`` command, its own home and database (SQLite, or PostgreSQL when the
tests run on it), a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.clitools import cli_env, init_home, own_database, persondata
from tests.requests.conftest import Mailbox

pytestmark = pytest.mark.slow


# Registers an access request for the first customer with an e-mail on file and sends its confirmation, in one
# transaction; with KILL set, the process kills itself in the first on-commit callback — after the commit, before
# the outbox's kick. Prints the address on file (for the test to look for), never to a file.
SCRIPT = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from persondata.register.models import Customer
from persondata.register.services import contact_on_file
from persondata.requests import intake

cid = Customer.objects.filter(email_bidx__isnull=False).order_by("id").values_list("id", flat=True).first()
address = contact_on_file(cid)["email"]
print(address, flush=True)
with transaction.atomic():
    if sys.argv[1] == "kill":
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    # as the public form does: stored, matched and mailed after the commit, through the outbox
    request = intake.submit("access", {"email": address}, channel="public", now=timezone.now())
"""

# The controller reads and accepts the declarations, as on a first login (no customer data before that).
ACCEPT = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from persondata.access.staff import acknowledge
from persondata.access.gate import missing_acknowledgements

user = get_user_model().objects.get(username="controller")
with transaction.atomic():
    for text in missing_acknowledgements(user):
        acknowledge(user, text, timezone.now())
"""


@pytest.fixture
def installation(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A demo home with 20 synthetic customers; ``$HOME`` is a directory of its own (scanned too)."""
    home = tmp_path / "home"
    databases = own_database(home, f"_outbox_{request.node.name[-20:].lower()}")
    try:
        env = cli_env(home, next(databases))
        env["HOME"] = str(tmp_path / "user")
        Path(env["HOME"]).mkdir()
        init_home(env=env, timeout=300)
        persondata("demo", "--customers", "20", env=env, timeout=300)  # the customers alone: no demo requests
        subprocess.run([sys.executable, "-c", ACCEPT], env=env, check=True, timeout=120)
        yield env
    finally:
        databases.close()


@contextmanager
def smtp_on_loopback() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on a free loopback port, and the mailbox it fills."""
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = Controller(box.handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield box, port
    finally:
        server.stop()


@pytest.fixture
def smtp_peer() -> Iterator[tuple[Mailbox, int]]:
    with smtp_on_loopback() as peer:
        yield peer


def _register(env: dict[str, str], mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_process_killed_after_the_commit_sends_its_mail_exactly_once_on_restart(
    installation: dict[str, str], smtp_peer: tuple[Mailbox, int]
) -> None:
    box, port = smtp_peer
    env = {**installation, "PERSONDATA_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    killed = _register(env, "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    address = killed.stdout.strip()
    assert "@" in address and box.handler.received == []  # committed, not sent: the process died first
    listed = persondata("outbox", "list", "--user", "controller", env=env)
    # the submission is stored, and so is the work that follows it: its match, which then sends the mail
    assert " request_match " in listed.stdout and "pending" in listed.stdout
    assert " mail " not in listed.stdout
    # the restart: the delivery pass (the job runner's, here by hand) sends what the dead process did not
    persondata("outbox", "deliver", "--user", "controller", env=env)
    persondata("outbox", "deliver", "--user", "controller", env=env)  # again: nothing left to send
    assert [str(m["To"]).lower() for m in box.handler.received] == [address.lower()]
    assert "/privacy/confirm/" in box.handler.received[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert persondata("outbox", "list", "--user", "controller", env=env).stdout == ""


def _files_holding(roots: list[Path], needle: bytes) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and needle in path.read_bytes().lower():
                found.append(str(path))
    return found


def test_without_smtp_no_file_holds_the_address_and_the_controller_reads_the_held_mail(
    installation: dict[str, str],
) -> None:
    env = installation
    sent = _register(env, "send")
    assert sent.returncode == 0, sent.stderr
    address = sent.stdout.strip()
    home, user_home = Path(env["PERSONDATA_HOME"]), Path(env["HOME"])
    listed = persondata("outbox", "list", "--user", "controller", env=env)
    assert "held" in listed.stdout and "held: no SMTP server is set" in listed.stderr
    message_id = listed.stdout.split()[0]
    shown = persondata("outbox", "show", message_id, "--user", "controller", env=env)
    assert f"To: {address}" in shown.stdout and "/privacy/confirm/" in shown.stdout
    assert not (home / "outbox").exists()
    # the database file (SQLite) included, with its journal: everything there is sealed
    assert _files_holding([home, user_home], address.lower().encode()) == []
    audit = persondata("audit", "verify", env=env, check=False)
    assert address not in audit.stdout + audit.stderr
