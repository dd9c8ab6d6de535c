"""Answers that disclose: general information (Art. 13), access (Art. 15, C-579/21) and portability (Art. 20).

Real database, real import, real Typst: letters are read back from their sealed documents and the PDFs
through pypdf's text extraction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import jsonschema
import pytest
from django.db import transaction
from django.utils import translation

from persondata import runtime
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.access.models import AccessLog
from persondata.audit.models import AuditEntry
from persondata.documents.privacy_policy import RIGHTS
from persondata.register.services import show_customer
from persondata.requests import services
from persondata.requests.answers import answering as answers
from persondata.requests.answers import documents, exports
from persondata.requests.models import Document, RequestEvent
from tests.conftest import NOW
from tests.requests.answering import letter_texts, load_json, print_letters, raw, register, squash
from tests.retention.conftest import (  # noqa: F401 - fixtures
    agreement,
    customer,
    invoice,
    ledger_file,
    load,
    order,
    payment,
)

pytestmark = pytest.mark.django_db

IMPORTED = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
CONSULTED = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)  # 10.30 in Copenhagen


def records() -> list[dict[str, Any]]:
    a = customer(
        "A1",
        orders=[order("OA1", date(2026, 3, 2), date(2026, 3, 5)), order("OA2", date(2026, 9, 1))],
        invoices=[invoice("FA1", date(2026, 3, 5), "249.50")],
        payments=[
            {**payment("PA1", "FA1", date(2026, 3, 10), "249.50"), "method": "card", "reference": "**** 4242"}
        ],
        agreements=[agreement("AA1", date(2025, 1, 1))],
    )
    b = customer(
        "B2",
        orders=[order("OB1", date(2026, 4, 2), date(2026, 4, 3))],
        invoices=[invoice("FB1", date(2026, 4, 3))],
        payments=[payment("PB1", "FB1", date(2026, 4, 9))],
    )
    return [a, b]


# What customer B holds that must never appear in A's answer.
B_VALUES = ("Testkunde B2", "kunde.b2@example.dk", "+45 20 00 00 02", "OB1", "FB1", "PB1")


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, "rights_requests", "web")


@pytest.fixture
def clerk(make_staff: Callable[..., Any]) -> Actor:
    return Actor.for_user(make_staff("clerk", ["customer_service"]), "customer_service", "web")


@pytest.fixture
def two(load: Callable[..., dict[str, uuid.UUID]]) -> dict[str, uuid.UUID]:  # noqa: F811
    return load(records(), now=IMPORTED)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the æ, ø, å right"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_general_information_letter_holds_every_item(boss: Actor) -> None:
    request = register(boss, "information", {"email": "someone@example.dk"}, verify=False, language="en")
    with transaction.atomic():
        answer = answers.answer_information(boss, request, now=NOW)
    request.refresh_from_db()
    assert request.state == "answered" and request.outcome == {"letter": True, "documents": 2}
    html, pdf = letter_texts(boss, answer)
    policy = runtime.policy()
    for text in (html, squash(pdf)):
        for needle in (
            "How we process your personal data",
            *(p.label.en for p in policy.purposes.values()),
            *(p.legal_basis.en for p in policy.purposes.values()),
            *(c.label.en for c in policy.categories.values()),
            *(partner.name for partner in policy.partners),
            "Datatilsynet",
            "Carl Jacobsens Vej 35, 2500 Valby",
            "https://www.datatilsynet.dk/borger/klage-til-datatilsynet",
            "Right to erasure",
            "no profiling",
            "3 years after your last order",
            request.reference,
        ):
            assert squash(needle) in squash(text), needle


def test_the_access_answer_holds_every_article_15_item_and_nothing_of_anyone_else(
    two: dict[str, uuid.UUID], boss: Actor, clerk: Actor
) -> None:
    a = two["A1"]
    with transaction.atomic():  # customer service looked the customer up earlier (C-579/21: when and why)
        show_customer(clerk, a, now=CONSULTED)
    request = register(boss, "access", {"customer_number": "A1", "name": "Testkunde A1"})
    assert request.customer_id == a
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    request.refresh_from_db()
    assert request.state == "answered"
    assert request.outcome == {
        "orders": 2,
        "agreements": 1,
        "invoices": 1,
        "payments": 1,
        "contact": True,
        "access_events": 2,
        "restricted": False,
        "documents": 4,
    }
    # the answer stores the files; the letter, HTML and PDF, is drawn from one context after the commit
    assert sorted((d.kind, d.fmt) for d in answer.documents) == [
        ("access_csv", "csv"),
        ("access_json", "json"),
    ]
    assert print_letters() == 1
    assert sorted((d.kind, d.fmt) for d in request.documents.all()) == [
        ("access_csv", "csv"),
        ("access_json", "json"),
        ("letter", "html"),
        ("letter", "pdf"),
    ]

    # -- the JSON: the copy, by category, and every information item of Art. 15(1)
    j = load_json(boss, answer.document("access_json", "json"))
    data = j["data"]
    assert data["contact"] == {
        "customer_number": "A1",
        "name": "Testkunde A1",
        "address": {"street": "Prøvevej 2", "postcode": "8000", "city": "Aarhus C", "country": "DK"},
        "phone": "+45 20 00 00 01",
        "email": "kunde.a1@example.dk",
    }
    assert data["customer_number"] == "A1"
    orders = {o["order_number"]: o for o in data["orders"]}
    assert set(orders) == {"OA1", "OA2"}
    assert orders["OA1"]["delivered_on"] == "2026-03-05" and orders["OA2"]["delivered_on"] is None
    assert orders["OA1"]["delivery_address"]["street"] == "Prøvevej 1"
    assert orders["OA1"]["lines"] == [
        {
            "sku": "V1000",
            "description": "Servicebesøg",
            "quantity": 1,
            "unit_price": {"minor_units": 10000, "currency": "DKK"},
        }
    ]
    assert [a_["agreement_ref"] for a_ in data["agreements"]] == ["AA1"]
    [inv] = data["invoices"]
    assert inv["invoice_number"] == "FA1" and inv["total"] == {"minor_units": 24950, "currency": "DKK"}
    assert inv["billing"]["name"] == "Faktura FA1" and inv["billing"]["customer_number"] == "A1"
    [pay] = data["payments"]
    assert (pay["payment_ref"], pay["method"], pay["masked_reference"]) == ("PA1", "card", "**** 4242")
    policy = runtime.policy()
    assert [x["key"] for x in j["purposes"]] == list(policy.purposes)
    assert all(x["legal_basis"] for x in j["purposes"])
    assert [x["key"] for x in j["categories"]] == list(policy.categories)
    assert all(x["retention"] for x in j["categories"])
    assert {x["key"] for x in j["recipients"]} == {"order_processing", "invoicing", "accounting"}
    assert [x["key"] for x in j["rights"]] == list(RIGHTS)
    assert j["complaint"]["name"] == "Datatilsynet" and "Carl Jacobsens Vej 35" in j["complaint"]["address"]
    assert j["automated_decision_making"]["used"] is False
    assert j["automated_decision_making"]["profiling"] is False
    assert j["source"]["imports"] == [{"date": "2026-02-01", "system": "administrative system"}]
    history = [(h["at"], h["purpose"], h["roles"]) for h in j["access_history"]]
    assert history == [
        (CONSULTED.isoformat(), "customer_service", ["Kundeservice"]),
        (NOW.isoformat(), "rights_requests", ["Dataansvarlig"]),
    ]
    assert set(j["access_history"][0]["categories"]) == {"contact", "customer_number", "order_history"}

    # -- the letter, HTML and PDF
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        for needle in (
            "Svar på din anmodning om indsigt",
            "Testkunde A1",
            "kunde.a1@example.dk",
            "OA1",
            "OA2",
            "V1000",
            "AA1",
            "Faktura FA1",
            "249,50 kr.",  # was "249,50 DKK": the letter now writes kroner as the staff page does
            "PA1",
            "**** 4242",
            "1. oktober 2026 kl. 10.30",  # when, in Danish time
            "Kundeservice",  # the role, not the person
            "C-579/21",
            "1. februar 2026",  # the source: the import
            "administrative system",
            *(p.label.da for p in policy.purposes.values()),
            *(p.legal_basis.da for p in policy.purposes.values()),
            *(c.label.da for c in policy.categories.values()),
            *(partner.name for partner in policy.partners),
            "Ret til berigtigelse",
            "Ret til sletning",
            "Ret til begrænsning af behandling",
            "Ret til indsigelse",
            "Datatilsynet",
            "Carl Jacobsens Vej 35, 2500 Valby",
            "ingen profilering",
            request.reference,
        ):
            assert squash(needle) in text, needle
        assert "clerk" not in text  # staff identity is not disclosed

    # -- the CSV: one row per record, record_type first
    rows = csv_rows(raw(boss, answer.document("access_csv", "csv")))
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert Counter(r["record_type"] for r in rows) == {
        "customer": 1,
        "order": 2,
        "order_line": 2,
        "agreement": 1,
        "invoice": 1,
        "payment": 1,
    }
    assert next(r for r in rows if r["record_type"] == "invoice")["amount"] == "249,50"

    # -- nothing of customer B anywhere; no personal data in the audit trail or the request's steps
    everything = [
        html,
        pdf,
        json.dumps(j, ensure_ascii=False),
        raw(boss, answer.document("access_csv", "csv")).decode(),
    ]
    for text in everything:
        # the request's reference is random letters and digits: it may spell "PB1" by chance
        text = squash(text).replace(squash(request.reference), "")
        for value in B_VALUES:
            assert squash(value) not in text, value
    trail = json.dumps(
        [
            list(AuditEntry.objects.values_list("action", "target", "details")),
            list(RequestEvent.objects.values_list("details", flat=True)),
        ],
        ensure_ascii=False,
    )
    for value in ("Testkunde", "kunde.a1@example.dk", "+45 20 00 00 01", "Prøvevej"):
        assert value not in trail

    # -- the read was checked and logged for what it is
    assert AccessLog.objects.filter(customer_id=a, purpose="rights_requests", at=NOW).count() == 1


def test_an_access_answer_shows_no_other_customer_of_the_demo_company(
    demo_customers: list[dict[str, Any]], boss: Actor
) -> None:
    me, others = demo_customers[3], [c for i, c in enumerate(demo_customers) if i != 3]
    request = register(boss, "access", {"customer_number": me["customer_number"], "email": me["email"]})
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    html, pdf = letter_texts(boss, answer)
    files = [raw(boss, d).decode("utf-8") for d in answer.documents if d.fmt in ("json", "csv")]
    mine = squash(html)
    assert squash(me["name"]) in mine and me["customer_number"] in mine and me["email"] in mine
    for text in (squash(html), squash(pdf), *map(squash, files)):
        for other in others:
            values = [other["customer_number"], other["email"], other["phone"]]
            values += [o["order_number"] for o in other["orders"]]
            values += [i["invoice_number"] for i in other["invoices"]]
            values += [p["payment_ref"] for p in other["payments"]]
            if other["name"] != me["name"]:
                values.append(other["name"])
            for value in values:
                assert squash(value) not in text, "another customer's data in the answer"


def test_access_needs_verified_identity_and_a_handler(
    two: dict[str, uuid.UUID], boss: Actor, clerk: Actor
) -> None:
    request = register(boss, "access", {"customer_number": "A1"}, verify=False)
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.answer_access(boss, request, now=NOW)
    assert info.value.field == "identity"
    with transaction.atomic():
        services.verify_manually(boss, request, "in_person", now=NOW)
    with transaction.atomic(), pytest.raises(AccessDenied):
        answers.answer_access(clerk, request, now=NOW)
    assert not Document.objects.exists()
    assert not AccessLog.objects.filter(purpose="rights_requests").exists()
    request.refresh_from_db()
    assert request.state == "in_progress"


@pytest.mark.django_db(transaction=True)
def test_an_answer_outside_a_transaction_is_refused(boss: Actor) -> None:
    from persondata.audit.services import TransactionRequired

    request = register(boss, "information", {"name": "Test"}, verify=False)
    with pytest.raises(TransactionRequired):
        answers.answer_information(boss, request, now=NOW)
    request.refresh_from_db()
    assert request.state == "received" and not Document.objects.exists()


def test_documents_are_sealed_checksummed_and_named_without_personal_data(
    two: dict[str, uuid.UUID], boss: Actor, clerk: Actor
) -> None:
    request = register(boss, "access", {"customer_number": "A1"})
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    print_letters()
    for doc in request.documents.all():
        data, content_type, name = documents.read_document(boss, doc)
        assert hashlib.sha256(data).hexdigest() == doc.sha256 and len(data) == doc.size
        assert name == f"{request.reference}-{doc.kind.replace('_', '-')}.{doc.fmt}"
        assert content_type.startswith(
            {"html": "text/html", "pdf": "application/pdf", "json": "application/json", "csv": "text/csv"}[
                doc.fmt
            ]
        )
        assert b"Testkunde" not in bytes(doc.blob)  # sealed, not stored in clear
    with pytest.raises(AccessDenied):
        documents.read_document(clerk, answer.documents[0])
    # a blob moved to another document does not open
    first, second = answer.documents[0], answer.documents[1]
    Document.objects.filter(pk=second.pk).update(blob=first.blob)
    second.refresh_from_db()
    with pytest.raises(Exception, match="does not authenticate"):
        documents.read_document(boss, second)
    # a document removed after the retention period: said in the reader's language (issue 15)
    Document.objects.filter(pk=first.pk).update(blob=None)
    first.refresh_from_db()
    for lang, says in (
        ("da", "Dokumentet blev slettet efter opbevaringsperioden."),
        ("en", "The document was removed after the retention period."),
    ):
        with translation.override(lang), pytest.raises(services.RequestError) as info:
            documents.read_document(boss, first)
        assert (info.value.field, info.value.message) == ("document", says)


def test_portability_exports_validate_against_the_published_schema(
    two: dict[str, uuid.UUID], boss: Actor
) -> None:
    request = register(boss, "portability", {"customer_number": "A1"}, language="en")
    with transaction.atomic():
        answer = answers.answer_portability(boss, request, now=NOW)
    j = load_json(boss, answer.document("portability_json", "json"))
    schema = exports.schema()
    assert schema["$id"] == j["schema"] == exports.SCHEMA_ID and j["schema_version"] == "1.0"
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(j)
    assert j["customer"]["email"] == "kunde.a1@example.dk" and j["customer"]["customer_number"] == "A1"
    assert sorted(o["order_number"] for o in j["orders"]) == ["OA1", "OA2"]
    assert [a_["agreement_ref"] for a_ in j["agreements"]] == ["AA1"]
    # invoices and payments are not data the customer provided (kept under the bookkeeping act)
    assert "invoices" not in j and "payments" not in j and "FA1" not in json.dumps(j)
    # the schema is strict: what it does not declare does not validate
    for broken in (
        {**j, "invoices": []},
        {**j, "schema_version": "2.0"},
        {**j, "orders": [{**j["orders"][0], "ordered_on": "2. marts"}]},
    ):
        assert not validator.is_valid(broken)
    rows = csv_rows(raw(boss, answer.document("portability_csv", "csv")))
    assert Counter(r["record_type"] for r in rows) == {
        "customer": 1,
        "order": 2,
        "order_line": 2,
        "agreement": 1,
    }
    customer_row = rows[0]
    assert (customer_row["name"], customer_row["street"], customer_row["phone"]) == (
        "Testkunde A1",
        "Prøvevej 2",
        "+45 20 00 00 01",
    )
    html, pdf = letter_texts(boss, answer)
    for needle in ("data portability", exports.SCHEMA_ID, "Invoices and payments are not included", "(2)"):
        assert squash(needle) in squash(html) and squash(needle) in squash(pdf), needle
    request.refresh_from_db()
    assert request.state == "answered" and request.outcome["schema_version"] == "1.0"


def test_the_csv_cannot_smuggle_a_formula_into_a_spreadsheet() -> None:
    record = {
        "customer": {
            "customer_number": "K1",
            "name": '=HYPERLINK("http://x")',
            "address": {"street": "@SUM(A1)", "postcode": "8000", "city": "-Aarhus", "country": "DK"},
            "phone": "+45 20 12 34 56",
            "email": "a@example.dk",
        },
        "orders": [],
        "agreements": [],
    }
    [row] = csv_rows(exports.to_csv(record))
    assert row["name"].startswith("'=") and row["street"].startswith("'@") and row["city"] == "'-Aarhus"
    assert row["phone"] == "+45 20 12 34 56"  # a phone number stays as it is
