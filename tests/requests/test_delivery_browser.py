"""In a real headless Chromium: the controller reads the answered request's letter, then e-mails the download link;
the customer opens the link from the mail, writes the address it was sent to, downloads the letter; the link does
not open a second time, and the request's page shows how and when the answer left."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from persondata.access.actor import Actor
from persondata.register.models import Customer
from persondata.requests.answers import answering as answers
from persondata.requests.answers import delivery, documents
from persondata.requests.models import AnswerLink, Request
from persondata.requests.services import email_on_file
from tests.conftest import NOW
from tests.requests.answering import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Answered:
    boss: Actor
    request: Request
    address: str  # the customer's e-mail address on file, where the link goes


@pytest.fixture
def answered(live_server: Any, controller: Any, demo_customers: Any, smtp: Any, settings: Any) -> Answered:
    """An access request of a customer on file, answered by the controller while the mail server runs; the links
    point at the live server."""
    settings.PERSONDATA_PUBLIC_URL = live_server.url
    boss = Actor.for_user(controller, "rights_requests", "web")
    customer = Customer.objects.order_by("id").first()
    assert customer is not None
    request = register(boss, "access", {"name": "Testkunde"}, customer_id=customer.id)
    with transaction.atomic():
        answers.answer_access(boss, request, now=NOW)
    address = email_on_file(customer.id)
    assert address
    return Answered(boss, request, address)


def test_the_controller_sends_the_link_and_the_customer_downloads_the_letter_once(
    browser: Any, live_server: Any, answered: Answered, smtp: Any
) -> None:
    request, address = answered.request, answered.address
    base = live_server.url
    context = browser.new_context(locale="da-DK", accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{base}/login/")
        page.get_by_label("Brugernavn").fill("controller")
        page.get_by_label("Adgangskode").fill("a-long-test-password")
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/requests/{request.id}/")
        letter = page.locator("#documents-heading + ul a").first
        assert letter.is_visible()  # the letter, to read before it is sent
        page.get_by_label("En bemærkning med linket", exact=False).fill("Svaret kommer her.")
        page.get_by_role("button", name="Send downloadlinket med e-mail").click()
        page.wait_for_url(f"{base}/requests/{request.id}/")
        assert page.get_by_text("downloadlink sendt med e-mail").is_visible()

        (message,) = smtp.to(address)
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Svaret kommer her." in body
        link = re.search(r"http://\S+/privacy/answer/\S+/", body)
        assert link is not None
        # the customer, in their own browser
        customer_context = browser.new_context(locale="da-DK", accept_downloads=True)
        customer_page = customer_context.new_page()
        customer_page.goto(link.group(0))
        customer_page.get_by_label("Din e-mailadresse").fill(address)
        customer_page.get_by_role("button", name="Åbn svaret").click()
        customer_page.wait_for_url(f"{base}/privacy/answer/files/")
        with customer_page.expect_download() as downloaded:
            customer_page.get_by_role("link", name="Brevet", exact=False).first.click()
        saved = downloaded.value.path()
        stored = Request.objects.get(pk=request.id).documents.filter(kind="letter").order_by("fmt")
        assert Path(saved).read_bytes() in {documents.content(d) for d in stored}

        customer_page.goto(link.group(0))
        assert customer_page.get_by_role("heading", name="Linket er allerede brugt").is_visible()
        customer_context.close()

        page.reload()
        assert page.get_by_text("kunden åbnede linket").is_visible()
        assert page.get_by_text("kunden hentede et dokument").is_visible()
    finally:
        context.close()


def test_an_expired_link_and_a_wrong_address_are_refused_in_plain_words(
    browser: Any, answered: Answered, smtp: Any
) -> None:
    """The customer's side in the browser: a wrong address is refused and counted (the third closes the link), and a
    link past its last day opens no more; neither page shows the address, and the request records each refusal."""
    request = answered.request
    with transaction.atomic():
        delivery.send_link(answered.boss, request, note="", now=timezone.now())
    (message,) = smtp.to(answered.address)
    link = re.search(
        r"http://\S+/privacy/answer/\S+/", message.get_body(preferencelist=("plain",)).get_content()
    )
    assert link is not None
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    try:
        page.goto(link.group(0))
        page.get_by_label("Din e-mailadresse").fill("someone.else@example.invalid")
        page.get_by_role("button", name="Åbn svaret").click()
        heading = page.get_by_role("heading", name="Det er ikke den adresse, linket blev sendt til")
        assert heading.is_visible()
        assert "someone.else" not in page.content()

        AnswerLink.objects.filter(request=request).update(expires_at=timezone.now() - timedelta(minutes=1))
        page.goto(link.group(0))
        assert page.get_by_role("heading", name="Linket er udløbet").is_visible()
        assert page.get_by_label("Din e-mailadresse").count() == 0  # no form to open it with
    finally:
        context.close()
    steps = list(request.events.filter(event__startswith="answer_").values_list("event", flat=True))
    assert steps == ["answer_sent", "answer_link_refused"]
