"""How an answer leaves: a download link e-mailed to the address on file (single use after the recipient confirms
that address, time-limited, every download logged), or a posted letter — recorded on the request either way."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.requests.answers import answering as answers
from persondata.requests.answers import delivery, documents
from persondata.requests.models import AnswerLink, Request
from persondata.requests.services import email_on_file
from tests.conftest import NOW
from tests.requests.answering import print_letters, register

pytestmark = pytest.mark.django_db

NOTE = "Vi har også rettet stavningen af dit vejnavn, som du bad om i telefonen."


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, "rights_requests", "web")


@pytest.fixture
def answered(boss: Actor, demo_customers: list[dict[str, Any]]) -> Request:
    from persondata.register.models import Customer

    customer = Customer.objects.order_by("id").first()
    assert customer is not None
    request = register(boss, "access", {"name": "Testkunde"}, customer_id=customer.id)
    with transaction.atomic():
        answers.answer_access(boss, request, now=NOW)
    print_letters()  # the letter is drawn after the answer commits
    request.refresh_from_db()
    return request


def _link(smtp: Any, address: str) -> str:
    _deliver()
    (message,) = smtp.to(address)
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+?(/privacy/answer/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def _deliver() -> None:
    """The outbox's job, as it runs every minute (inside the test's transaction no after-commit delivery runs)."""
    mails = list(Outbox.objects.filter(kind="mail").values_list("id", flat=True))
    outbox.deliver_due(timezone.now(), ids=mails)


def test_the_link_reaches_the_address_on_file_opens_once_and_each_download_is_logged(
    client: Client, controller: Any, answered: Request, smtp: Any
) -> None:
    client.force_login(controller)
    detail = client.get(reverse("requests:detail", args=[answered.id])).content.decode()
    assert "Send svaret til kunden" in detail
    response = client.post(reverse("requests:send_link", args=[answered.id]), {"note": NOTE})
    assert response.status_code == 302
    address = email_on_file(answered.customer_id)
    assert address
    _deliver()
    (message,) = smtp.to(address)
    assert NOTE in message.get_body(preferencelist=("plain",)).get_content()
    path = _link(smtp, address)
    token = path.rstrip("/").rsplit("/", 1)[1]
    link = AnswerLink.objects.get(request=answered)
    assert token not in link.token_hash and link.used_at is None  # only its hash is kept

    customer = Client()
    page = customer.get(path)  # a mail scanner's GET uses nothing
    assert page.status_code == 200 and page["Referrer-Policy"] == "strict-origin"
    assert "Dit svar" in page.content.decode() and token not in page.content.decode().split('name="token"')[0]
    assert customer.get(path).status_code == 200
    wrong = customer.post(reverse("public:answer_open"), {"token": token, "email": "someone@else.example"})
    assert wrong.status_code == 400
    opened = customer.post(reverse("public:answer_open"), {"token": token, "email": f"  {address.upper()} "})
    assert opened.status_code == 302 and opened["Location"] == reverse("public:answer_files")

    files = customer.get(reverse("public:answer_files"))
    shown = files.context["documents"]
    assert {d.kind for d in shown} >= {"letter"} and len(shown) == answered.documents.count()
    first = shown[0]
    download = customer.get(reverse("public:answer_file", args=[first.id]))
    assert download.status_code == 200 and download.content == documents.content(first)
    assert "no-store" in download["Cache-Control"]

    again = Client().post(reverse("public:answer_open"), {"token": token, "email": address})
    assert again.status_code == 410  # used: the link opens once
    steps = list(answered.events.filter(event__startswith="answer_").values_list("event", flat=True))
    assert steps == ["answer_sent", "answer_link_refused", "answer_link_opened", "answer_downloaded"]
    logged = AuditEntry.objects.filter(action__startswith="request.answer_")
    assert logged.count() == 4
    for entry in logged:
        assert (
            address not in str(entry.details)
            and token not in str(entry.details)
            and "vejnavn" not in str(entry.details)
        )


def test_a_link_expires_and_three_wrong_addresses_close_it(answered: Request, boss: Actor, smtp: Any) -> None:
    with transaction.atomic():
        last_day = delivery.send_link(boss, answered, note="", now=NOW)
    assert last_day == (NOW + timedelta(days=delivery.LINK_DAYS)).date()
    path = _link(smtp, email_on_file(answered.customer_id) or "")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert delivery.check_link(token, now=NOW + timedelta(days=delivery.LINK_DAYS)) == "expired"

    for attempt in range(3):
        with transaction.atomic():
            assert delivery.open_link(token, f"wrong{attempt}@else.example", now=NOW) is None
        assert delivery.check_link(token, now=NOW) == ("revoked" if attempt == 2 else None)
    with pytest.raises(delivery.DeliveryError) as closed, transaction.atomic():
        delivery.open_link(token, email_on_file(answered.customer_id) or "", now=NOW)
    assert closed.value.message == "revoked"


def test_a_grant_runs_out(answered: Request) -> None:
    grant = delivery.Grant(answered.id, NOW)
    document = answered.documents.first()
    assert document is not None
    with pytest.raises(delivery.DeliveryError):
        delivery.download(grant, document.id, now=NOW)
    with pytest.raises(delivery.DeliveryError):  # another request's document under this grant
        delivery.download(delivery.Grant(uuid.uuid4(), NOW + timedelta(minutes=5)), document.id, now=NOW)


def test_a_posted_letter_is_recorded_with_its_day(client: Client, controller: Any, answered: Request) -> None:
    client.force_login(controller)
    url = reverse("requests:record_post", args=[answered.id])
    future = client.post(url, {"posted_on": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert future.status_code == 400 and "brevet blev sendt" in future.context["error"]  # the page's Danish
    assert client.post(url, {"posted_on": timezone.localdate().isoformat()}).status_code == 302
    event = answered.events.get(event="answer_sent")
    assert event.details == {"method": "post", "on": timezone.localdate().isoformat()}


def test_only_an_answered_request_with_its_letter_can_be_sent(boss: Actor, demo_customers: Any) -> None:
    request = register(boss, "access", {"name": "Testkunde"}, verify=False)
    with pytest.raises(delivery.DeliveryError) as refused, transaction.atomic():
        delivery.send_link(boss, request, note="", now=NOW)
    assert refused.value.field == "state"
    assert not AnswerLink.objects.exists()


def test_a_note_with_a_cpr_number_is_refused(answered: Request, boss: Actor) -> None:
    with pytest.raises(delivery.DeliveryError) as refused, transaction.atomic():
        delivery.send_link(boss, answered, note="Dit CPR-nummer 010190-1234 er slettet.", now=NOW)
    assert refused.value.field == "note"
    assert not AnswerLink.objects.exists()
