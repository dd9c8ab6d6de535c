"""A letter (HTML, PDF) is drawn after the answer commits (``requests.answers.printing``), through the outbox.

The real ``persondata`` command in its own home and database (SQLite, or PostgreSQL when the tests run on it):
an access answer from the command line leaves its PDF letter ready to write out when the command ends; a process
killed right after the answer's commit, before the print, loses nothing — the next delivery pass prints it, once.
The PDFs are really rendered by Typst and read back as text.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.clitools import cli_env, init_home, own_database, persondata
from tests.requests.test_outbox_process import ACCEPT

pytestmark = pytest.mark.slow

# An access request for the first customer, taken and verified by the controller, then answered; with "kill",
# the process kills itself in the first on-commit callback: after the answer's commit, before the outbox's kick
# that prints the PDF. Prints the request's reference.
SCRIPT = """
import os, signal, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from persondata.access.actor import Actor
from persondata.register.models import Customer
from persondata.requests import intake, services
from persondata.requests.answers import answering

actor = Actor.for_user(get_user_model().objects.get(username="controller"), "rights_requests", "cli")
cid = Customer.objects.order_by("id").values_list("id", flat=True).first()
with transaction.atomic():
    request = intake.submit("access", {"name": "Testkunde"}, channel="staff", now=timezone.now(), by=actor)
    services.assign_customer(actor, request, cid, now=timezone.now())
    services.verify_manually(actor, request, "in_person", now=timezone.now())
print(request.reference, flush=True)
with transaction.atomic():
    if sys.argv[1] == "kill":
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    answering.answer_access(actor, request, now=timezone.now())
"""


@pytest.fixture
def installation(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A demo home with 10 synthetic customers, the controller's declarations accepted."""
    home = tmp_path / "home"
    databases = own_database(home, f"_print_{request.node.name[-20:].lower()}")
    try:
        env = cli_env(home, next(databases))
        init_home(env=env, timeout=300)
        persondata("demo", "--customers", "10", env=env, timeout=300)  # the customers alone: no demo requests
        subprocess.run([sys.executable, "-c", ACCEPT], env=env, check=True, timeout=120)
        yield env
    finally:
        databases.close()


def _answer(env: dict[str, str], mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True, timeout=300
    )


def _letter_pdf(env: dict[str, str], reference: str, out: Path) -> str:
    """Write the request's documents with the real command; the text of the PDF letter."""
    persondata("requests", "documents", reference, "--out", str(out), "--user", "controller", env=env)
    [pdf] = out.glob("*-letter.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def test_the_pdf_letter_is_ready_when_the_answer_command_ends(
    installation: dict[str, str], tmp_path: Path
) -> None:
    env = installation
    answered = _answer(env, "answer")
    assert answered.returncode == 0, answered.stderr
    reference = answered.stdout.strip()
    # the process ended: its kick printed the letter before it could (its thread is not a daemon)
    assert persondata("outbox", "list", "--user", "controller", env=env).stdout == ""
    letter = _letter_pdf(env, reference, tmp_path / "out")
    assert reference in letter and "Datatilsynet" in letter


def test_a_process_killed_between_the_answer_and_the_print_still_yields_the_pdf(
    installation: dict[str, str], tmp_path: Path
) -> None:
    env = installation
    killed = _answer(env, "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    reference = killed.stdout.strip()
    shown = json.loads(persondata("requests", "show", reference, "--user", "controller", env=env).stdout)
    assert shown["state"] == "answered"  # the answer committed ...
    assert [f.suffix for f in _written(env, reference, tmp_path / "before")].count(
        ".pdf"
    ) == 0  # ... unprinted
    listed = persondata("outbox", "list", "--user", "controller", env=env)
    assert " letter " in listed.stdout and "pending" in listed.stdout
    # the restart: the delivery pass (the job runner's every minute, here by hand) prints what the dead one did not
    persondata("outbox", "deliver", "--user", "controller", env=env)
    persondata(
        "outbox", "deliver", "--user", "controller", env=env
    )  # again: nothing left, nothing printed twice
    assert persondata("outbox", "list", "--user", "controller", env=env).stdout == ""
    letter = _letter_pdf(env, reference, tmp_path / "after")
    assert reference in letter and "Datatilsynet" in letter
    assert [f.suffix for f in (tmp_path / "after").iterdir()].count(".pdf") == 1


def _written(env: dict[str, str], reference: str, out: Path) -> list[Path]:
    persondata("requests", "documents", reference, "--out", str(out), "--user", "controller", env=env)
    return sorted(out.iterdir())
