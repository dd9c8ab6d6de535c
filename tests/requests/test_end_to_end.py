"""Every kind of request end to end, in a real headless Chromium: the customer sends it on the public page, confirms
it by the link e-mailed (a real SMTP server on loopback) to the address on file, the data controller answers it in
the staff web app, and the letter and files are checked for content — and for nothing of another customer."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from pypdf import PdfReader

from persondata import runtime
from persondata.core.requests import State
from persondata.core.vault import normalize_email
from persondata.register.models import Customer, Restriction
from persondata.requests.answers import exports
from persondata.requests.models import Request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_LABELS = {
    "information": "Information about how we use personal data",
    "access": "See the data we hold about you",
    "rectification": "Correct wrong data",
    "erasure": "Delete your data",
    "restriction": "Limit the use of your data",
    "portability": "Get your data to take elsewhere",
    "objection": "Object to how we use your data",
    "other": "Something else",
}
MESSAGES = {
    "rectification": "My e-mail address has changed.",
    "objection": "I object to being contacted by phone.",
    "other": "Which partners receive my data?",
}


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.parametrize("kind", list(PUBLIC_LABELS))
def test_a_request_from_the_public_page_to_the_letter(
    kind: str,
    browser: Any,
    live_server: Any,
    transactional_db: None,
    demo_customers: list[dict[str, Any]],
    make_staff: Callable[..., Any],
    smtp: Any,
    settings: Any,
) -> None:
    settings.PERSONDATA_PUBLIC_URL = base = live_server.url
    make_staff("dpo", ["controller"])
    index = list(PUBLIC_LABELS).index(kind)
    record = [r for r in demo_customers if r["orders"] and r["invoices"]][index % 6]
    other = next(r for r in demo_customers if r["customer_number"] != record["customer_number"])
    context = browser.new_context(locale="en-GB", accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        # 1. the customer, on the public page (English)
        page.goto(f"{base}/privacy/request/?lang=en")
        page.get_by_label(PUBLIC_LABELS[kind]).check()
        page.get_by_label("Your name").fill(record["name"])
        page.get_by_label("E-mail").fill(record["email"])
        page.get_by_label("Customer number").fill(record["customer_number"])
        if kind in MESSAGES:
            page.get_by_label("Your message").fill(MESSAGES[kind])
        page.locator("#language-en").check()
        page.get_by_role("button", name="Send the request").click()
        page.wait_for_url(f"{base}/privacy/request/thanks/")
        req = Request.objects.get(reference=page.locator("#reference").inner_text())
        # 2. identity: once the request is matched, after the answer, the link goes to the address on file
        [msg] = smtp.messages
        req.refresh_from_db()
        assert req.kind == kind and req.language == "en" and req.match == "single"
        assert str(msg["To"]).lower() == record["email"].lower()
        page.goto(smtp.link_in(msg))
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(f"{base}/privacy/confirm/")
        req.refresh_from_db()
        assert req.state == State.IN_PROGRESS and req.identity_method == "email_link"

        # 3. the data controller answers in the staff web app
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("dpo")
        page.get_by_label("Password").fill("a-long-test-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("link", name=req.reference).first.click()
        page.wait_for_url(f"{base}/requests/{req.id}/")
        assert page.get_by_text(record["email"]).first.is_visible()  # what the requester told us
        if kind == "rectification":
            page.get_by_label("E-mail").fill("changed.address@example.dk")
        elif kind == "erasure":
            page.get_by_label("I understand").check()
        elif kind == "restriction":
            page.get_by_label("Why is processing restricted?").select_option("accuracy_disputed")
        elif kind in ("objection", "other"):
            page.get_by_label("Your answer to the customer").fill("We have looked into it; see our policy.")
        page.get_by_role("button", name="Answer and produce the letter").click()
        page.wait_for_url(f"{base}/requests/{req.id}/")
        req.refresh_from_db()
        assert req.state == State.ANSWERED, page.locator("main").inner_text()[:500]

        # 4. the letter and files, downloaded as the controller does; the PDF is printed after the answer
        # commits (by the outbox, in the server's background), and the page shows it once it is stored
        pdf_link = page.get_by_role("link", name="Letter · PDF · English")
        for _ in range(150):
            if pdf_link.count():
                break
            page.wait_for_timeout(200)
            page.reload()
        docs = {(d.kind, d.fmt): d for d in req.documents.all()}
        pdf_doc = next(d for (k, f), d in docs.items() if f == "pdf" and k == "letter")
        assert pdf_link.get_attribute("href") == f"/requests/{req.id}/documents/{pdf_doc.id}/"
        response = page.request.get(f"{base}/requests/{req.id}/documents/{pdf_doc.id}/")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        letter = _pdf_text(response.body())
        assert req.reference in letter and record["name"] in letter
        if kind in ("information", "access"):
            assert "Datatilsynet" in letter  # the complaint route (Art. 15(1)(f))
        for secret in (other["email"], other["customer_number"], other["name"]):
            assert secret not in letter
        files = {
            f: page.request.get(f"{base}/requests/{req.id}/documents/{d.id}/").body()
            for (k, f), d in docs.items()
            if f in ("json", "csv")
        }
        for body in files.values():
            assert other["customer_number"].encode() not in body and other["email"].encode() not in body
        _check(kind, record, req, letter, files)
        assert problems == []
    finally:
        context.close()


def _check(kind: str, record: dict[str, Any], req: Request, letter: str, files: dict[str, bytes]) -> None:
    if kind == "information":
        assert "purpose" in letter.lower() and "complain" in letter.lower()
    elif kind == "access":
        data = json.loads(files["json"])
        text = json.dumps(data, ensure_ascii=False)
        assert record["customer_number"] in text and record["orders"][0]["order_number"] in text
        assert record["invoices"][0]["invoice_number"] in text
        assert "2026-11-25" in text  # the access log: the controller's reads while answering
        assert files["csv"].startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheets
        assert record["customer_number"] in letter
    elif kind == "portability":
        data = json.loads(files["json"])
        jsonschema.validate(data, exports.schema())
        assert record["customer_number"] in json.dumps(data)
    elif kind == "rectification":
        bidx = runtime.vault().blind_index("email", normalize_email("changed.address@example.dk"))
        assert Customer.objects.filter(pk=req.customer_id, email_bidx=bidx).exists()
        assert "changed.address@example.dk" in letter
    elif kind == "erasure":
        customer = Customer.objects.filter(pk=req.customer_id).first()
        assert customer is None or customer.contact_blob is None
        assert re.search(r"20(3\d|2\d)", letter)  # the day the kept accounting material is deleted
        assert Restriction.objects.filter(customer_id=req.customer_id, reason="erasure_request").exists() or (
            customer is None
        )
    elif kind == "restriction":
        assert Restriction.objects.filter(customer_id=req.customer_id, lifted_at__isnull=True).exists()
    else:
        assert "We have looked into it" in letter
