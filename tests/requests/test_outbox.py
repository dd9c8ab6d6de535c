"""The outbox (``persondata.jobs.outbox``) with the requests' mail: sealed, deleted once delivered, retried with
backoff, held without SMTP, and dropped when its customer is erased or its request purged. A real SMTP server on
loopback (aiosmtpd), the real database."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from persondata.core import sealing
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.keys import store as key_store
from persondata.register.services import Actor
from persondata.requests import intake, mail, services
from persondata.requests.models import Request
from persondata.retention.erasure import erase_customer_now
from tests.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = "persondata.jobs.outbox.HoldBackend"


def _confirmation_for(record: dict[str, Any]) -> Request:
    with transaction.atomic():
        req = intake.submit("access", {"email": record["email"]}, channel="staff", now=NOW)
        assert services.send_confirmation(req, now=NOW)
    outbox.wait_for_outbox()
    return req


def _refusing_smtp(settings: Any) -> None:
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


def test_a_delivered_message_is_deleted_and_was_sealed(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    record = demo_customers[0]
    with transaction.atomic():
        req = intake.submit("access", {"email": record["email"]}, channel="staff", now=NOW)
        assert services.send_confirmation(req, now=NOW)
        [row] = Outbox.objects.all()  # written in the same transaction, before the commit
        owner = sealing.key_owner("outbox", row.id)
        assert key_store.own_key(owner, "outbox") is not None
        assert row.kind == "mail" and row.subject == outbox.subject("customer", str(req.customer_id))
        assert record["email"].encode() not in bytes(row.payload)
        assert b"/privacy/confirm/" not in bytes(row.payload)
    [msg] = smtp.messages
    assert record["email"].lower() in str(msg["To"]).lower()
    assert not Outbox.objects.exists()
    assert key_store.own_key(owner, "outbox") is None  # delivered: the message and its key are gone


def test_kicks_in_quick_succession_share_one_deliverer_thread_and_all_arrive(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    records = demo_customers[:6]
    alive = []
    for record in records:  # six commits, six kicks: each starts a delivery unless one is running
        with transaction.atomic():
            req = intake.submit("access", {"email": record["email"]}, channel="staff", now=NOW)
            assert services.send_confirmation(req, now=NOW)
        alive.append(sum(t.name == outbox.KICK_THREAD for t in threading.enumerate()))
    assert max(alive) == 1, alive  # one per process: a burst of answers does not start a thread each
    delivered = {str(m["To"]).lower() for m in smtp.messages}  # waits for the deliverer to end
    assert all(any(r["email"].lower() in to for to in delivered) for r in records)
    assert not any(t.name == outbox.KICK_THREAD for t in threading.enumerate())  # it ended: nothing was left
    assert not Outbox.objects.exists()


def test_a_rolled_back_change_queues_and_sends_nothing(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        req = intake.submit("access", {"email": demo_customers[0]["email"]}, channel="staff", now=NOW)
        services.send_confirmation(req, now=NOW)
        raise RuntimeError("rolled back")
    assert not Outbox.objects.exists() and smtp.messages == []


def test_failures_back_off_then_fail_once_and_a_failed_message_goes_later(
    demo_customers: list[dict[str, Any]], settings: Any
) -> None:
    _refusing_smtp(settings)
    req = _confirmation_for(demo_customers[0])  # the kick after the commit: the first try, refused
    row = Outbox.objects.get()
    assert row.attempts == 1 and row.state == outbox.PENDING and row.last_error == "ConnectionRefusedError"
    waits = []
    at = row.next_attempt_at
    waits.append(at - row.created_at)
    assert outbox.deliver_due(at - timedelta(seconds=1)) == {
        "delivered": 0,
        "retrying": 0,
        "failed": 0,
        "held": 0,
    }
    while Outbox.objects.get().state == outbox.PENDING:
        outbox.deliver_due(at)
        row = Outbox.objects.get()
        if row.state == outbox.PENDING:
            waits.append(row.next_attempt_at - at)
            at = row.next_attempt_at
    assert row.state == outbox.FAILED and row.attempts == outbox.MAX_ATTEMPTS
    # 1 min, 5 min, 30 min, … (the first measured from the real clock of the kick, so roughly)
    assert abs(waits[0] - outbox.BACKOFF[0]) < timedelta(seconds=30)
    assert waits[1:] == list(outbox.BACKOFF[1:])
    assert req.events.filter(event="mail_failed").count() == 1  # a step staff see, not one per try
    outbox.deliver_due(at + timedelta(days=29))
    assert Outbox.objects.filter(state=outbox.FAILED).exists()
    outbox.deliver_due(at + outbox.FAILED_KEPT + timedelta(days=1))
    assert not Outbox.objects.exists()


def test_without_smtp_mail_is_held_sealed_and_sent_once_smtp_is_set(
    demo_customers: list[dict[str, Any]], settings: Any, smtp: Any
) -> None:
    settings.EMAIL_BACKEND = HOLD  # what settings.py sets when PERSONDATA_SMTP_URL is unset
    record = demo_customers[0]
    _confirmation_for(record)
    row = Outbox.objects.get()
    assert row.state == outbox.HELD and row.attempts == 0 and smtp.handler.received == []
    assert outbox.read(row.id).payload["to"] == record["email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert outbox.deliver_due()["delivered"] == 1
    assert len(smtp.to(record["email"])) == 1 and not Outbox.objects.exists()


def test_an_erased_customers_mail_is_dropped(demo_customers: list[dict[str, Any]], settings: Any) -> None:
    settings.EMAIL_BACKEND = HOLD
    first, second = _confirmation_for(demo_customers[0]), _confirmation_for(demo_customers[1])
    assert Outbox.objects.count() == 2
    assert first.customer_id is not None
    keys = {row.subject: sealing.key_owner("outbox", row.id) for row in Outbox.objects.all()}
    with transaction.atomic():
        erase_customer_now(first.customer_id, actor="staff:1", now=NOW, reason_code="erasure_request")
    [left] = Outbox.objects.all()
    assert left.subject == outbox.subject("customer", str(second.customer_id))
    # the dropped message's key is destroyed in the key store: no database backup can read the message
    assert key_store.own_key(keys[outbox.subject("customer", str(first.customer_id))], "outbox") is None
    assert key_store.own_key(keys[left.subject], "outbox") is not None


def test_a_purged_requests_messages_are_dropped(
    demo_customers: list[dict[str, Any]], controller: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = HOLD
    boss = Actor.for_user(controller, "rights_requests", "web")
    with transaction.atomic():
        req = intake.submit("information", {"email": demo_customers[0]["email"]}, channel="staff", now=NOW)
        services.start(boss, req, now=NOW)
        services.answer(boss, req, {"letter": 1}, now=NOW)
        mail.queue(outbox.subject("request", req.id), "Svar", "Se brevet.", demo_customers[0]["email"])
    outbox.wait_for_outbox()
    assert Outbox.objects.filter(state=outbox.HELD).count() == 1
    assert services.purge_due(NOW + timedelta(days=370)) == 1
    assert not Outbox.objects.exists()
