"""Delivering notices to the partners' webhooks: signed POSTs, retries with backoff, never a redirect.

One delivery:

1. **Claim.** One ``UPDATE`` moves a due notice to ``sending`` with a short lease and counts the attempt. The
   outbox's delivery after the request's commit, the ``partners.deliver`` job on any app instance and
   ``persondata partners deliver`` therefore never send the same notice at once; a deliverer that dies leaves a
   lease that runs out, and the next run tries again (the lost try counts as an attempt).
2. **POST**, outside any transaction (SQLite's write lock is never held over the network): JSON body, headers
   ``X-Persondata-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`` and ``X-Persondata-Event``,
   :data:`TIMEOUT` seconds per connect, send and read. A redirect is never followed — the customer number goes
   only to the address the controller configured — and counts as a failure.
3. **Result**, in one transaction: a 2xx answer makes the notice ``done``, drops its payload and records the
   step ``partner_told`` on the request; anything else schedules the next try after :data:`BACKOFF`, and after
   :data:`MAX_ATTEMPTS` tries the notice is ``failed`` — shown to the controller, who tells the partner another
   way and ticks it off (or retries it).

Neither the payload nor the answer's body is ever logged or stored; an error is kept as a code (``timeout``,
``refused``, ``dns``, ``tls``, ``connection``, ``redirect``, ``http``) and the HTTP status.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import socket
import ssl
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.audit import services as audit
from persondata.core import sealing
from persondata.core.calendar import legal_date
from persondata.core.vault import VaultError, seal, unseal
from persondata.jobs import outbox
from persondata.keys import ring, rotation
from persondata.partners import agreements, disclosures
from persondata.partners.errors import PartnerError
from persondata.partners.models import DONE, FAILED, PENDING, SENDING, PartnerEndpoint, PartnerNotice
from persondata.requests import services as rights
from persondata.requests.services import RequestError

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds, per socket operation
#: waits after the 1st, 2nd, … failed try (the outbox's, and a day more); after the last, one more try, then
#: the notice has failed
BACKOFF = (*outbox.BACKOFF, timedelta(hours=24))
MAX_ATTEMPTS = len(BACKOFF) + 1  # 8 tries over about two and a half days
LEASE = timedelta(minutes=2)  # longer than one try can take (connect + send + read, TIMEOUT each)
BATCH = 500  # notices per run; the next run takes the rest
MAX_ANSWER_BYTES = 4096  # read (and thrown away) of a partner's answer
SIGNATURE_HEADER = "X-Persondata-Signature"
EVENT_HEADER = "X-Persondata-Event"
TOLERANCE = 300  # seconds a receiver should accept between the signature's time and its own clock
KEY_CLASS = "partner_endpoint"
#: the endpoint's row keeps its wrapped key: ``persondata keys rotate`` re-wraps it
ROTATED = rotation.WrappedColumn(
    "partner_endpoint", "partner_key", KEY_CLASS, lambda key: sealing.key_owner("partner", key)
)
MIN_SECRET, MAX_SECRET = 24, 200
#: errors that say the endpoint is not reachable at all: its other notices wait for the next run
_UNREACHABLE = frozenset({"timeout", "refused", "dns", "tls", "connection"})


# -- the endpoint's address and secret -----------------------------------------------------------------------
def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The webhook address, checked: ``https://``, or ``http://`` to this machine only (a receiver on loopback)."""
    url = (url or "").strip()
    if not url or len(url) > 500:
        raise PartnerError("url", _("Give the partner's webhook address (at most 500 characters)."))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise PartnerError("url", _("This is not a valid web address.")) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PartnerError("url", _("The address must start with https:// and name the partner's server."))
    if parts.username is not None or parts.password is not None:
        raise PartnerError(
            "url", _("The address must not hold a user name or password: the signature shows the sender.")
        )
    if parts.fragment:
        raise PartnerError("url", _("The address must not end in a #fragment."))
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise PartnerError(
            "url",
            _(
                "The address must start with https://: plain http:// is allowed only to this machine "
                "(127.0.0.1, localhost)."
            ),
        )
    return url


def check_secret(secret: str) -> str:
    if (
        not (MIN_SECRET <= len(secret) <= MAX_SECRET)
        or not secret.isprintable()
        or any(c.isspace() for c in secret)
    ):
        raise PartnerError(
            "secret",
            _("The secret must be %(min)s–%(max)s characters without spaces (or leave it out to get one).")
            % {"min": MIN_SECRET, "max": MAX_SECRET},
        )
    return secret


def seal_secret(partner_key: str, secret: str) -> tuple[bytes, bytes]:
    """A new data key for the endpoint (wrapped by the master key) and the secret sealed under it."""
    data_key = ring.new_wrapped(sealing.key_owner("partner", partner_key), KEY_CLASS)
    return data_key.wrapped, seal(data_key.key, {"secret": secret}, sealing.webhook_secret(partner_key))


def endpoint_secret(endpoint: PartnerEndpoint) -> str:
    owner = sealing.key_owner("partner", endpoint.partner_key)
    key = ring.unwrap(endpoint.wrapped_key, owner, KEY_CLASS)
    return str(
        unseal(key, bytes(endpoint.secret_blob), sealing.webhook_secret(endpoint.partner_key))["secret"]
    )


# -- signing -------------------------------------------------------------------------------------------------
def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Persondata-Signature`` header: ``t=<unix time>,v1=<hex HMAC-SHA256 over "<t>." + body>``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: int = TOLERANCE
) -> bool:
    """What a receiver does (docs/partners.md): the signature matches and its time is within ``tolerance``."""
    items = [part.strip().partition("=") for part in (header or "").split(",")]
    stamps = [v for k, _, v in items if k == "t"]
    macs = [v for k, _, v in items if k == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not macs:
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, mac) for mac in macs)


# -- one POST ------------------------------------------------------------------------------------------------
def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> tuple[int | None, str]:
    """POST ``body``; returns the HTTP status (None without an answer) and an error code ("" for a 2xx)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()  # http.client never follows a redirect
        response.read(MAX_ANSWER_BYTES)
        status = response.status
    except TimeoutError:
        return None, "timeout"
    except ConnectionRefusedError:
        return None, "refused"
    except ssl.SSLError:
        return None, "tls"
    except socket.gaierror:
        return None, "dns"
    except (OSError, http.client.HTTPException):
        return None, "connection"
    finally:
        conn.close()
    if 200 <= status < 300:
        return status, ""
    return status, "redirect" if 300 <= status < 400 else "http"


# -- delivering ----------------------------------------------------------------------------------------------
@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # no enabled endpoint (any more): waits for the controller's tick
    postponed: int = 0  # not tried in this run: the partner's endpoint was unreachable a moment ago
    errors: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
            "waiting": self.waiting,
            "postponed": self.postponed,
            "errors": dict(sorted(self.errors.items())),
        }


def _due(now: datetime) -> Q:
    return Q(state=PENDING, next_attempt_at__lte=now) | Q(state=SENDING, claimed_until__lt=now)


def due_notices(now: datetime, limit: int = BATCH) -> list[uuid.UUID]:
    """Notices a webhook may try now: of partners with an enabled endpoint, due, oldest first."""
    with_endpoint = PartnerEndpoint.objects.filter(enabled=True).values_list("partner_key", flat=True)
    # a partner without a complete, current processor agreement receives nothing (Art. 28; RULES R14)
    keys = sorted(agreements.cleared_partners(with_endpoint, legal_date(now)))
    if not keys:
        return []
    query = PartnerNotice.objects.filter(_due(now), partner_key__in=keys).order_by(
        "next_attempt_at", "created_at"
    )
    return list(query.values_list("id", flat=True)[:limit])


def deliver_due(
    now: datetime, *, ids: Iterable[uuid.UUID] | None = None, timeout: float = TIMEOUT
) -> DeliveryReport:
    """Try every due notice (or those of ``ids`` that are due) once. Runs outside a transaction."""
    report = DeliveryReport()
    unreachable: set[str] = set()
    for notice_id in due_notices(now) if ids is None else list(ids):
        partner = PartnerNotice.objects.filter(pk=notice_id).values_list("partner_key", flat=True).first()
        if partner is None:
            continue
        if partner in unreachable:
            report.postponed += 1
            continue
        outcome, error = deliver_one(notice_id, now, timeout=timeout)
        if outcome == "skipped":
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if error:
            report.errors[error] = report.errors.get(error, 0) + 1
        if error in _UNREACHABLE:
            unreachable.add(partner)
    return report


def deliver_one(notice_id: uuid.UUID, now: datetime, *, timeout: float = TIMEOUT) -> tuple[str, str]:
    """Claim, send and record one notice: ("delivered" | "retrying" | "failed" | "waiting" | "skipped", error)."""
    claimed = PartnerNotice.objects.filter(_due(now), pk=notice_id).update(
        state=SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1, last_attempt_at=now
    )
    if not claimed:
        return "skipped", ""  # not due, or another deliverer has it
    notice = PartnerNotice.objects.select_related("request").get(pk=notice_id)
    endpoint = PartnerEndpoint.objects.filter(partner_key=notice.partner_key, enabled=True).first()
    if endpoint is None or agreements.hold_reason(notice.partner_key, legal_date(now)):
        PartnerNotice.objects.filter(pk=notice_id, state=SENDING).update(
            state=PENDING, claimed_until=None, attempts=F("attempts") - 1
        )
        return "waiting", ""
    payload = None
    if notice.payload_blob is not None:
        try:
            payload = rights.unseal_for(
                notice.request,
                notice.payload_blob,
                sealing.request_part("notice", notice.id, notice.request_id),
            )
        except (VaultError, RequestError):
            payload = None  # the request was purged: its key is gone
    if payload is None:
        return _record(notice, now, None, "payload_gone", final=True), "payload_gone"
    try:
        url, secret = check_url(endpoint.url), endpoint_secret(endpoint)
    except (PartnerError, VaultError):
        return _record(notice, now, None, "endpoint", final=False), "endpoint"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "persondata-webhooks/1",
        EVENT_HEADER: str(payload["event"]),
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    status, error = post(url, body, headers, timeout)
    if error:
        log.warning(
            "partner notice %s to %s: try %d of %d failed (%s %s)",
            notice.id,
            notice.partner_key,
            notice.attempts,
            MAX_ATTEMPTS,
            error,
            status or "-",
        )
    return _record(notice, now, status, error), error


def _record(
    notice: PartnerNotice, now: datetime, status: int | None, error: str, *, final: bool = False
) -> str:
    mine = PartnerNotice.objects.filter(pk=notice.pk, state=SENDING)
    with transaction.atomic():
        if not error:
            mine.update(
                state=DONE,
                channel="webhook",
                done_at=now,
                payload_blob=None,
                claimed_until=None,
                next_attempt_at=None,
                last_error="",
                last_status=status,
            )
            rights.record_step(
                notice.request,
                "partner_told",
                "system",
                now,
                partner=notice.partner_key,
                notice=str(notice.id),
                channel="webhook",
                attempts=notice.attempts,
            )
            record_notice_disclosure(notice, "webhook", now, "system")
            return "delivered"
        if final or notice.attempts >= MAX_ATTEMPTS:
            mine.update(
                state=FAILED, claimed_until=None, next_attempt_at=None, last_error=error, last_status=status
            )
            audit.record(
                "partner.notice_failed",
                actor="system",
                target=str(notice.id),
                details={
                    "partner": notice.partner_key,
                    "attempts": notice.attempts,
                    "error": error,
                    "status": status,
                },
                now=now,
            )
            return "failed"
        wait = BACKOFF[min(notice.attempts, len(BACKOFF)) - 1]
        mine.update(
            state=PENDING,
            claimed_until=None,
            next_attempt_at=now + wait,
            last_error=error,
            last_status=status,
        )
        return "retrying"


def record_notice_disclosure(notice: PartnerNotice, channel: str, now: datetime, actor: Any) -> None:
    """The partner now has what the notice carried (the customer number, new values): a disclosure (Art. 19)."""
    customer_id = notice.request.customer_id
    if customer_id is not None and notice.categories:
        disclosures.record(
            notice.partner_key,
            categories=notice.categories,
            channel=channel,
            purpose=disclosures.ART19,
            customer_ids=[customer_id],
            occurred_at=now,
            now=now,
            actor=actor,
        )


# -- through the outbox ---------------------------------------------------------------------------------------
def deliver_after_commit(request_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> None:
    """Inside the request's transaction: queue these notices in the outbox (``persondata.jobs.outbox``), which
    delivers them in the background once the transaction commits — a partner's slow or dead endpoint (up to
    three times :data:`TIMEOUT` per notice) never holds up the controller's page or command. The notice keeps
    its own attempts and backoff: whatever the outbox's try does not deliver, the ``partners.deliver`` job
    (every minute) tries again. A rolled-back transaction queues nothing; the message is dropped when the
    request is purged."""
    for notice_id in ids:
        outbox.put("webhook", outbox.subject("request", request_id), {"notice": str(notice_id)})


def deliver_message(message: outbox.Message) -> None:
    """The outbox's ``webhook`` handler: one try of the notice (its own bookkeeping records the outcome).

    Held, with the reason, while the partner has no complete, current processor agreement: the outbox looks
    at it again on each pass, and recording a complete agreement releases it at once."""
    now = timezone.now()
    notice_id = uuid.UUID(message.payload["notice"])
    partner = PartnerNotice.objects.filter(pk=notice_id).values_list("partner_key", flat=True).first()
    if partner is not None and (reason := agreements.hold_reason(partner, legal_date(now))):
        raise outbox.Held(reason)
    deliver_due(now, ids=[notice_id])


def run_job(now: datetime) -> dict[str, Any]:
    """The ``partners.deliver`` job: the notices that are due again ({} when there was nothing to send)."""
    return {k: v for k, v in deliver_due(now).as_dict().items() if v}


def wait_for_deliveries(timeout: float = 3 * TIMEOUT + 5) -> bool:
    """Wait for the deliveries started after commits (tests, a clean shutdown); True when none is left."""
    return outbox.wait_for_outbox(timeout)


def new_secret() -> str:
    return "whsec_" + os.urandom(24).hex()
