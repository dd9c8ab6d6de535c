"""A letter's PDF is printed right after the answer commits, through the jobs floor's outbox: durably, and with
no lock held while it is drawn.

Why after the commit (issue 17): the answer's transaction is, on SQLite, the database's only write lock. Printed
inside it, the PDF's time (WeasyPrint took 0.3–1 s) was time every other writer waited, and two workers' answers
queued behind each other. Typst prints the letter in ≈ 15–30 ms; that is still drawing under the lock if done
inside, and the letter's time counts where the customer waits for it either way.

How: the answer stores the letter's HTML and :func:`queue` puts a ``letter_pdf`` message into the outbox in the
answer's own transaction: the ids of the HTML document and of the PDF to come, and the letter's print data (the
same context the HTML was rendered from, :func:`letters.print_data`) — sealed, as every outbox payload is. Once
the transaction commits, the committing thread itself prints it (``outbox.put(wait=True)``) and stores it as a
document of the request in a short transaction of its own, before the entry point answers: the API's answer,
the staff page after "Besvar" and the CLI return with the PDF listed. A process that dies between the commit
and the print loses nothing: the message is in the database, and the ``jobs.outbox`` job (every minute, in
every ``serve``) or ``persondata outbox deliver`` prints it; meanwhile the request shows ``printing``. Delivery is
at least once, so :func:`print_letter` is idempotent: the PDF's id is fixed when the message is written, and a
PDF already stored under it is not printed again.

The message is about the request (``request:<uuid>``); a request purged meanwhile (its letters gone) has nothing
left to print, and the purge drops its messages anyway (``outbox.forget``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.register.models import new_id
from persondata.requests.answers import documents, letters
from persondata.requests.models import Document, Request

KIND = "letter_pdf"


def queue(request: Request, html: Document, data: dict[str, Any], *, now: datetime) -> uuid.UUID:
    """Print the letter ``html`` of ``request`` to PDF from its print ``data`` once the caller's transaction
    commits; the PDF's id."""
    pdf_id = new_id()
    payload = {"html": html.id.hex, "pdf": pdf_id.hex, "letter": data}
    outbox.put(KIND, outbox.subject("request", request.id), payload, now=now, wait=True)
    return pdf_id


def pending(request: Request) -> bool:
    """Is a letter of this request still waiting to be printed?"""
    return Outbox.objects.filter(kind=KIND, subject=outbox.subject("request", request.id)).exists()


def print_letter(message: outbox.Message) -> None:
    """The outbox's handler for ``letter_pdf``: print the HTML letter and store the PDF (runs outside any
    transaction; the drawing holds no lock, only the short write at the end does)."""
    html_id, pdf_id = uuid.UUID(message.payload["html"]), uuid.UUID(message.payload["pdf"])
    if Document.objects.filter(pk=pdf_id).exists():
        return  # printed by an earlier delivery that died before it could delete its message
    source = Document.objects.select_related("request").filter(pk=html_id).first()
    if source is None or source.blob is None or source.request.purged_at is not None:
        return  # the request was purged meanwhile: its letters are gone, nothing is left to print
    pdf = letters.render_pdf(message.payload["letter"])
    try:
        with transaction.atomic():
            documents.store(
                "job",
                source.request,
                source.kind,
                "pdf",
                pdf,
                language=source.language,
                now=timezone.now(),
                document_id=pdf_id,
            )
    except IntegrityError:
        if not Document.objects.filter(pk=pdf_id).exists():
            raise  # anything but a second deliverer having stored the same PDF first
