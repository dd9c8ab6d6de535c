"""Helpers of the answer tests: register a request as staff do, verify identity, read documents back as text."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from persondata.access.actor import Actor
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.requests import intake, services
from persondata.requests.answers import documents, printing
from persondata.requests.answers.answering import Answer
from persondata.requests.models import Document, Request
from tests.conftest import NOW


def register(
    actor: Actor,
    kind: str,
    details: dict[str, Any],
    *,
    customer_id: uuid.UUID | None = None,
    verify: bool = True,
    language: str = "da",
    now: datetime = NOW,
) -> Request:
    """A request taken by staff; matched to ``customer_id`` if given, identity checked by a call back."""
    with transaction.atomic():
        request = intake.submit(kind, details, channel="staff", language=language, now=now, by=actor)
        if customer_id is not None and request.customer_id != customer_id:
            services.assign_customer(actor, request, customer_id, now=now)
        if verify:
            services.verify_manually(actor, request, "phone_callback", now=now)
    request.refresh_from_db()
    return request


def raw(actor: Actor, doc: Document) -> bytes:
    data, _type, _name = documents.read_document(actor, doc)
    return data


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def html_text(data: bytes) -> str:
    """The visible text of a letter, with entities and tags resolved, whitespace collapsed."""
    from html import unescape

    text = re.sub(r"<style.*?</style>", " ", data.decode("utf-8"), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def print_letters() -> int:
    """Print the letters waiting in the outbox, as the after-commit kick does in a server or a command (a test's
    transaction is rolled back, never committed, so the kick never fires); how many were printed."""
    waiting = list(Outbox.objects.filter(kind=printing.KIND).values_list("id", flat=True))
    return outbox.deliver_due(timezone.now(), ids=waiting)["delivered"]


def printed(request: Request, kind: str) -> Document:
    """The PDF of the request's latest letter of ``kind``, drawn as after the commit."""
    print_letters()
    return request.documents.filter(kind=kind, fmt="pdf").latest("created_at")


def drawn(actor: Actor, request: Request, kind: str) -> tuple[str, str]:
    """(HTML text, PDF text) of the request's latest letter of ``kind``, drawn as after the commit."""
    pdf = printed(request, kind)
    html = request.documents.filter(kind=kind, fmt="html").latest("created_at")
    return html_text(raw(actor, html)), pdf_text(raw(actor, pdf))


def letter_texts(actor: Actor, answer: Answer, kind: str = "letter") -> tuple[str, str]:
    """(HTML text, PDF text) of the answer's letter, drawn as after the commit."""
    print_letters()
    return (
        html_text(raw(actor, answer.document(kind, "html"))),
        pdf_text(raw(actor, answer.document(kind, "pdf"))),
    )


def load_json(actor: Actor, doc: Document) -> dict[str, Any]:
    value = json.loads(raw(actor, doc))
    assert isinstance(value, dict)
    return value


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines where the layout did."""
    return "".join(text.split())
