"""The steps every answer shares: the checks it starts with, its letter, its close, telling the partners.

Split from :mod:`answering` (which holds the answers themselves, and lists them all); :mod:`erasure` and
:mod:`restriction` hold the answers that change the register. The names here are public to those modules only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.core import requests as rq
from persondata.core.requests import Kind, State
from persondata.core.sensitive import check_free_text
from persondata.documents import labels
from persondata.register.models import Restriction
from persondata.requests import recipients, services
from persondata.requests.answers import letters, printing
from persondata.requests.answers.letters import Letter, Section, p, texts
from persondata.requests.models import Document, Request
from persondata.requests.services import RequestConflict, RequestError

MAX_TEXT = 8000


@dataclass
class Answer:
    """What an answer produced: the documents (letter first) and the outcome stored on the request."""

    request: Request
    documents: list[Document]
    outcome: dict[str, Any]
    partners: list[tuple[str, str]] = field(default_factory=list)

    def document(self, kind: str, fmt: str) -> Document:
        """One of the answer's documents; the letter (HTML, PDF), drawn after the commit, once it is stored."""
        found = next((d for d in self.documents if d.kind == kind and d.fmt == fmt), None)
        return found or self.request.documents.filter(kind=kind, fmt=fmt).latest("created_at")


def lang_of(request: Request) -> str:
    return request.language if request.language in ("da", "en") else "da"


def begin(actor: Actor, request: Request, kind: Kind, *, now: datetime, customer: bool = True) -> None:
    """The checks every answer starts with; starts work on a request that needs no identity check."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    # one answer per request: a second handler answering at the same moment waits, then finds it closed
    Request.objects.select_for_update().filter(pk=request.pk).values_list("pk", flat=True).get()
    request.refresh_from_db()
    if request.kind != kind.value:
        raise RequestError(
            "kind",
            gettext("This request is a request for %(kind)s: answer it as one.")
            % {"kind": str(labels.of(labels.KINDS, request.kind)).lower()},
        )
    if request.state not in rq.OPEN_STATES:
        raise services.closed(request)
    if kind in rq.IDENTITY_REQUIRED and request.identity_verified_at is None:
        raise RequestError(
            "identity", gettext("Verify the requester's identity before answering (GDPR Art. 12(6)).")
        )
    if request.state == State.RECEIVED.value and kind not in rq.IDENTITY_REQUIRED:
        services.start(actor, request, now=now)
    if request.state != State.IN_PROGRESS.value:
        raise RequestConflict(
            "state",
            gettext("The request is “%(state)s”: it cannot be answered yet.")
            % {"state": labels.of(labels.STATES, request.state)},
        )
    if customer and request.customer_id is None:
        raise RequestError("customer", gettext("Match the request to a customer first."))


def customer_of(request: Request) -> uuid.UUID:
    assert request.customer_id is not None  # checked by begin
    return request.customer_id


def free_text(name: str, text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise RequestError(name, gettext("Write the answer to the customer."))
    if len(text) > MAX_TEXT:
        raise RequestError(name, gettext("The text is too long: at most %(n)s characters.") % {"n": MAX_TEXT})
    if text and (refusal := check_free_text(text)) is not None:
        raise services.refused(name, refusal)
    return text


def write_letter(
    actor: Actor, request: Request, letter: Letter, *, now: datetime, kind: str = "letter"
) -> list[Document]:
    """Queue the letter: its HTML and its PDF are drawn from one context once the caller's transaction commits
    (:mod:`printing`), so no lock is held while a document is drawn. Nothing is stored yet: an empty list."""
    context = letters.context(request, letter, services.requester(request), now)
    printing.queue(request, kind, letters.print_data(context), now=now)
    return []


def close(
    actor: Actor, request: Request, outcome: dict[str, Any], docs: list[Document], *, now: datetime
) -> None:
    outcome["documents"] = len(docs) + 2  # and the letter's HTML and PDF, drawn after the commit
    services.answer(actor, request, outcome, now=now)


def tell(
    actor: Actor, request: Request, action: str, *, now: datetime, changes: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """RULES R11: a notice to every partner that received the data concerned (persondata.partners)."""
    return recipients.tell(request, action, now=now, changes=changes, actor=actor)


def all_categories() -> list[str]:
    return list(runtime.policy().categories)


def keep_erasure_restriction(customer_id: uuid.UUID) -> None:
    """A new restriction would replace the one that keeps accounting material after an erasure (RULES R4)."""
    if Restriction.objects.filter(
        customer_id=customer_id, lifted_at__isnull=True, reason="erasure_request"
    ).exists():
        raise RequestError(
            "restriction",
            gettext(
                "The customer's data was erased: what the law keeps is already restricted to bookkeeping."
            ),
        )


def note_section(note: str, lang: str) -> list[Section]:
    return [Section(texts(lang)["h_note"], (p(note),))] if note else []
