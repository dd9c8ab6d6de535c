"""A letter is drawn — HTML and PDF, from one context — right after the answer commits, through the jobs floor's
outbox: durably, and with no lock held while it is drawn.

Why after the commit (issue 17): the answer's transaction is, on SQLite, the database's only write lock, and on
PostgreSQL it holds the request's row. Drawn inside it, a letter's time (WeasyPrint took 0.3–1 s for the PDF) was
time every other writer waited: two workers' answers queued behind each other. The PDF is now printed by Typst
(``documents.typst_pdf``): ≈ 15 ms for a short letter, ≈ 100 ms of CPU for an access answer with 50 orders and
30 invoices (measured: docs/requests.md, "Letters") — still too long to hold a lock for, and the answer itself
(≈ 30 ms) should not wait for it: the API's answer returns ``printing: true`` and the letter follows in about a
tenth of a second.

How: the answer builds the letter's context (:func:`letters.context`) and :func:`queue` puts a ``letter`` message
into the outbox in the answer's own transaction: the letter's kind and language, the ids its HTML and PDF will
get, and the context as data (:func:`letters.print_data`) — sealed, as every outbox payload is. Once the
transaction commits, the outbox's kick draws both in a background thread (the CLI waits for it: its thread is not
a daemon) and stores them as documents of the request in one short transaction. A process that dies between the
commit and the drawing loses nothing: the message is in the database, and the ``jobs.outbox`` job (every minute,
in every ``serve``) or ``persondata outbox deliver`` draws it. Delivery is at least once, so :func:`print_letter`
is idempotent: the ids are fixed when the message is written, and a letter already stored under them is not
drawn again.

The message is about the request (``request:<uuid>``); a request purged meanwhile has nothing left to print, and
the purge drops its messages anyway (``outbox.forget``).
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.register.models import new_id
from persondata.requests.answers import documents, letters
from persondata.requests.models import Document, Request

KIND = "letter"  # the message that draws a letter (it was "letter_pdf" while only the PDF came after)


def queue(request: Request, kind: str, data: dict[str, Any], *, now: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """Draw the letter (``kind``: letter, extension_letter …) of ``request`` from its print ``data`` once the
    caller's transaction commits; the ids its HTML and PDF will have."""
    html_id, pdf_id = new_id(), new_id()
    payload = {"kind": kind, "html": html_id.hex, "pdf": pdf_id.hex, "at": now.isoformat(), "letter": data}
    outbox.put(KIND, outbox.subject("request", request.id), payload, now=now)
    return html_id, pdf_id


def pending(request: Request) -> bool:
    """Is a letter of this request still waiting to be drawn?"""
    return Outbox.objects.filter(kind=KIND, subject=outbox.subject("request", request.id)).exists()


#: how much lower than the requests the after-commit thread draws a letter (``nice`` steps; 19 is the lowest)
BACKGROUND_NICE = 10
_lowered = threading.local()


def _yield_to_answers() -> None:
    """The after-commit deliverer thread (``outbox.kick``) that draws a letter runs at a lower priority than the
    threads answering calls (Linux: a thread's own nice value, :data:`BACKGROUND_NICE` steps below the process's,
    from its first letter until it ends — when no message is left to deliver).

    Measured (docs/requests.md, "Letters"): a letter's PDF takes ≈ 60–100 ms of CPU; drawn at the same priority in
    a burst of answers it took the CPU the answers were waiting for. The letter still follows at once when the
    CPU is free. Other threads (the job runner, ``persondata outbox deliver``) keep their priority.
    """
    if sys.platform != "linux" or threading.current_thread().name != outbox.KICK_THREAD:
        return
    if getattr(_lowered, "done", False):
        return
    tid = threading.get_native_id()
    # lowering one's own priority needs no privilege
    os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE))
    _lowered.done = True


def print_letter(message: outbox.Message) -> None:
    """The outbox's handler for ``letter``: draw the HTML and the PDF and store both (runs outside any
    transaction; the drawing holds no lock, only the short write at the end does)."""
    html_id, pdf_id = uuid.UUID(message.payload["html"]), uuid.UUID(message.payload["pdf"])
    if Document.objects.filter(pk=html_id).exists():
        return  # drawn by an earlier delivery that died before it could delete its message
    request = Request.objects.filter(pk=uuid.UUID(message.subject.split(":", 1)[1])).first()
    if request is None or request.purged_at is not None:
        return  # the request was purged meanwhile: its letters are gone, nothing is left to print
    data, kind = message.payload["letter"], message.payload["kind"]
    _yield_to_answers()
    at = datetime.fromisoformat(message.payload["at"])  # stored as at the answer: the letter is dated then
    html, pdf = letters.render_html(data), letters.render_pdf(data)
    try:
        with transaction.atomic():
            for doc_id, fmt, content in ((html_id, "html", html), (pdf_id, "pdf", pdf)):
                documents.store(
                    "job",
                    request,
                    kind,
                    fmt,
                    content,
                    language=data["lang"],
                    now=at,
                    document_id=doc_id,
                )
    except IntegrityError:
        if not Document.objects.filter(pk=html_id).exists():
            raise  # anything but a second deliverer having stored the same letter first
