"""In a real headless Chromium: the controller records a processor agreement with a clause missing, sees the
partner flagged (agreements page, dashboard, ``policy check``) and its webhook notice held with the reason;
completes the agreement, and the notice goes to the partner's webhook."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from persondata.cli import main
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.partners import webhooks
from persondata.partners.models import DONE, PartnerNotice, ProcessorAgreement
from persondata.requests.models import Request
from tests.partners.conftest import Receiver, notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n% a signed processor agreement\n%%EOF\n"


def _policy_check() -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(["policy", "check"])
    return code, out.getvalue()


def _shows_complete(page: Any) -> bool:
    """The list shows the agreement complete (read again: the page may have been drawn before the save's commit
    was visible to the live server's other connection on in-memory SQLite)."""
    if page.locator("#agreement-order_processing").get_by_text("complete").is_visible():
        return True
    page.reload()
    return bool(page.locator("#agreement-order_processing").get_by_text("complete").is_visible())


def _delivered_by_the_job(receiver: Any) -> bool:
    if receiver.received:
        return True
    outbox.deliver_due(timezone.now() + timedelta(hours=1))  # as the job would, later: past a backoff
    return bool(receiver.received)


def _wait(condition: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_missing_clause_flags_the_partner_and_holds_its_webhook_until_complete(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    no_agreements: None,
    make_staff: Callable[..., Any],
    make_request: Callable[..., Request],
    receiver: Receiver,
    endpoint: Callable[..., str],
    tmp_path: Path,
) -> None:
    from tests.conftest import record_complete_agreements

    record_complete_agreements(["invoicing", "accounting"])  # the other partners are in order
    make_staff("dpo", ["controller"])
    endpoint("order_processing", receiver.url)
    document = tmp_path / "agreement.pdf"
    document.write_bytes(PDF)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("dpo")
        page.get_by_label("Password").fill("a-long-test-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/**")

        # record the agreement with (h) audits missing
        page.goto(f"{live_server.url}/partners/agreements/")
        row = page.locator("#agreement-order_processing")
        assert row.get_by_text("no data is sent").is_visible()
        row.get_by_role("link", name="Record the agreement").click()
        page.get_by_label("Signed on (YYYY-MM-DD)").fill("2026-01-05")
        page.locator("#id_version").fill("3")
        page.get_by_label("Next review (YYYY-MM-DD)").fill("2036-01-05")
        for letter in "abcdefg":
            page.locator(f"input[name=clauses][value={letter}]").check()
        page.get_by_label("The signed agreement").set_input_files(str(document))
        page.get_by_role("button", name="Save the agreement").click()
        # the form's own address matches /partners/agreements/**: wait for the list, where the save leads
        page.wait_for_url(f"{live_server.url}/partners/agreements/#agreement-order_processing")
        row = page.locator("#agreement-order_processing")
        assert row.get_by_text("no data is sent").is_visible()
        assert row.get_by_text("the agreement lacks Art. 28(3)(h)").is_visible()
        assert ProcessorAgreement.objects.get(partner_key="order_processing").clauses == list("abcdefg")

        # flagged on the dashboard and by `policy check`
        page.goto(f"{live_server.url}/")
        page.get_by_text("Show the findings").click()
        assert page.get_by_text("partners.order_processing", exact=False).first.is_visible()
        code, out = _policy_check()
        assert code == 1 and "ERROR   partner-agreement [partners.order_processing]" in out

        # a rectification: the partner's notice is held in the outbox, with the reason shown
        notify(make_request(), "rectification", changes={"email": "ny@example.com"})
        assert webhooks.wait_for_deliveries(30)
        assert _wait(lambda: Outbox.objects.filter(kind="webhook", state=outbox.HELD).exists())
        assert Outbox.objects.get(kind="webhook").last_error == "agreement:clauses"
        page.goto(f"{live_server.url}/partners/")
        assert page.get_by_text("held: no complete processor agreement").first.is_visible()
        assert receiver.received == []

        # complete it: the notice goes
        page.goto(f"{live_server.url}/partners/agreements/order_processing/")
        page.locator("input[name=clauses][value=h]").check()
        page.get_by_role("button", name="Save the agreement").click()
        page.wait_for_url(f"{live_server.url}/partners/agreements/#agreement-order_processing")
        assert _wait(lambda: _shows_complete(page), 15)
        assert ProcessorAgreement.objects.get(partner_key="order_processing").clauses == list("abcdefgh")
        assert webhooks.wait_for_deliveries(30)
        # the save releases the held notice after its commit (a kick thread); should that thread lose a write race
        # on the tests' in-memory SQLite (its attempt then waits for a retry), the job delivers it, as in production
        assert _wait(lambda: _delivered_by_the_job(receiver))
        assert len(receiver.received) == 1
        assert receiver.received[0].json()["event"] == "persondata.rectification"
        assert PartnerNotice.objects.get(partner_key="order_processing").state == DONE
        code, out = _policy_check()
        assert "partner-agreement [partners.order_processing]" not in out
    finally:
        context.close()
