"""Customers' requests: identity, deadlines, the state machine's steps, and purge (intake and matching are in
:mod:`persondata.requests.intake`).

Entry points (web, public page, API, CLI, jobs) open the transaction; every function here that changes a request
runs inside it, writes a :class:`RequestEvent` and an audit entry (no personal data: ids, codes, counts). The
answers themselves — letters, exports, erasure, rectification — are built in
:mod:`persondata.requests.answers.answering`, which finishes with :func:`answer`.

Who may do what: anyone may submit a request (the public page, staff taking it by phone, the API); handling it —
seeing the requester's details, matching, verifying identity, extending, refusing, answering — needs a role that
may change contact data for the purpose ``rights_requests`` (the data controller in the shipped policy).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from persondata import runtime
from persondata.access import permissions
from persondata.access.access_log import log_reads
from persondata.access.actor import Actor, code_of
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core import formats, sealing
from persondata.core import requests as rq
from persondata.core.calendar import MAX_EXTENSION_MONTHS, extension_notice_due, legal_date
from persondata.core.requests import Event, Kind, State
from persondata.core.sensitive import Refusal, check_free_text
from persondata.core.vault import (
    seal,
    unseal,
)
from persondata.jobs import outbox
from persondata.keys import ring
from persondata.refusals import refusal_text
from persondata.register.models import Customer
from persondata.register.services import contact_on_file
from persondata.requests import mail
from persondata.requests.models import (
    IDENTITY_METHODS,
    OFFERED_GROUNDS,
    REFUSAL_GROUNDS,
    Confirmation,
    Request,
    RequestEvent,
)

KEY_CLASS = "request"
CONFIRMATION_DAYS = 7
MATCHED_CATEGORIES = ("contact", "customer_number")  # what matching compares the requester's details with


class RequestError(ValueError):
    """Bad input for a request step: ``field`` is the machine key of what is wrong (the API's ``loc``), the
    message a whole sentence in the active language that names it in words and says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, str(message)


class RequestConflict(RequestError):
    """A valid step the request's state forbids now (it is closed, or not yet at that step): the API's 409."""


#: what a person calls the fields a free-text check can refuse (the message names the field in words)
FIELD_WORDS = {
    "name": gettext_lazy("name"),
    "email": gettext_lazy("e-mail address"),
    "phone": gettext_lazy("phone number"),
    "address": gettext_lazy("address"),
    "customer_number": gettext_lazy("customer number"),
    "message": gettext_lazy("message"),
    "note": gettext_lazy("note"),
    "reasons": gettext_lazy("reasons"),
    "text": gettext_lazy("comment"),
}


def refused(field: str, refusal: Refusal) -> RequestError:
    """The free-text check's refusal of ``field`` as a whole sentence."""
    words = FIELD_WORDS.get(field) or gettext("text")
    return RequestError(
        field, gettext("The %(field)s %(problem)s.") % {"field": words, "problem": refusal_text(refusal)}
    )


class ConfirmationError(Exception):
    """A confirmation link that cannot be used: ``code`` is unknown, expired, used or closed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- permission ----------------------------------------------------------------------------------------------


# -- the request's own key, in the key store ------------------------------------------------------------------
def _key(request: Request) -> AESGCM:
    key = None if request.purged_at else ring.own_key(sealing.key_owner("request", request.id), KEY_CLASS)
    if key is None:
        raise RequestError(
            "request", gettext("The requester's details were removed after the retention period.")
        )
    return key


def seal_for(request: Request, record: dict[str, Any], context: str) -> bytes:
    """Seal ``record`` under the request's own key; ``context`` comes from :mod:`persondata.core.sealing`."""
    return seal(_key(request), record, context)


def unseal_for(request: Request, blob: bytes | memoryview, context: str) -> dict[str, Any]:
    return unseal(_key(request), bytes(blob), context)


def requester(request: Request) -> dict[str, str]:
    """What the requester told us (empty after purge), for the system's own use (matching, letters)."""
    if request.requester_blob is None or request.purged_at is not None:
        return {}
    return {
        k: str(v)
        for k, v in unseal_for(
            request, request.requester_blob, sealing.request_record("requester", request.id)
        ).items()
    }


def show_requester(actor: Actor, request: Request, *, now: datetime) -> dict[str, str]:
    """What the requester told us, shown to whoever handles the request — a read of the customer's contact data,
    written to the access log when the request is matched to a customer (RULES R9)."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    details = requester(request)
    if details and request.customer_id is not None:
        log_reads(actor, [(request.customer_id, ["contact"])], now)
    return details


def log_match(actor: Actor, request: Request, *, now: datetime) -> None:
    """Telling a handler which customer a request matched discloses that customer's identifiers: an access-log
    entry (RULES R9) for the categories the match compared. Only for those who handle requests."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    if request.customer_id is not None:
        log_reads(actor, [(request.customer_id, MATCHED_CATEGORIES)], now)


def work(request: Request) -> dict[str, Any]:
    """Staff's working notes on the request: extension and refusal reasons, a correction asked for."""
    if request.work_blob is None or request.purged_at is not None:
        return {}
    return unseal_for(request, request.work_blob, sealing.request_record("work", request.id))


def update_work(request: Request, **items: Any) -> None:
    data = work(request)
    data.update(items)
    request.work_blob = seal_for(request, data, sealing.request_record("work", request.id))
    request.save(update_fields=["work_blob"])


def assign_customer(actor: Actor, request: Request, customer_id: uuid.UUID, *, now: datetime) -> None:
    """Staff settle an ambiguous or missing match after checking: the customer the request concerns."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _require_open(request)
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound("no such customer")
    if request.identity_verified_at is not None and request.customer_id not in (None, customer_id):
        raise RequestError(
            "customer", gettext("Identity was verified for another customer: register a new request.")
        )
    request.customer_id, request.match = customer_id, "manual"
    request.save(update_fields=["customer_id", "match"])
    _event(request, "customer_assigned", State(request.state), code_of(actor), now, {})
    audit.record("request.assign", actor=code_of(actor), target=str(request.id), details={}, now=now)


# -- identity ------------------------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def email_on_file(customer_id: uuid.UUID) -> str | None:
    return (contact_on_file(customer_id) or {}).get("email") or None


def send_confirmation(request: Request, *, now: datetime, actor: Actor | str = "job") -> bool:
    """E-mail a confirmation link to the address **on file** for the matched customer — never to an address
    the requester typed, so no one can confirm a request for someone else's data. False when there is no
    single match or no e-mail on file (staff then verify by another way, :func:`verify_manually`)."""
    _require_open(request)
    if request.customer_id is None or request.identity_verified_at is not None:
        return False
    address = email_on_file(request.customer_id)
    if not address:
        return False
    token = secrets.token_urlsafe(32)
    Confirmation.objects.filter(request=request, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    Confirmation.objects.create(
        request=request,
        token_hash=_token_hash(token),
        sent_at=now,
        expires_at=now + timedelta(days=CONFIRMATION_DAYS),
    )
    link = settings.PERSONDATA_PUBLIC_URL + reverse("public:confirm", args=[token])
    subject, body = mail.confirmation(request, link, CONFIRMATION_DAYS)
    mail.send_after_commit(request, subject, body, address)  # a rolled-back request sends nothing
    _transition(request, Event.ASK_IDENTITY, code_of(actor), now, {"method": "email_link"})
    return True


def _confirmation(token: str, *, lock: bool) -> Confirmation | None:
    if not token or len(token) > 100:
        return None
    query = Confirmation.objects.select_related("request").filter(token_hash=_token_hash(token))
    return (query.select_for_update() if lock else query).first()


def _problem(conf: Confirmation | None, now: datetime) -> str | None:
    if conf is None:
        return "unknown"
    if conf.used_at is not None:
        return "used"
    if conf.revoked_at is not None:
        return "revoked"
    if conf.expires_at <= now:
        return "expired"
    if conf.request.state not in rq.OPEN_STATES:
        return "closed"
    return None


def link_status(token: str, *, now: datetime) -> str | None:
    """Why :func:`confirm` would refuse the link (unknown, used, revoked, expired, closed), or None if it would
    not — without using it (the page a link opens shows this before the requester clicks Confirm)."""
    return _problem(_confirmation(token, lock=False), now)


def confirm(token: str, *, now: datetime) -> Request:
    """The requester followed the link: identity confirmed. Forged, expired, replayed links are refused."""
    conf = _confirmation(token, lock=True)
    problem = _problem(conf, now)
    if problem is not None or conf is None:
        raise ConfirmationError(problem or "unknown")
    conf.used_at = now
    conf.save(update_fields=["used_at"])
    _verified(conf.request, "email_link", None, "customer", now)
    return conf.request


def verify_manually(actor: Actor, request: Request, method: str, *, now: datetime, note: str = "") -> None:
    """Staff record how they checked identity (R8), e.g. a call back to the phone number on file."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _require_open(request)
    if method not in dict(IDENTITY_METHODS) or method == "email_link":
        allowed = ", ".join(m for m, _ in IDENTITY_METHODS if m != "email_link")
        raise RequestError(
            "method", gettext("Say how identity was checked: one of %(allowed)s.") % {"allowed": allowed}
        )
    if request.customer_id is None and Kind(request.kind) in rq.IDENTITY_REQUIRED:
        raise RequestError(
            "customer", gettext("Match the request to a customer first: the match is not certain.")
        )
    if note:
        if (refusal := check_free_text(note)) is not None:
            raise refused("note", refusal)
        update_work(request, identity_note=note)
    _verified(request, method, actor.user_id, code_of(actor), now)


def _verified(request: Request, method: str, user_id: int | None, actor: str, now: datetime) -> None:
    request.identity_method, request.identity_verified_at = method, now
    request.identity_verified_by_id = user_id
    request.save(update_fields=["identity_method", "identity_verified_at", "identity_verified_by"])
    _transition(request, Event.IDENTITY_CONFIRMED, actor, now, {"method": method})


# -- the other steps -----------------------------------------------------------------------------------------
def start(actor: Actor, request: Request, *, now: datetime) -> None:
    """Begin work on a request that needs no identity check (general information, "other")."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _transition(request, Event.START, code_of(actor), now, {})


def extend(actor: Actor, request: Request, months: int, reasons: str, *, now: datetime) -> date:
    """R6: extend by one or two months, with reasons, told to the customer within the first month."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _require_open(request)
    if request.extension_months:
        raise RequestError(
            "months", gettext("The request has already been extended: at most once, by up to two months.")
        )
    try:
        rq.check_extension(request.received_on, months, legal_date(now), reasons)
    except ValueError as exc:
        raise _extension_refused(str(exc).partition(": ")[0], request.received_on, months) from None
    if (refusal := check_free_text(reasons)) is not None:
        raise refused("reasons", refusal)
    request.extension_months = months
    request.extended_at = now
    request.due_on = rq.deadline(request.received_on, months).due
    request.save(update_fields=["extension_months", "extended_at", "due_on"])
    update_work(request, extension_reasons=reasons.strip())
    _event(request, "extended", State(request.state), code_of(actor), now, {"months": months})
    audit.record(
        "request.extend",
        actor=code_of(actor),
        target=str(request.id),
        details={"months": months, "due_on": request.due_on.isoformat()},
        now=now,
    )
    return request.due_on


def _extension_refused(field: str, received: date, months: int) -> RequestError:
    """:func:`persondata.core.requests.check_extension`'s refusal as a sentence in the active language."""
    if field == "reasons":
        message = gettext("Say why the extension is necessary: the customer is told the reasons.")
    elif 1 <= months <= MAX_EXTENSION_MONTHS:
        message = gettext(
            "The first month has passed: an extension must be told to the customer within it (by %(day)s, "
            "GDPR Art. 12(3))."
        ) % {"day": formats.format_date(extension_notice_due(received), runtime.language())}
    else:
        message = gettext("Extend by 1 or %(n)s months (GDPR Art. 12(3)).") % {"n": MAX_EXTENSION_MONTHS}
    return RequestError(field, message)


def refuse(actor: Actor, request: Request, ground: str, reasons: str, *, now: datetime) -> None:
    """R8: refuse as manifestly unfounded or excessive (or identity not verifiable), with reasons."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    if ground not in dict(REFUSAL_GROUNDS):
        raise RequestError(
            "ground",
            gettext("Choose the ground of the refusal: one of %(grounds)s.")
            % {"grounds": ", ".join(str(label) for label in dict(OFFERED_GROUNDS).values())},
        )
    limit = extension_notice_due(request.received_on)
    if ground != "no_data" and legal_date(now) > limit:  # Art. 12(4): a refusal is told within one month
        raise RequestConflict(
            "state",
            gettext(
                "The one month for telling the customer of a refusal ended on %(day)s (GDPR Art. 12(4)): the "
                "request can no longer be refused and must be answered."
            )
            % {"day": formats.format_date(limit, runtime.language())},
        )
    try:  # "no data" is a confirmation, not a refusal (Art. 15(1))
        rq.check_refusal(request.received_on, legal_date(now), ground)
    except ValueError as exc:
        field = str(exc).partition(": ")[0]
        raise RequestError(
            field,
            gettext(
                "Holding no data about the requester is not a refusal: send the confirmation that no data is "
                "held (GDPR Art. 15(1))."
            ),
        ) from None
    if len(reasons.strip()) < 20:
        raise RequestError(
            "reasons",
            gettext(
                "Explain the refusal in a few sentences: the company must be able to show why it refused."
            ),
        )
    if (refusal := check_free_text(reasons)) is not None:
        raise refused("reasons", refusal)
    request.refusal_ground = ground
    request.save(update_fields=["refusal_ground"])
    update_work(request, refusal_reasons=reasons.strip())
    _transition(request, Event.REFUSE, code_of(actor), now, {"ground": ground})


def withdraw(actor: Actor | str, request: Request, *, now: datetime) -> None:
    if not isinstance(actor, str):
        permissions.require(actor, permissions.HANDLE_REQUESTS)
    _transition(request, Event.WITHDRAW, code_of(actor), now, {})


def answer(actor: Actor, request: Request, outcome: dict[str, Any], *, now: datetime) -> None:
    """Close the request as answered; ``outcome`` holds codes and counts only (it is audited)."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    request.outcome = outcome
    request.save(update_fields=["outcome"])
    _transition(request, Event.ANSWER, code_of(actor), now, {"outcome": outcome})


def confirm_no_data(actor: Actor, request: Request, outcome: dict[str, Any], *, now: datetime) -> None:
    """Art. 15(1): close a request whose requester is not a customer with the confirmation that no data is held
    (not a refusal); it discloses nothing, so it needs no identity check."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    if request.customer_id is not None:
        raise RequestError(
            "customer", gettext("The request is matched to a customer whose data is held: answer it.")
        )
    request.outcome = outcome
    request.save(update_fields=["outcome"])
    _transition(request, Event.CONFIRM_NO_DATA, code_of(actor), now, {"outcome": outcome})


def record_step(request: Request, step: str, actor: Actor | str, now: datetime, **details: Any) -> None:
    """A work step that does not change state (a letter produced, a partner told): event and audit entry."""
    _event(request, step, State(request.state), code_of(actor), now, details)
    audit.record(f"request.{step}", actor=code_of(actor), target=str(request.id), details=details, now=now)


# -- state machine plumbing ----------------------------------------------------------------------------------
def closed(request: Request) -> RequestConflict:
    """The refusal of a step on a closed request, naming its state in words."""
    from persondata.documents import labels  # the labels read the policy, which needs the apps loaded

    return RequestConflict(
        "state",
        gettext("The request is “%(state)s” and closed: a closed request cannot change.")
        % {"state": labels.of(labels.STATES, request.state)},
    )


def _require_open(request: Request) -> None:
    if request.state not in rq.OPEN_STATES:
        raise closed(request)


def _transition(request: Request, event: Event, actor: str, now: datetime, details: dict[str, Any]) -> None:
    before = State(request.state)
    try:
        after = rq.transition(before, event, Kind(request.kind), request.identity_verified_at is not None)
    except rq.TransitionError:
        raise RequestConflict("state", _step_refused(before, event, Kind(request.kind))) from None
    request.state = after.value
    fields = ["state"]
    if after in rq.CLOSED_STATES:
        request.closed_at = now
        fields.append("closed_at")
    request.save(update_fields=fields)
    _event(request, event.value, before, actor, now, details)
    audit.record(
        f"request.{event.value}",
        actor=actor,
        target=str(request.id),
        details={"from": before.value, "to": after.value, **details},
        now=now,
    )


def _event(
    request: Request, event: str, before: State, actor: str, now: datetime, details: dict[str, Any]
) -> None:
    RequestEvent.objects.create(
        request=request,
        at=now,
        event=event,
        from_state=before.value,
        to_state=request.state,
        actor=actor,
        details=details,
    )


# -- lists and lookups ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OpenRequest:
    request: Request
    days_left: int
    level: str  # ok | due_soon | overdue
    extension_notice_due: date


def open_requests(today: date) -> list[OpenRequest]:
    """Every open request, most urgent first, with days left (the dashboard)."""
    out = []
    for request in Request.objects.filter(state__in=[s.value for s in rq.OPEN_STATES]).order_by("due_on"):
        d = rq.deadline(request.received_on, request.extension_months)
        out.append(OpenRequest(request, d.days_left(today), d.level(today), d.extension_notice_due))
    return out


def get(reference_or_id: str) -> Request:
    ref = rq.normalize_reference(reference_or_id)
    query = Request.objects.filter(reference=ref) if ref else None
    if query is None:
        try:
            query = Request.objects.filter(pk=uuid.UUID(reference_or_id))
        except ValueError:
            raise NotFound("no such request: give its reference (PD-XXXX-XXXX)") from None
    request = query.first()
    if request is None:
        raise NotFound("no such request")
    return request


# -- afterwards ----------------------------------------------------------------------------------------------
def _purgeable(now: datetime) -> Iterator[Request]:
    months = runtime.policy().retention.request_record_months
    today = legal_date(now)
    closed = Request.objects.filter(closed_at__isnull=False, purged_at__isnull=True).only("id", "closed_at")
    for request in closed.iterator(chunk_size=500):
        if (
            request.closed_at is not None
            and rq.details_removed_on(legal_date(request.closed_at), months) <= today
        ):
            yield request


def purge_count(now: datetime) -> int:
    return sum(1 for _ in _purgeable(now))


def purge_due(now: datetime) -> int:
    """Remove the requester's details from requests closed longer than ``request_record_months`` ago.

    Reference, dates, kind, state and outcome stay (Art. 5(2)); the request's key is destroyed and its blobs —
    requester, notes, letters, exports — are dropped. One transaction per request; returns how many.
    """
    months = runtime.policy().retention.request_record_months
    purged = 0
    for request in list(_purgeable(now)):
        with transaction.atomic():
            Request.objects.filter(pk=request.pk).update(requester_blob=None, work_blob=None, purged_at=now)
            ring.destroy_own_key(sealing.key_owner("request", request.id), KEY_CLASS)
            request.documents.update(blob=None)
            request.comments.update(blob=None)  # staff's comments (requests.handling), sealed under that key
            request.confirmations.all().delete()
            outbox.forget([outbox.subject("request", request.id)])
            audit.record(
                "request.purge", actor="job", target=str(request.id), details={"months": months}, now=now
            )
        purged += 1
    return purged


def _step_refused(state: State, event: Event, kind: Kind) -> str:
    """Why :func:`persondata.core.requests.transition` refused ``event``, as a sentence in the active language."""
    from persondata.documents import labels  # the labels read the policy, which needs the apps loaded

    if rq.TRANSITIONS.get((state, event)) is None:
        possible = [str(labels.of(labels.EVENTS, e)) for e in rq.allowed_events(state)]
        if not possible:
            return gettext("The request is closed, and a closed request cannot change.")
        return gettext(
            "A request that is “%(state)s” cannot take the step “%(step)s”; possible steps: %(possible)s."
        ) % {
            "state": labels.of(labels.STATES, state),
            "step": labels.of(labels.EVENTS, event),
            "possible": ", ".join(possible),
        }
    return gettext(
        "A request for %(kind)s discloses or changes personal data: verify the requester's identity first."
    ) % {"kind": str(labels.of(labels.KINDS, kind)).lower()}
