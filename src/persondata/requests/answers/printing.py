"""A letter's PDF is printed after the answer commits, by the jobs floor's outbox: durably, and off the request.

Why (issue 17, measured with cProfile): WeasyPrint takes 0.3–1 s for one letter — about 45 % laying out the
pages, 30 % subsetting the font (fontTools: Debian ships no HarfBuzz-Subset), 15 % drawing — against ≈ 30 ms for
everything else an answer does. Printed inside the answer, that second was spent holding the request's
transaction open, on SQLite the database's only write lock, so the two workers' answers queued behind each other.

How: the answer stores the letter's HTML — the very bytes the PDF is printed from, so the two cannot differ —
and :func:`queue` puts a ``letter_pdf`` message into the outbox in the answer's own transaction, naming the HTML
document and the id the PDF will get. Once the transaction commits, the outbox's kick prints it in a background
thread (the CLI waits for it: its thread is not a daemon) and stores it as a document of the request in a short
transaction of its own. A process that dies between the commit and the print loses nothing: the message is in
the database, and the ``jobs.outbox`` job (every minute, in every ``serve``) or ``persondata outbox deliver``
prints it. Delivery is at least once, so :func:`print_letter` is idempotent: the PDF's id is fixed when the
message is written, and a PDF already stored under it is not printed again.

The message holds two document ids and nothing personal; a request purged meanwhile (its letters gone) has
nothing left to print, and the purge drops its messages anyway (``outbox.forget``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.register.models import new_id
from persondata.requests.answers import documents, letters
from persondata.requests.models import Document, Request

KIND = "letter_pdf"


def queue(request: Request, html: Document, *, now: datetime) -> uuid.UUID:
    """Print ``html`` (a letter of ``request``) to PDF once the caller's transaction commits; the PDF's id."""
    pdf_id = new_id()
    outbox.put(KIND, outbox.subject("request", request.id), {"html": html.id.hex, "pdf": pdf_id.hex}, now=now)
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
    pdf = letters.render_pdf(documents.content(source))
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
