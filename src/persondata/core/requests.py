"""Customers' requests (GDPR Art. 12–21; RULES R6–R12): kinds, the state machine, deadlines, references.

Pure: no Django import. The services in ``persondata.requests`` store a request and call :func:`transition` for
every change of state, so the rules of which step may follow which live here, table-driven and tested without a
database.

States::

    received ──ask_identity──▶ awaiting_identity ──identity_confirmed──▶ in_progress ──answer──▶ answered
        │                           │                                        │
        ├──start (no identity needed, e.g. information) ───────────────────▶│
        └─ refuse / withdraw from any open state ─▶ refused / withdrawn       └──refuse──▶ refused

R8: the clock does not pause while identity is awaited; :func:`deadline` counts from the day of receipt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from persondata.core.calendar import MAX_EXTENSION_MONTHS, add_months, answer_due, extension_notice_due


class Kind(StrEnum):
    INFORMATION = "information"  # Art. 13/14: what we do with personal data, in general
    ACCESS = "access"  # Art. 15, R9
    RECTIFICATION = "rectification"  # Art. 16, R10
    ERASURE = "erasure"  # Art. 17, R4
    RESTRICTION = "restriction"  # Art. 18, R10
    PORTABILITY = "portability"  # Art. 20, R12
    OBJECTION = "objection"  # Art. 21
    OTHER = "other"


class State(StrEnum):
    RECEIVED = "received"
    AWAITING_IDENTITY = "awaiting_identity"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Event(StrEnum):
    ASK_IDENTITY = "ask_identity"  # a confirmation was sent, or staff are checking identity
    IDENTITY_CONFIRMED = "identity_confirmed"
    START = "start"  # work begins without an identity check (the general information answer)
    ANSWER = "answer"
    REFUSE = "refuse"  # R8: manifestly unfounded or excessive, with the controller's reasons
    WITHDRAW = "withdraw"  # the customer withdrew the request
    # Art. 15(1): the requester is not a customer; the confirmation that no data is held answers the request.
    # It discloses no personal data, so it needs no identity check.
    CONFIRM_NO_DATA = "confirm_no_data"


OPEN_STATES = frozenset({State.RECEIVED, State.AWAITING_IDENTITY, State.IN_PROGRESS})
CLOSED_STATES = frozenset({State.ANSWERED, State.REFUSED, State.WITHDRAWN})

TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.RECEIVED, Event.ASK_IDENTITY): State.AWAITING_IDENTITY,
    (State.RECEIVED, Event.IDENTITY_CONFIRMED): State.IN_PROGRESS,  # identity checked at intake (staff)
    (State.RECEIVED, Event.START): State.IN_PROGRESS,
    (State.AWAITING_IDENTITY, Event.ASK_IDENTITY): State.AWAITING_IDENTITY,  # a new confirmation
    (State.AWAITING_IDENTITY, Event.IDENTITY_CONFIRMED): State.IN_PROGRESS,
    (State.IN_PROGRESS, Event.ANSWER): State.ANSWERED,
    **{(s, Event.REFUSE): State.REFUSED for s in OPEN_STATES},
    **{(s, Event.WITHDRAW): State.WITHDRAWN for s in OPEN_STATES},
    **{(s, Event.CONFIRM_NO_DATA): State.ANSWERED for s in OPEN_STATES},
}

# Kinds that disclose or change a customer's data: never before identity is verified (R8, Art. 12(6)).
IDENTITY_REQUIRED = frozenset(Kind) - {Kind.INFORMATION, Kind.OTHER}

# The dashboard warns this many days before a deadline ("well before").
WARN_DAYS = 7


class TransitionError(ValueError):
    """A step that does not follow from the request's state; the message says what may come next."""


def allowed_events(state: State) -> list[Event]:
    return [e for (s, e) in TRANSITIONS if s == state]


def transition(state: State, event: Event, kind: Kind, identity_verified: bool) -> State:
    """The state after ``event``, or :class:`TransitionError` explaining why not."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        allowed = ", ".join(allowed_events(state)) or "nothing: the request is closed"
        raise TransitionError(f"a request that is '{state}' cannot '{event}'; possible: {allowed}")
    if event is Event.START and kind in IDENTITY_REQUIRED:
        raise TransitionError(
            f"a request for {kind} discloses or changes personal data: verify the requester's identity first"
        )
    if event is Event.ANSWER and kind in IDENTITY_REQUIRED and not identity_verified:
        raise TransitionError(f"a request for {kind} cannot be answered before identity is verified")
    return target


@dataclass(frozen=True, slots=True)
class Deadline:
    """R6/R7 for one request: when the answer is due, and how close that is on ``today``."""

    received: date
    extension_months: int
    due: date
    extension_notice_due: date  # an extension must be told, with reasons, by this day

    def days_left(self, today: date) -> int:
        return (self.due - today).days

    def level(self, today: date) -> str:
        """``overdue``, ``due_soon`` (within :data:`WARN_DAYS`) or ``ok``."""
        return deadline_level(self.days_left(today))


def deadline_level(days_left: int) -> str:
    """How urgent an open request is with ``days_left`` until its answer is due: ``overdue`` (R6 is broken),
    ``due_soon`` (within :data:`WARN_DAYS`) or ``ok``."""
    if days_left < 0:
        return "overdue"
    return "due_soon" if days_left <= WARN_DAYS else "ok"


def deadline(received: date, extension_months: int = 0) -> Deadline:
    return Deadline(
        received, extension_months, answer_due(received, extension_months), extension_notice_due(received)
    )


def check_extension(received: date, months: int, today: date, reasons: str) -> None:
    """R6: at most two further months, with reasons, decided and told within the first month."""
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"months: extend by 1 or {MAX_EXTENSION_MONTHS} months (GDPR Art. 12(3))")
    if not reasons.strip():
        raise ValueError("reasons: say why the extension is necessary; the customer is told the reasons")
    if today > extension_notice_due(received):
        raise ValueError(
            "months: the first month has passed; an extension must be told to the customer within it "
            f"(by {extension_notice_due(received).isoformat()}, GDPR Art. 12(3))"
        )


def check_refusal(received: date, today: date, ground: str) -> None:
    """R6, R8: a refusal is told with its reasons within one month of receipt (GDPR Art. 12(4)), extended or
    not; after that the request must be answered. Holding no data is not a refusal but the answer to Art. 15's
    first question, "do you process data about me?" (Art. 15(1)): it is sent as a confirmation."""
    if ground == "no_data":
        raise ValueError(
            "ground: holding no data about the requester is not a refusal; send the confirmation that no data "
            "is held (GDPR Art. 15(1)) with answer_no_data"
        )
    limit = extension_notice_due(received)
    if today > limit:
        raise ValueError(
            f"state: the one month for telling the customer of a refusal ended on {limit.isoformat()} "
            "(GDPR Art. 12(4)); the request can no longer be refused and must be answered"
        )


def details_removed_on(closed_on: date, record_months: int) -> date:
    """The day a closed request's requester details go (policy ``retention.request_record_months``): kept that
    many months after it was closed, to show it was answered correctly and on time (Art. 5(2))."""
    return add_months(closed_on, record_months)


# -- references ----------------------------------------------------------------------------------------------
# A reference the customer can quote on the phone: "PD-7K3F-9QXW". Crockford base32 (no I, L, O, U), 35 random
# bits, and a weighted check character that catches any single mistyped character.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_char(body: str) -> str:
    return _ALPHABET[sum((2 * i + 1) * _ALPHABET.index(ch) for i, ch in enumerate(body)) % 32]


def new_reference() -> str:
    value = int.from_bytes(os.urandom(5), "big")
    body = "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in range(7))
    return f"PD-{body[:4]}-{body[4:]}{_check_char(body)}"


def normalize_reference(text: str) -> str | None:
    """The canonical reference for what a customer typed (case, spaces, O/0 and I/L/1 forgiven), or None."""
    raw = "".join(text.upper().split()).replace("-", "").translate(_READ_AS)
    if raw.startswith("PD"):
        raw = raw[2:]
    if len(raw) != 8 or any(ch not in _ALPHABET for ch in raw):
        return None
    body, check = raw[:7], raw[7]
    if _check_char(body) != check:
        return None
    return f"PD-{body[:4]}-{body[4:]}{check}"
