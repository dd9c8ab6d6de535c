"""Webhook delivery to a real HTTP server on 127.0.0.1: signature, retries with backoff, timeouts, refusals,
redirects, giving up, and nothing left behind after delivery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.jobs import runner as jobs
from persondata.jobs.models import JobRun
from persondata.partners import services, webhooks
from persondata.partners.models import DONE, FAILED, PENDING, PartnerEndpoint, PartnerNotice
from persondata.partners.services import PartnerError
from persondata.partners.webhooks import BACKOFF, MAX_ATTEMPTS, deliver_due
from persondata.requests.models import Request, RequestEvent
from tests.conftest import NOW
from tests.partners.conftest import Receiver, notify

pytestmark = pytest.mark.django_db

NEW_EMAIL = "ny.adresse@example.com"


def one_notice(make_request: Callable[..., Request], partner: str = "order_processing") -> PartnerNotice:
    """A rectification of the e-mail address: notices to order_processing and invoicing; returns one of them."""
    req = make_request()
    notify(req, "rectification", changes={"email": NEW_EMAIL})
    return PartnerNotice.objects.get(request=req, partner_key=partner)


def test_a_notice_is_delivered_signed_and_then_holds_no_data(
    make_request: Callable[..., Request],
    receiver: Receiver,
    endpoint: Callable[..., str],
    demo_customers: list[dict[str, Any]],
) -> None:
    secret = endpoint("order_processing", receiver.url)
    notice = one_notice(make_request)
    report = deliver_due(NOW)
    assert report.delivered == 1 and report.failed == report.retrying == 0
    [got] = receiver.received
    assert got.path == "/hooks/persondata"
    assert got.headers["X-Persondata-Event"] == "persondata.rectification"
    assert got.headers["Content-Type"].startswith("application/json")
    assert webhooks.verify(secret, got.headers["X-Persondata-Signature"], got.body)
    # the check can fail: another secret, a changed body, an old signature
    assert not webhooks.verify(
        "another-secret-of-enough-length-000", got.headers["X-Persondata-Signature"], got.body
    )
    assert not webhooks.verify(
        secret, got.headers["X-Persondata-Signature"], got.body.replace(b"ny.", b"nu.")
    )
    stamp = int(got.headers["X-Persondata-Signature"].split(",")[0][2:])
    assert not webhooks.verify(secret, got.headers["X-Persondata-Signature"], got.body, now=stamp + 301)
    body = got.json()
    assert body == {
        "event": "persondata.rectification",
        "id": str(notice.id),
        "reference": notice.request.reference,
        "customer_number": demo_customers[0]["customer_number"],
        "changes": {"email": NEW_EMAIL},
        "categories": ["contact"],
        "occurred_at": "2026-11-25T10:00:00Z",
    }
    notice.refresh_from_db()
    assert notice.state == DONE and notice.channel == "webhook" and notice.attempts == 1
    assert notice.payload_blob is None and notice.last_status == 200
    # nothing of the customer is left in the notice's row
    text = repr(PartnerNotice.objects.filter(pk=notice.pk).values().get())
    assert NEW_EMAIL not in text and demo_customers[0]["customer_number"] not in text
    step = RequestEvent.objects.get(request=notice.request, event="partner_told")
    assert step.details["channel"] == "webhook" and step.details["partner"] == "order_processing"
    # the other partner has no endpoint: it waits for the controller, and nothing is sent twice
    assert deliver_due(NOW + timedelta(hours=1)).delivered == 0 and len(receiver.received) == 1
    assert PartnerNotice.objects.get(request=notice.request, partner_key="invoicing").state == PENDING


def test_a_500_is_retried_with_backoff_then_delivered(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", receiver.url)
    receiver.answer(500, 503)
    notice = one_notice(make_request)
    assert deliver_due(NOW).retrying == 1
    notice.refresh_from_db()
    assert (notice.state, notice.attempts, notice.last_error, notice.last_status) == (PENDING, 1, "http", 500)
    assert notice.next_attempt_at == NOW + timedelta(minutes=1) and notice.payload_blob is not None
    assert deliver_due(NOW + timedelta(seconds=59)).retrying == 0 and len(receiver.received) == 1  # not yet
    t2 = NOW + timedelta(minutes=1)
    assert deliver_due(t2).retrying == 1
    notice.refresh_from_db()
    assert notice.next_attempt_at == t2 + timedelta(minutes=5) and notice.last_status == 503
    assert deliver_due(t2 + timedelta(minutes=4)).delivered == 0
    assert deliver_due(t2 + timedelta(minutes=5)).delivered == 1
    notice.refresh_from_db()
    assert (notice.state, notice.attempts, notice.last_status) == (DONE, 3, 200)
    assert len(receiver.received) == 3 and len({r.body for r in receiver.received}) == 1  # the same notice


def test_a_receiver_that_does_not_answer_in_time(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", receiver.url)
    receiver.answer(("sleep", 2.0))
    notice = one_notice(make_request)
    report = deliver_due(NOW, timeout=0.5)
    assert report.retrying == 1 and report.errors == {"timeout": 1}
    notice.refresh_from_db()
    assert (notice.state, notice.last_error, notice.last_status) == (PENDING, "timeout", None)


def test_a_refused_connection_postpones_the_partners_other_notices(
    make_request: Callable[..., Request], closed_url: str, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", closed_url)
    first = one_notice(make_request)
    notify(make_request(index=1), "erasure")
    report = deliver_due(NOW)
    assert (report.retrying, report.postponed, report.errors) == (1, 1, {"refused": 1})
    first.refresh_from_db()
    assert first.last_error == "refused" and first.state == PENDING
    # the postponed one was not tried: no attempt counted
    assert PartnerNotice.objects.filter(partner_key="order_processing", attempts=0).count() == 1


def test_a_redirect_is_not_followed(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", receiver.url)
    receiver.answer(("redirect", 302), ("redirect", 307))
    notice = one_notice(make_request)
    deliver_due(NOW)
    deliver_due(NOW + timedelta(minutes=1))
    assert [r.path for r in receiver.received] == [
        "/hooks/persondata",
        "/hooks/persondata",
    ]  # never /elsewhere
    notice.refresh_from_db()
    assert (notice.state, notice.last_error, notice.last_status) == (PENDING, "redirect", 307)


def test_after_the_last_try_the_notice_has_failed(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str], boss: Actor
) -> None:
    endpoint("order_processing", receiver.url)
    receiver.answer(*([500] * MAX_ATTEMPTS))
    notice = one_notice(make_request)
    at, waits = NOW, []
    for _ in range(MAX_ATTEMPTS):
        deliver_due(at)
        notice.refresh_from_db()
        if notice.next_attempt_at is None:
            break
        waits.append(notice.next_attempt_at - at)
        at = notice.next_attempt_at
    assert waits == list(BACKOFF)  # 1 min, 5 min, 30 min, 2 h, 12 h, 24 h, 24 h
    assert (notice.state, notice.attempts, notice.last_status) == (FAILED, MAX_ATTEMPTS, 500)
    assert len(receiver.received) == MAX_ATTEMPTS
    assert deliver_due(at + timedelta(days=7)).delivered == 0 and len(receiver.received) == MAX_ATTEMPTS
    entry = AuditEntry.objects.get(action="partner.notice_failed")
    assert entry.details == {
        "partner": "order_processing",
        "attempts": MAX_ATTEMPTS,
        "error": "http",
        "status": 500,
    }
    # the controller may give it a fresh set of tries once the partner has fixed its endpoint
    with transaction.atomic():
        assert services.retry_failed(boss, now=at) == 1
    assert deliver_due(at).delivered == 1


def test_an_endpoint_configured_later_takes_the_waiting_notices(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    notice = one_notice(make_request)
    assert deliver_due(NOW).delivered == 0
    endpoint("order_processing", receiver.url)
    assert deliver_due(NOW).delivered == 1
    notice.refresh_from_db()
    assert notice.state == DONE


def test_nothing_of_the_customer_in_the_logs(
    make_request: Callable[..., Request],
    closed_url: str,
    endpoint: Callable[..., str],
    demo_customers: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint("order_processing", closed_url)
    with caplog.at_level(logging.DEBUG):
        one_notice(make_request)
        deliver_due(NOW)
    assert "refused" in caplog.text  # the failure is logged, by code
    assert demo_customers[0]["customer_number"] not in caplog.text and NEW_EMAIL not in caplog.text
    for entry in AuditEntry.objects.all():
        assert demo_customers[0]["customer_number"] not in str(entry.details)


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/hook",  # plain http to another machine
        "http://10.1.2.3/hook",
        "ftp://partner.example/hook",
        "https://user:pw@partner.example/hook",
        "partner.example/hook",
        "https://partner.example:port/hook",
        "",
    ],
)
def test_an_endpoint_that_is_not_https_is_refused_by_field(boss: Actor, url: str) -> None:
    with pytest.raises(PartnerError) as info:
        services.set_endpoint(boss, "invoicing", url, now=NOW)
    assert info.value.field == "url"
    assert not PartnerEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example/hooks?x=1",
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]:9/h",
    ],
)
def test_https_and_loopback_endpoints_are_accepted(boss: Actor, url: str) -> None:
    with transaction.atomic():
        found, made = services.set_endpoint(boss, "invoicing", url, now=NOW)
    assert found.url == url and made is not None and made.startswith("whsec_")
    # the secret is stored sealed, under the partner's own data key
    assert made.encode() not in bytes(found.secret_blob) and webhooks.endpoint_secret(found) == made
    entry = AuditEntry.objects.get(action="partner.endpoint_set")
    assert entry.details["secret"] == "made" and made not in str(entry.details)


def test_endpoint_secret_unknown_partner_and_rotation(boss: Actor) -> None:
    with pytest.raises(PartnerError) as unknown:
        services.set_endpoint(boss, "marketing_agency", "https://x.example/", now=NOW)
    assert unknown.value.field == "partner"
    with pytest.raises(PartnerError) as short:
        services.set_endpoint(boss, "invoicing", "https://x.example/", now=NOW, secret="too short")
    assert short.value.field == "secret"
    with transaction.atomic():
        _first, made = services.set_endpoint(boss, "invoicing", "https://x.example/", now=NOW)
        again, none = services.set_endpoint(boss, "invoicing", "https://y.example/", now=NOW)
        rotated, fresh = services.set_endpoint(
            boss, "invoicing", "https://y.example/", now=NOW, new_secret_wanted=True
        )
    assert none is None and webhooks.endpoint_secret(again) == made
    assert fresh not in (None, made) and webhooks.endpoint_secret(rotated) == fresh


@pytest.mark.django_db(transaction=True)
def test_delivery_starts_right_after_the_commit_and_not_after_a_rollback(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", receiver.url)
    req = make_request()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify_partners(req, "erasure", now=NOW)
        raise RuntimeError("the erasure failed half-way")
    assert webhooks.wait_for_deliveries(30) and receiver.received == []
    with transaction.atomic():
        services.notify_partners(req, "erasure", now=NOW)
        assert webhooks.wait_for_deliveries(0)  # no delivery thread before the commit
        assert receiver.received == []
    assert webhooks.wait_for_deliveries(30)
    [got] = receiver.received
    assert got.json()["event"] == "persondata.erasure" and got.json()["kept"] == []
    assert PartnerNotice.objects.get(partner_key="order_processing").state == DONE


def test_the_job_delivers_every_minute(
    make_request: Callable[..., Request],
    receiver: Receiver,
    endpoint: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "_periodic_last", {})
    job = {"partners.deliver": jobs.JOBS["partners.deliver"]}
    endpoint("order_processing", receiver.url)
    receiver.answer(500)
    notice = one_notice(make_request)
    night = NOW + timedelta(hours=15)  # 02:00 in Denmark: any hour, not only from 03:00 as the daily jobs
    [first] = jobs.run_due_jobs(night, job)
    assert first.status == "done" and first.summary == {"retrying": 1, "errors": {"http": 1}}
    assert [o.status for o in jobs.run_due_jobs(night + timedelta(seconds=30), job)] == ["not_yet"]
    [second] = jobs.run_due_jobs(night + timedelta(minutes=1), job)
    assert second.summary == {"delivered": 1}
    [idle] = jobs.run_due_jobs(night + timedelta(minutes=2), job)
    assert idle.status == "done" and idle.summary == {}
    assert list(
        JobRun.objects.filter(job="partners.deliver").order_by("started_at").values_list("summary", flat=True)
    ) == [
        {"retrying": 1, "errors": {"http": 1}},
        {"delivered": 1},
    ]  # runs that did nothing leave no record
    notice.refresh_from_db()
    assert notice.state == DONE and notice.attempts == 2


def test_the_receiver_code_in_the_docs_checks_a_real_delivery(
    make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "partners.md").read_text(encoding="utf-8")
    example = (
        docs.split("## Checking the signature", 1)[1].split("```python", 1)[1].split("class Receiver", 1)[0]
    )
    namespace: dict[str, Any] = {}
    exec(compile(example, "docs/partners.md", "exec"), namespace)  # noqa: S102 - our own documentation
    secret = endpoint("order_processing", receiver.url)
    namespace["SECRET"] = secret.encode()
    one_notice(make_request)
    deliver_due(NOW)
    [got] = receiver.received
    check = namespace["signature_ok"]
    assert check(got.headers["X-Persondata-Signature"], got.body)
    assert not check(got.headers["X-Persondata-Signature"], got.body + b" ")
    namespace["SECRET"] = b"whsec_not-the-secret"
    assert not check(got.headers["X-Persondata-Signature"], got.body)
