"""Answers that change data — rectification, erasure, restriction and its lifting — and the letters around
answers: objection, other, extension (R6) and refusal (R8). The partners told (R11) are read back from the
partners' notices."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from persondata import runtime
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.core import sealing
from persondata.core.formats import format_date
from persondata.keys import store
from persondata.partners.models import PartnerNotice
from persondata.register.models import (
    Customer,
    Invoice,
    Order,
    Payment,
    Restriction,
    ServiceAgreement,
)
from persondata.register.rectify import RectifyError
from persondata.register.services import find_customers, show_customer
from persondata.requests import intake, services
from persondata.requests.answers import answering as answers
from persondata.requests.models import Document
from persondata.retention import holds
from persondata.retention.explain import explain_customer
from tests.conftest import NOW, TODAY
from tests.requests.answering import drawn, html_text, letter_texts, pdf_text, printed, raw, register, squash
from tests.retention.conftest import (  # noqa: F401 - fixtures
    agreement,
    customer,
    invoice,
    ledger_file,
    load,
    order,
    payment,
)
from tests.retention.test_sweep import items, plan_on

pytestmark = pytest.mark.django_db

Loader = Callable[..., dict[str, uuid.UUID]]


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, "rights_requests", "web")


@pytest.fixture
def clerk(make_staff: Callable[..., Any]) -> Actor:
    return Actor.for_user(make_staff("clerk", ["customer_service"]), "customer_service", "web")


@pytest.fixture
def bookkeeper(make_staff: Callable[..., Any]) -> Any:
    return make_staff("bookkeeper", ["accounting"])


def partner_names(*keys: str) -> list[str]:
    policy = runtime.policy()
    return [p.name for p in policy.partners if p.key in keys]


def notices(action: str) -> set[str]:
    return set(PartnerNotice.objects.filter(action=action).values_list("partner_key", flat=True))


def no_personal_data_in_the_trail(*values: str) -> None:
    trail = json.dumps(
        list(AuditEntry.objects.values_list("action", "target", "details")), ensure_ascii=False
    )
    for value in values:
        assert value not in trail, value


def shopper(number: str, invoiced: date) -> dict[str, Any]:
    """A customer whose last order, invoice and payment are from ``invoiced``."""
    return customer(
        number,
        orders=[order(f"O{number}", invoiced - timedelta(days=5), invoiced - timedelta(days=2))],
        invoices=[invoice(f"F{number}", invoiced)],
        payments=[payment(f"P{number}", f"F{number}", invoiced + timedelta(days=5))],
        agreements=[agreement(f"A{number}", date(2024, 1, 1), date(2024, 12, 31))],
    )


# -- rectification ---------------------------------------------------------------------------------------------
def test_rectification_moves_every_lookup_to_the_new_values_and_tells_the_partners(
    load: Loader,  # noqa: F811
    boss: Actor,
    clerk: Actor,
) -> None:
    ids = load([shopper("R1", date(2026, 6, 1)), shopper("R2", date(2026, 6, 1))])
    r1 = ids["R1"]
    request = register(boss, "rectification", {"customer_number": "R1"})
    changes = {
        "email": " ny.adresse@example.dk ",
        "name": "Nyt Navn",
        "street": "Nyvej 7",
        "phone": "+45 20 00 00 01",
    }
    with transaction.atomic():
        answer = answers.answer_rectification(boss, request, changes, now=NOW)
    assert answer.outcome["fields"] == ["name", "street", "email"]  # the phone was already right
    with transaction.atomic():
        assert [h.id for h in find_customers(clerk, "ny.adresse@example.dk", now=NOW)] == [r1]
        assert find_customers(clerk, "kunde.r1@example.dk", now=NOW) == []
        assert [h.id for h in find_customers(clerk, "Nyt Navn", now=NOW)] == [r1]
        assert [h.id for h in find_customers(clerk, "navn", now=NOW)] == [r1]  # a word of the new name
        assert [h.id for h in find_customers(clerk, "Testkunde", now=NOW)] == [ids["R2"]]  # not by the old
        assert [h.id for h in find_customers(clerk, "+45 20 00 00 01", now=NOW)] == [r1]
        assert intake.match_candidates({"email": "NY.ADRESSE@example.dk"}).ids == (r1,)
        view = show_customer(clerk, r1, now=NOW)
    assert view.contact is not None
    assert view.contact["name"] == "Nyt Navn" and view.contact["email"] == "ny.adresse@example.dk"
    assert view.contact["address"]["street"] == "Nyvej 7" and view.contact["address"]["postcode"] == "8000"
    with transaction.atomic():
        billing = show_customer(Actor.for_user(boss_user(boss), "bookkeeping", "web"), r1, now=NOW).invoices
    assert billing[0]["billing"]["name"] == "Faktura FR1"  # an issued invoice keeps its snapshot (R2)
    # the partners that received contact data are told, the accounting partner (no contact data) is not
    assert notices("rectification") == {"order_processing", "invoicing"}
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        for needle in (
            "Nyt Navn",
            "Nyvej 7",
            "ny.adresse@example.dk",
            *partner_names("order_processing", "invoicing"),
        ):
            assert squash(needle) in text, needle
        assert squash(*partner_names("accounting")) not in text
    [entry] = AuditEntry.objects.filter(action="customer.rectify")
    assert entry.details == {"fields": ["name", "street", "email"], "purpose": "rights_requests"}
    no_personal_data_in_the_trail("Nyt Navn", "ny.adresse", "Nyvej", "kunde.r1", "Testkunde R1")
    request.refresh_from_db()
    assert request.state == "answered" and request.outcome["partners_told"] == 2


def boss_user(actor: Actor) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=actor.user_id)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Anna 010190-1234"}, "name"),
        ({"street": "Vej 1, cpr 0101901234"}, "street"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"country": "Danmark"}, "country"),
        ({"name": ""}, "name"),
        ({"cpr": "010190-1234"}, "cpr"),
        ({"city": "x" * 81}, "city"),
    ],
)
def test_bad_corrections_are_refused_by_field_without_repeating_them(
    load: Loader,  # noqa: F811
    boss: Actor,
    changes: dict[str, str],
    field: str,
) -> None:
    cid = load([shopper("R3", date(2026, 6, 1))])["R3"]
    request = register(boss, "rectification", {"customer_number": "R3"})
    before = bytes(Customer.objects.get(pk=cid).contact_blob or b"")
    with transaction.atomic(), pytest.raises(RectifyError) as info:
        answers.answer_rectification(boss, request, changes, now=NOW)
    assert set(info.value.errors) == {field}
    assert "0101901234" not in str(info.value) and "010190" not in str(info.value)
    assert bytes(Customer.objects.get(pk=cid).contact_blob or b"") == before
    assert not AuditEntry.objects.filter(action="customer.rectify").exists()
    request.refresh_from_db()
    assert request.state == "in_progress"


def test_a_disputed_record_is_restricted_while_checked_and_the_letter_tells_before_lifting(
    load: Loader,  # noqa: F811
    boss: Actor,
    clerk: Actor,
) -> None:
    cid = load([shopper("R4", date(2026, 6, 1))])["R4"]
    request = register(boss, "rectification", {"customer_number": "R4"})
    with transaction.atomic():
        told = answers.restrict_pending_check(boss, request, now=NOW)
    assert {k for k, _ in told} == {"order_processing", "invoicing", "accounting"} == notices("restriction")
    assert Restriction.objects.get(customer_id=cid, lifted_at__isnull=True).reason == "accuracy_disputed"
    with transaction.atomic(), pytest.raises(AccessDenied):
        show_customer(clerk, cid, now=NOW)
    request.refresh_from_db()
    assert request.state == "in_progress"
    later = NOW + timedelta(days=3)
    with transaction.atomic():
        answer = answers.answer_rectification(boss, request, {"phone": "+45 30 30 30 30"}, now=later)
    assert answer.outcome["restriction_lifted"] is True
    assert not Restriction.objects.filter(customer_id=cid, lifted_at__isnull=True).exists()
    lift = AuditEntry.objects.get(action="customer.restriction.lift")
    assert lift.details == {"customer_told_on": "2026-11-28"}
    assert notices("restriction_lifted") == {"order_processing", "invoicing", "accounting"}
    html, pdf = letter_texts(boss, answer)
    for text in (html, pdf):
        assert squash("ophæver vi begrænsningen") in squash(text) and squash("artikel 18, stk. 3") in squash(
            text
        )
    with transaction.atomic():
        assert show_customer(clerk, cid, now=later).contact["phone"] == "+45 30 30 30 30"  # type: ignore[index]


def test_a_correction_found_unnecessary_is_an_answer_too(load: Loader, boss: Actor) -> None:  # noqa: F811
    load([shopper("R5", date(2026, 6, 1))])
    request = register(boss, "rectification", {"customer_number": "R5"})
    with transaction.atomic():
        answer = answers.answer_rectification(
            boss, request, {"name": "Testkunde R5"}, now=NOW, note="Navnet står som i din kontrakt."
        )
    assert answer.outcome == {
        "fields": [],
        "changed": 0,
        "partners_told": 0,
        "restriction_lifted": False,
        "documents": 2,
    }
    assert (
        not PartnerNotice.objects.exists()
        and not AuditEntry.objects.filter(action="customer.rectify").exists()
    )
    html, _pdf = letter_texts(boss, answer)
    assert "oplysningerne, vi har, er korrekte" in html.lower() and "Navnet står som i din kontrakt." in html


# -- erasure ---------------------------------------------------------------------------------------------------
def test_erasure_keeps_the_two_year_old_invoice_restricted_and_says_when_it_goes(
    load: Loader,  # noqa: F811
    boss: Actor,
    clerk: Actor,
    bookkeeper: Any,
) -> None:
    cid = load([shopper("E1", date(2024, 11, 20)), shopper("E9", date(2024, 11, 20))])["E1"]
    request = register(boss, "erasure", {"customer_number": "E1", "name": "Testkunde E1"})
    with transaction.atomic():
        answer = answers.answer_erasure(boss, request, now=NOW)
    # contact data, customer number, order history and agreements are gone; the invoice and payment stay
    assert items(cid) == {"customer", "FE1", "PE1", "key:fy2024"}
    assert not Order.objects.filter(customer_id=cid).exists()
    assert not ServiceAgreement.objects.filter(customer_id=cid).exists()
    assert (
        Invoice.objects.filter(customer_id=cid).count() == 1
        and Payment.objects.filter(customer_id=cid).count() == 1
    )
    assert {k for _c, k, _w in store.customer_keys([cid.hex])} == {"fy2024"}
    restriction = Restriction.objects.get(customer_id=cid, lifted_at__isnull=True)
    assert restriction.reason == "erasure_request"
    assert (restriction.purposes, restriction.categories) == (
        ["bookkeeping", "rights_requests"],
        ["customer_number", "payment"],
    )
    # restricted to bookkeeping (R4): invoicing may no longer read it, bookkeeping may
    with transaction.atomic(), pytest.raises(AccessDenied):
        show_customer(Actor.for_user(bookkeeper, "invoicing", "web"), cid, now=NOW)
    with transaction.atomic():
        kept = show_customer(Actor.for_user(bookkeeper, "bookkeeping", "web"), cid, now=NOW)
        assert find_customers(clerk, "kunde.e1@example.dk", now=NOW) == []
    assert [i["invoice_number"] for i in kept.invoices] == ["FE1"] and kept.contact is None
    # the letter says what is kept, per financial year, and the day it is deleted
    assert answer.outcome["kept"] == [{"year": "2024", "delete_on": "2030-01-01"}]
    assert answer.outcome["erased"]["contact"] == 1 and answer.outcome["erased"]["orders"] == 1
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        for needle in (
            "Svar på din anmodning om sletning",
            "slettede ordrer: 1; serviceaftaler: 1",
            "31. december 2029",
            "1. januar 2030",
            "artikel 17, stk. 3, litra b",
            # the key store's backups rotate out (policy [backups]): the erased data is unreadable in every
            # backup by this day (docs/backups.md)
            "kan ikke længere læses senest "
            + format_date(TODAY + timedelta(days=runtime.policy().backups.key_store_rotation_days), "da"),
            *partner_names("order_processing", "invoicing", "accounting"),
        ):
            assert squash(needle) in text, needle
        assert "FE9" not in text and "Testkunde E9" not in text
    # every partner was told, and the notices were built before the customer number was erased
    assert notices("erasure") == {"order_processing", "invoicing", "accounting"}
    accounting = PartnerNotice.objects.get(action="erasure", partner_key="accounting")
    payload = services.unseal_for(
        request, accounting.payload_blob, sealing.request_part("notice", accounting.id, request.id)
    )  # type: ignore[arg-type]
    assert payload["customer_number"] == "E1"
    # the retention plan deletes the invoice and the payment on that day, not before
    assert plan_on(date(2029, 12, 31)).counts["invoices"] == 0
    on_the_day = plan_on(date(2030, 1, 1))
    assert (on_the_day.counts["invoices"], on_the_day.counts["payments"]) == (2, 2)  # E1's and E9's
    explained = {e.what: e.decision.delete_on for e in explain_customer(cid, TODAY)}
    assert date(2030, 1, 1) in explained.values()
    no_personal_data_in_the_trail("Testkunde", "kunde.e1", "Prøvevej")
    request.refresh_from_db()
    assert request.state == "answered"
    # asked for access afterwards: what is kept, restricted, and no contact data
    access = register(boss, "access", {"name": "Testkunde E1"}, customer_id=cid)
    with transaction.atomic():
        copy = answers.answer_access(boss, access, now=NOW)
    record = json.loads(raw(boss, copy.document("access_json", "json")))
    assert record["processing_restricted"] is True and record["data"]["contact"] is None
    assert [i["invoice_number"] for i in record["data"]["invoices"]] == ["FE1"]
    assert record["data"]["orders"] == [] and record["data"]["customer_number"] is None


def test_erasure_of_a_customer_without_accounting_material_removes_them(load: Loader, boss: Actor) -> None:  # noqa: F811
    cid = load([customer("E2", orders=[order("OE2", date(2026, 5, 1))])])["E2"]
    request = register(boss, "erasure", {"customer_number": "E2"}, language="en")
    with transaction.atomic():
        answer = answers.answer_erasure(boss, request, now=NOW)
    assert items(cid) == set() and not Restriction.objects.exists()
    assert answer.outcome["customer_removed"] is True and answer.outcome["kept"] == []
    html, pdf = letter_texts(boss, answer)
    rotation = runtime.policy().backups.key_store_rotation_days
    for text in (html, pdf):
        assert squash("nothing about you remains") in squash(text)
        by = format_date(TODAY + timedelta(days=rotation), "en")
        assert squash(f"Copies in our backups become unreadable by {by} at the latest") in squash(text)


def test_a_legal_hold_keeps_everything_and_the_letter_says_until_when(
    load: Loader,  # noqa: F811
    boss: Actor,
    controller: Any,
) -> None:
    cid = load([shopper("E3", date(2024, 11, 20))])["E3"]
    with transaction.atomic():
        holds.create_hold(
            customer_id=cid,
            reason="Verserende retssag",
            ends_on=date(2027, 6, 30),
            created_by=controller.pk,
            now=NOW,
        )
    request = register(boss, "erasure", {"customer_number": "E3"})
    with transaction.atomic():
        answer = answers.answer_erasure(boss, request, now=NOW)
    assert "contact" in items(cid) and "OE3" in items(cid)
    restriction = Restriction.objects.get(customer_id=cid, lifted_at__isnull=True)
    assert set(restriction.categories) == set(runtime.policy().categories)
    assert notices("restriction") == {"order_processing", "invoicing", "accounting"} and not notices(
        "erasure"
    )
    assert answer.outcome["held"] is True
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        assert squash("30. juni 2027") in text and squash("artikel 17, stk. 3, litra e") in text


# -- restriction and lifting it ------------------------------------------------------------------------------------
def test_restriction_is_told_before_it_is_lifted(load: Loader, boss: Actor, clerk: Actor) -> None:  # noqa: F811
    cid = load([shopper("S1", date(2026, 6, 1))])["S1"]
    request = register(boss, "restriction", {"customer_number": "S1"})
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.answer_restriction(boss, request, reason="erasure_request", now=NOW)
    assert info.value.field == "reason"
    with transaction.atomic():
        answer = answers.answer_restriction(
            boss, request, reason="legal_claims", now=NOW, note="Til din sag."
        )
    assert Restriction.objects.get(customer_id=cid, lifted_at__isnull=True).reason == "legal_claims"
    with transaction.atomic(), pytest.raises(AccessDenied):
        show_customer(clerk, cid, now=NOW)
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        for needle in (
            "du har brug for oplysningerne til et retskrav",
            "Til din sag.",
            *partner_names("order_processing", "invoicing", "accounting"),
        ):
            assert squash(needle) in text, needle
    # not lifted without a notice first (Art. 18(3))
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.lift_after_notice(boss, request, now=NOW)
    assert info.value.field == "notice"
    with transaction.atomic():
        docs = answers.answer_lift_notice(
            boss, request, lift_on=TODAY + timedelta(days=7), reasons="Sagen er afsluttet.", now=NOW
        )
    assert docs == []  # the letter, HTML and PDF: drawn after the commit
    notice_pdf = printed(request, "lift_notice")
    notice_html = request.documents.get(kind="lift_notice", fmt="html")
    for text in (html_text(raw(boss, notice_html)), pdf_text(raw(boss, notice_pdf))):
        assert squash("2. december 2026") in squash(text) and squash("Sagen er afsluttet.") in squash(text)
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.lift_after_notice(boss, request, now=NOW)  # before the day the customer was given
    assert info.value.field == "lift_on"
    with transaction.atomic():
        assert answers.lift_after_notice(boss, request, now=NOW + timedelta(days=7)) == 1
    assert AuditEntry.objects.get(action="customer.restriction.lift").details == {
        "customer_told_on": "2026-11-25"
    }
    assert notices("restriction_lifted") == {"order_processing", "invoicing", "accounting"}
    with transaction.atomic():
        assert show_customer(clerk, cid, now=NOW + timedelta(days=7)).contact is not None


def test_the_erasure_restriction_is_never_lifted(load: Loader, boss: Actor) -> None:  # noqa: F811
    cid = load([shopper("S2", date(2025, 6, 1))])["S2"]
    request = register(boss, "erasure", {"customer_number": "S2"})
    with transaction.atomic():
        answers.answer_erasure(boss, request, now=NOW)
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.answer_lift_notice(boss, request, lift_on=TODAY, reasons="Fejl.", now=NOW)
    assert info.value.field == "restriction"
    # nor replaced by a restriction that could be lifted
    restriction = register(boss, "restriction", {"name": "Testkunde S2"}, customer_id=cid)
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.answer_restriction(boss, restriction, reason="objection", now=NOW)
    assert info.value.field == "restriction"
    assert Restriction.objects.get(customer_id=cid, lifted_at__isnull=True).reason == "erasure_request"


# -- objection, other, extension, refusal -------------------------------------------------------------------------
def test_objection_and_other_answers_carry_the_handlers_checked_text(load: Loader, boss: Actor) -> None:  # noqa: F811
    load([shopper("X1", date(2026, 6, 1))])
    objection = register(boss, "objection", {"customer_number": "X1"})
    with transaction.atomic(), pytest.raises(services.RequestError) as info:
        answers.answer_objection(boss, objection, text="Vi har noteret cpr 010190-1234.", now=NOW)
    assert info.value.field == "text" and "010190" not in str(info.value)
    with transaction.atomic():
        answer = answers.answer_objection(boss, objection, text="Vi behandler kun til aftalen.", now=NOW)
    html, pdf = letter_texts(boss, answer)
    for text in (squash(html), squash(pdf)):
        assert squash("Vi behandler kun til aftalen.") in text
        assert squash(runtime.policy().purposes["bookkeeping"].legal_basis.da) in text
    other = register(boss, "other", {"email": "x1@example.dk"}, verify=False)  # no identity needed
    with transaction.atomic():
        answer = answers.answer_other(boss, other, text="Tak for din henvendelse.", now=NOW)
    assert "Tak for din henvendelse." in letter_texts(boss, answer)[0]
    other.refresh_from_db()
    assert other.state == "answered"


def test_the_extension_letter_gives_reasons_and_the_new_due_date(load: Loader, boss: Actor) -> None:  # noqa: F811
    load([shopper("X2", date(2026, 6, 1))])
    request = register(boss, "access", {"customer_number": "X2"})
    with transaction.atomic(), pytest.raises(services.RequestError):
        answers.extension_notice(boss, request, now=NOW)
    with transaction.atomic():
        due = services.extend(boss, request, 2, "Vi skal finde gamle ordrer frem fra arkivet.", now=NOW)
        docs = answers.extension_notice(boss, request, now=NOW)
    assert due == date(2027, 2, 25)
    assert docs == []  # the letter, HTML and PDF: drawn after the commit
    for text in drawn(boss, request, "extension_letter"):
        for needle in (
            "to måneder",
            "25. februar 2027",
            "Vi skal finde gamle ordrer frem fra arkivet.",
            "artikel 12, stk. 3",
        ):
            assert squash(needle) in squash(text), needle
    request.refresh_from_db()
    assert request.state == "in_progress"  # the request goes on


def test_the_refusal_letter_gives_reasons_and_the_ways_to_complain(load: Loader, boss: Actor) -> None:  # noqa: F811
    load([shopper("X3", date(2026, 6, 1))])
    request = register(boss, "access", {"customer_number": "X3"}, language="en")
    with transaction.atomic(), pytest.raises(services.RequestError):
        answers.refusal_letter(boss, request, now=NOW)
    with transaction.atomic():
        services.refuse(
            boss, request, "excessive", "You have asked for the same copy four times this month.", now=NOW
        )
        docs = answers.refusal_letter(boss, request, now=NOW)
    assert docs == []
    for text in drawn(boss, request, "refusal_letter"):
        for needle in (
            "Your request is refused",
            "four times this month",
            "manifestly excessive",
            "Danish Data Protection Agency",
            "Carl Jacobsens Vej 35",
            "courts (Article 79)",
        ):
            assert squash(needle) in squash(text), needle
    assert Document.objects.filter(request=request, kind="refusal_letter").count() == 2
