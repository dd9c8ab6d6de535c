"""How an answer leaves: a download link e-mailed to the address on file, or a letter posted.

An answered request's letter and files are not sent as attachments — e-mail is neither private nor sure to arrive,
and the address on file may be the very thing in dispute. Instead:

- **A download link** (:func:`send_link`) goes to the customer's e-mail **on file** (never an address typed by a
  requester), with an optional note from the controller. The link is valid for :data:`LINK_DAYS` days and opens
  once: the recipient confirms the address it was sent to (:func:`open_link`), which uses the link and grants the
  browser session :data:`GRANT_MINUTES` minutes to download the letter and files. Three wrong addresses revoke the
  link. Only a hash of the link's secret is stored; the link is in the sealed outbox mail only.
- **A posted letter** (:func:`record_post`): staff print the letter and record the day it was posted.

Every sending, opening, refusal and download is a step of the request (its history, "how and when the answer
left") and an audit entry — without the address, the note or the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.core.calendar import legal_date
from persondata.core.requests import State
from persondata.core.sensitive import check_free_text
from persondata.requests import mail, services
from persondata.requests.answers import documents
from persondata.requests.models import AnswerLink, Document, Request

LINK_DAYS = 14
GRANT_MINUTES = 30
MAX_ATTEMPTS = 3
MAX_NOTE = 2000
SENDABLE = frozenset({State.ANSWERED.value, State.REFUSED.value})


class DeliveryError(services.RequestError):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sendable(request: Request) -> None:
    if request.state not in SENDABLE:
        raise DeliveryError("state", gettext("Only an answered or refused request has an answer to send."))
    if request.purged_at is not None or not request.documents.filter(blob__isnull=False).exists():
        raise DeliveryError("documents", gettext("The request has no letter to send."))


def send_link(actor: Actor, request: Request, *, note: str, now: datetime) -> date:
    """E-mail a download link for the answer to the customer's address on file; returns the link's last day.
    Call inside the page's transaction: a rolled-back sending sends nothing."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _sendable(request)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DeliveryError(
            "note", gettext("The note is longer than %(n)s characters: shorten it.") % {"n": MAX_NOTE}
        )
    if note and (refusal := check_free_text(note)) is not None:
        raise DeliveryError("note", services.refused("note", refusal).message)
    address = services.email_on_file(request.customer_id) if request.customer_id else None
    if not address:
        raise DeliveryError(
            "method", gettext("There is no e-mail address on file: print the letter and post it.")
        )
    token = secrets.token_urlsafe(32)
    AnswerLink.objects.filter(request=request, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    expires = now + timedelta(days=LINK_DAYS)
    AnswerLink.objects.create(
        request=request, token_hash=_hash(token), sent_at=now, sent_by=actor.code, expires_at=expires
    )
    link = settings.PERSONDATA_PUBLIC_URL + reverse("public:answer", args=[token])
    subject, body = mail.answer_link(request, link, LINK_DAYS, note)
    mail.send_after_commit(request, subject, body, address)
    last_day = (expires - timedelta(seconds=1)).date()
    services.record_step(
        request, "answer_sent", actor, now, method="email_link", until=last_day.isoformat(), note=bool(note)
    )
    return last_day


def record_post(actor: Actor, request: Request, *, posted_on: date, now: datetime) -> None:
    """Record that the printed letter was posted on ``posted_on``."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _sendable(request)
    if posted_on > legal_date(now) or posted_on < request.received_on:
        raise DeliveryError(
            "posted_on",
            gettext("The day the letter was posted must lie between the day of the request and today."),
        )
    services.record_step(request, "answer_sent", actor, now, method="post", on=posted_on.isoformat())


# -- the recipient's side ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grant:
    """What a browser session may download after opening a link: the request's documents, until ``until``."""

    request_id: uuid.UUID
    until: datetime


def _link(token: str) -> AnswerLink | None:
    if not token or len(token) > 100:
        return None
    return AnswerLink.objects.select_related("request").filter(token_hash=_hash(token)).first()


def link_problem(link: AnswerLink | None, now: datetime) -> str | None:
    """Why the link does not open (unknown, used, revoked, expired, removed), or None."""
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    if link.request.purged_at is not None:
        return "removed"
    return None


def check_link(token: str, *, now: datetime) -> str | None:
    return link_problem(_link(token), now)


def open_link(token: str, address: str, *, now: datetime) -> Grant | None:
    """The recipient confirms the address the link was sent to: the link is used and the session may download
    the answer for :data:`GRANT_MINUTES` minutes. A wrong address is counted and recorded (commit it: None is
    returned, nothing raised); the third revokes the link. A link that does not open raises."""
    link = _link(token)
    if link is not None:
        link = AnswerLink.objects.select_for_update().select_related("request").get(pk=link.pk)
    problem = link_problem(link, now)
    if problem is not None or link is None:
        raise DeliveryError("link", problem or "unknown")
    request = link.request
    on_file = services.email_on_file(request.customer_id) if request.customer_id else None
    if not on_file or not hmac.compare_digest(_normal(address), _normal(on_file)):
        link.failed_attempts += 1
        revoked = link.failed_attempts >= MAX_ATTEMPTS
        if revoked:
            link.revoked_at = now
        link.save(update_fields=["failed_attempts", "revoked_at"])
        services.record_step(request, "answer_link_refused", "customer", now, revoked=revoked)
        return None
    link.used_at = now
    link.save(update_fields=["used_at"])
    services.record_step(request, "answer_link_opened", "customer", now)
    return Grant(request.id, now + timedelta(minutes=GRANT_MINUTES))


def _normal(address: str) -> str:
    return address.strip().casefold()


def granted_documents(grant: Grant) -> list[Document]:
    return list(
        Document.objects.filter(request_id=grant.request_id, blob__isnull=False).order_by(
            "kind", "language", "fmt"
        )
    )


def download(grant: Grant, document_id: uuid.UUID, *, now: datetime) -> tuple[bytes, str, str]:
    """One document under a grant: its bytes, content type and file name; recorded as a step of the request."""
    if grant.until <= now:
        raise DeliveryError("link", "expired")
    found = (
        Document.objects.select_related("request").filter(pk=document_id, request_id=grant.request_id).first()
    )
    if found is None or found.blob is None or found.request.purged_at is not None:
        raise DeliveryError("document", "unknown")
    data = documents.content(found)
    services.record_step(found.request, "answer_downloaded", "customer", now, document=str(found.id))
    return data, documents.CONTENT_TYPES[found.fmt], documents.filename(found)
