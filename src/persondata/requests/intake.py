"""Customers' requests coming in: the requester's details checked, the request stored under a key of its own,
and matched to a customer — at once for staff and the API, after the answer for the public form.

Matching a public submission and sending its confirmation e-mail happen after the page has been answered, through
the outbox (:data:`MATCH_JOB`, :func:`match_pending`): the form then does the same work whether or not the
details are a customer's (issue 18: a matched submission had taken longer, because only a match decrypted and
wrote inside the POST), and the submission itself is stored first, in the POST's transaction, with the outbox
message that will match it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from persondata import runtime
from persondata.access.actor import Actor, code_of
from persondata.audit import services as audit
from persondata.core import requests as rq
from persondata.core import sealing
from persondata.core.calendar import legal_date
from persondata.core.requests import Kind, State
from persondata.core.sensitive import check_email, check_free_text
from persondata.core.vault import (
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    seal,
)
from persondata.jobs import outbox
from persondata.keys import ring
from persondata.register.models import Customer, new_id
from persondata.register.services import contact_on_file
from persondata.requests.models import Request, RequestEvent
from persondata.requests.services import (
    FIELD_WORDS,
    KEY_CLASS,
    RequestError,
    record_step,
    refused,
    requester,
    send_confirmation,
)

# What a requester may tell us, and how long each field may be (the public form enforces the same limits).
REQUESTER_FIELDS: dict[str, int] = {
    "name": 200,
    "email": 254,
    "phone": 40,
    "address": 300,
    "customer_number": 40,
    "message": 4000,
}
IDENTIFYING = ("customer_number", "email", "phone", "name")
#: the match of a request that waits for the outbox (a public submission)
PENDING = "pending"
#: the outbox kind whose handler (:func:`match_pending`) matches a public submission
MATCH_JOB = "request_match"


def _words(field: str) -> str:
    return str(FIELD_WORDS.get(field) or gettext("text"))


# -- intake --------------------------------------------------------------------------------------------------
def clean_requester(details: dict[str, Any]) -> dict[str, str]:
    """The requester's details, trimmed and checked; :class:`RequestError` names the first bad field."""
    out: dict[str, str] = {}
    for name, value in details.items():
        if name not in REQUESTER_FIELDS:
            raise RequestError(
                name, gettext("Unknown field: use %(fields)s.") % {"fields": ", ".join(REQUESTER_FIELDS)}
            )
        if value is None:
            continue
        if not isinstance(value, str):
            raise RequestError(name, gettext("The %(field)s must be text.") % {"field": _words(name)})
        text = value.strip()
        if len(text) > REQUESTER_FIELDS[name]:
            raise RequestError(
                name,
                gettext("The %(field)s is too long: at most %(n)s characters.")
                % {"field": _words(name), "n": REQUESTER_FIELDS[name]},
            )
        if text:
            refusal = check_free_text(text)
            if refusal is not None:
                raise refused(name, refusal)
            out[name] = text
    if "email" in out and (refusal := check_email(out["email"])) is not None:
        raise refused("email", refusal)
    if not any(out.get(k) for k in IDENTIFYING):
        raise RequestError(
            "name",
            gettext(
                "Give at least your name, e-mail, phone or customer number, so that we can find your data."
            ),
        )
    return out


def new_reference(taken: Callable[[str], bool] | None = None) -> str:
    """A reference no request has (nor, if given, ``taken`` says is taken: the intake spool's)."""
    for _ in range(20):
        ref = rq.new_reference()
        if not Request.objects.filter(reference=ref).exists() and not (taken is not None and taken(ref)):
            return ref
    raise RuntimeError("could not draw a free reference")  # 35 random bits: practically unreachable


@dataclass(frozen=True, slots=True)
class Spooled:
    """A public submission that waited in the intake spool: the id, reference and receipt its visitor was given."""

    id: uuid.UUID
    reference: str
    received_at: datetime


def submit(
    kind: str,
    details: dict[str, Any],
    *,
    channel: str,
    language: str = "da",
    now: datetime,
    by: Actor | None = None,
    received_on: date | None = None,
    spooled: Spooled | None = None,
) -> Request:
    """Register a request (R6: the deadline runs from the day of receipt) and match it to a customer.

    ``received_on`` is for staff registering a letter or e-mail that arrived earlier: the deadline counts from
    the day it reached us, not from the day it was typed in. ``spooled``: a public submission that waited in the
    intake spool (``requests.spool``) — stored under the id and reference its visitor was given, received when
    the spool received it.

    A request from the public form (``channel="public"``) is stored with the match ``pending`` and matched after
    the answer, by the outbox (:func:`match_pending`), which also sends the confirmation e-mail: the form costs
    the same whether or not the details are a customer's, so its timing tells nobody who is one. The outbox
    message is written in the same transaction as the request, so the match is never lost, even when the
    process dies right after the commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("submit must run inside the entry point's transaction")
    try:
        kind = Kind(kind).value
    except ValueError:
        raise RequestError(
            "kind",
            gettext("Unknown kind of request: use %(kinds)s.") % {"kinds": ", ".join(k.value for k in Kind)},
        ) from None
    if language not in ("da", "en"):
        raise RequestError("language", gettext("The language must be da or en."))
    if channel not in ("staff", "api", "public"):
        raise RequestError("channel", gettext("The channel must be staff, api or public."))
    clean = clean_requester(details)
    today = legal_date(now)
    received = legal_date(spooled.received_at) if spooled is not None else received_on or today
    if received > today:
        raise RequestError(
            "received_on", gettext("The day the request was received cannot be in the future.")
        )
    if received < today - timedelta(days=92):
        raise RequestError(
            "received_on",
            gettext("The day the request was received is more than three months ago: check the date."),
        )
    request = _store(kind, clean, channel, language, now, received, by, spooled)
    if channel == "public":
        request.match = PENDING
        outbox.put(MATCH_JOB, outbox.subject("request", request.id), {"request": str(request.id)}, now=now)
    else:
        _set_match(request, match_candidates(clean))
    request.save(update_fields=["requester_blob", "match", "customer_id"])
    actor = code_of(by) if by is not None else channel
    RequestEvent.objects.create(
        request=request,
        at=now,
        event="received",
        from_state=State.RECEIVED.value,
        to_state=request.state,
        actor=actor,
        details={"channel": channel, "match": request.match},
    )
    audit.record(
        "request.receive",
        actor=actor,
        target=str(request.id),
        details={"kind": kind, "channel": channel, "match": request.match}
        | ({"spooled": True} if spooled is not None else {}),
        now=now,
    )
    return request


def _store(
    kind: str,
    clean: dict[str, str],
    channel: str,
    language: str,
    now: datetime,
    received: date,
    by: Actor | None,
    spooled: Spooled | None = None,
) -> Request:
    """The request's row, under a key of its own, with the requester's details sealed (not yet saved)."""
    request_id = spooled.id if spooled is not None else new_id()
    reference = spooled.reference if spooled is not None else None
    for _ in range(3):
        try:
            with transaction.atomic():
                request = Request.objects.create(
                    id=request_id,
                    # a spooled submission keeps the reference its visitor was shown (drawn free in the spool and
                    # the register; drawn anew only if another took it meanwhile: 35 random bits, practically never)
                    reference=reference or new_reference(),
                    kind=kind,
                    channel=channel,
                    language=language,
                    received_at=spooled.received_at if spooled is not None else now,
                    received_on=received,
                    due_on=rq.deadline(received).due,
                    created_by_id=by.user_id if by is not None else None,
                )
            break
        except IntegrityError:  # a reference drawn twice by concurrent submissions
            reference = None
            continue
    else:
        raise RuntimeError("could not store the request")
    key = ring.new_own_key(sealing.key_owner("request", request_id), KEY_CLASS, now)
    request.requester_blob = seal(key, clean, sealing.request_record("requester", request_id))
    return request


def _set_match(request: Request, found: Match) -> None:
    request.match = found.status
    request.customer_id = found.ids[0] if found.status == "single" else None


def match_pending(message: outbox.Message) -> None:
    """The outbox's ``request_match`` handler: match a public submission, then send its confirmation e-mail.

    In a transaction of its own (the outbox runs handlers outside one); a request already matched, withdrawn,
    purged or gone is left alone, so a second delivery (at least once) changes nothing.
    """
    with transaction.atomic():
        request = (
            Request.objects.select_for_update().filter(pk=message.payload["request"], match=PENDING).first()
        )
        if request is None:
            return
        now = timezone.now()
        _set_match(request, match_candidates(requester(request)))
        request.save(update_fields=["match", "customer_id"])
        record_step(request, "matched", "job", now, match=request.match)
        if request.state in rq.OPEN_STATES:
            # to the address on file, if the request matched one customer who has one (never the one typed)
            send_confirmation(request, now=now, actor="public")


# -- matching ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Match:
    status: str  # none | single | ambiguous
    ids: tuple[uuid.UUID, ...]


def match_candidates(details: dict[str, str]) -> Match:
    """The customers the details point to — never a guess. ``single`` only if every identifier given (customer
    number, e-mail, phone) points to the same one customer, or the full name and the whole address on file
    match exactly one; a name alone, or identifiers pointing to different customers, are ``ambiguous``.
    """
    vault = runtime.vault()
    found: set[uuid.UUID] = set()
    if value := details.get("customer_number"):
        bidx = vault.blind_index("customer_number", normalize_customer_number(value))
        found.update(Customer.objects.filter(number_bidx=bidx).values_list("id", flat=True))
    if value := details.get("email"):
        bidx = vault.blind_index("email", normalize_email(value))
        found.update(Customer.objects.filter(email_bidx=bidx).values_list("id", flat=True)[:50])
    if value := details.get("phone"):
        bidx = vault.blind_index("phone", normalize_phone(value))
        found.update(Customer.objects.filter(phone_bidx=bidx).values_list("id", flat=True)[:50])
    if not found and (name := details.get("name")):
        named = set(
            Customer.objects.filter(name_bidx=vault.blind_index("name", normalize_name(name))).values_list(
                "id", flat=True
            )[:50]
        )
        exact = _with_address(named, _norm_address(details.get("address", "")))
        if len(exact) == 1:
            return Match("single", tuple(exact))
        return Match("ambiguous" if named else "none", tuple(sorted(named)))
    ids = tuple(sorted(found))
    return Match({0: "none", 1: "single"}.get(len(ids), "ambiguous"), ids)


def _norm_address(text: str) -> str:
    return "".join(ch for ch in normalize_name(text) if ch.isalnum())


def _with_address(ids: Iterable[uuid.UUID], address: str) -> list[uuid.UUID]:
    """Of customers with the requester's name, those whose address on file matches (all fields of it)."""
    if not address:
        return []  # a name alone is not enough to know who someone is
    out = []
    for cid in ids:
        contact = contact_on_file(cid)
        if not contact:
            continue
        addr = contact.get("address") or {}
        parts = [str(addr.get(k) or "") for k in ("street", "postcode", "city")]
        if all(_norm_address(p) and _norm_address(p) in address for p in parts):
            out.append(cid)
    return out
