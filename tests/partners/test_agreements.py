"""Processor agreements (GDPR Art. 28, RULES R14): recording them (audited, sealed, validated), what an
incomplete one stops (webhooks held in the outbox with the reason), ``policy check``, and the printed policy."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone, translation

from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit.models import AuditEntry
from persondata.cli import main
from persondata.core.agreements import CLAUSES, SubProcessor
from persondata.documents.privacy_policy import render_policy
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.partners import agreements, disclosures, services
from persondata.partners.errors import PartnerError
from persondata.partners.models import DONE, PENDING, Disclosure, PartnerNotice, ProcessorAgreement
from persondata.requests.models import Request
from tests.conftest import NOW, TODAY
from tests.partners.conftest import Receiver, notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_agreements")]

PDF = b"%PDF-1.4\n% the signed agreement, Ordre Drift A/S\n%%EOF\n"


def data(**changes: Any) -> agreements.AgreementInput:
    values: dict[str, Any] = {
        "signed_on": date(2026, 1, 5),
        "version": "2.1",
        "next_review": date(2027, 1, 5),
        "country": "DK",
        "clauses": frozenset(CLAUSES),
        "sub_processors": (SubProcessor("Hosting A/S", "DK"),),
        "document": PDF,
    }
    values.update(changes)
    return agreements.AgreementInput(**values)


def save(boss: Actor, partner: str = "order_processing", **changes: Any) -> ProcessorAgreement:
    with transaction.atomic():
        return agreements.save_agreement(boss, partner, data(**changes), now=NOW)


def delete(boss: Actor, partner: str = "order_processing") -> bool:
    with transaction.atomic():
        return agreements.delete_agreement(boss, partner, now=NOW)


# -- every change of every new model is audited (as NetBox tests its change log) ----------------------------
#: the partners app's models before the agreements; for each new model: its create, update and delete — or, for
#: records never changed once written, create and delete only (IMMUTABLE)
OLDER = {"PartnerEndpoint", "PartnerNotice"}
IMMUTABLE = {"Disclosure", "DisclosedCustomer"}


def _disclose(boss: Actor) -> None:
    with transaction.atomic():
        disclosures.record_by_hand(
            boss,
            "accounting",
            categories=["payment"],
            purpose="bookkeeping",
            customer_ids=[uuid.uuid4(), uuid.uuid4()],
            occurred_at=NOW,
            now=NOW,
        )


def _undisclose(boss: Actor) -> None:
    with transaction.atomic():
        disclosures.delete(boss, Disclosure.objects.get().id, now=NOW)


CHANGES: dict[str, tuple[tuple[str, Callable[[Actor], Any]], ...]] = {
    "ProcessorAgreement": (
        ("create", lambda boss: save(boss)),
        ("update", lambda boss: save(boss, clauses=frozenset("abc"), document=None)),
        ("delete", lambda boss: delete(boss)),
    ),
    "Disclosure": (("create", _disclose), ("delete", _undisclose)),
    "DisclosedCustomer": (
        ("create", _disclose),
        ("delete", _undisclose),
    ),  # written and removed with its record
}


def test_every_create_update_and_delete_of_every_new_model_is_audited(boss: Actor) -> None:
    new = {m.__name__ for m in apps.get_app_config("partners").get_models()} - OLDER
    assert new == set(CHANGES), "a new model of the partners app needs its changes in CHANGES"
    for name, steps in CHANGES.items():
        model = apps.get_model("partners", name)
        expected = ("create", "delete") if name in IMMUTABLE else ("create", "update", "delete")
        assert tuple(kind for kind, _ in steps) == expected, name
        for kind, step in steps:
            before = AuditEntry.objects.count()
            rows_before = model.objects.count()
            step(boss)
            [entry] = AuditEntry.objects.order_by("-seq")[: AuditEntry.objects.count() - before]
            assert entry.action.endswith(kind), (name, entry.action)
            assert entry.actor == boss.code and entry.target
            rows = model.objects.count()
            assert (
                rows > rows_before if kind == "create" else rows < rows_before if kind == "delete" else True
            )
            if kind == "update":
                assert rows == rows_before


# -- recording ------------------------------------------------------------------------------------------------
def test_the_signed_pdf_is_stored_sealed_and_read_back(boss: Actor) -> None:
    agreement = save(boss)
    row = ProcessorAgreement.objects.filter(pk=agreement.pk).values().get()
    assert b"Ordre Drift" not in bytes(row["document_blob"]) and b"%PDF" not in bytes(row["document_blob"])
    assert agreements.read_document(boss, "order_processing") == PDF
    # replaced without a new document: the attached one is kept
    save(boss, version="2.2", document=None)
    assert agreements.read_document(boss, "order_processing") == PDF


def test_what_is_not_there_is_said_in_the_readers_language(boss: Actor) -> None:
    """No agreement, no document, no such disclosure or notice: a sentence in Danish or English (issue 15), which
    the pages and the command pass on as it is."""

    def refused(step: Callable[[], object]) -> str:
        with pytest.raises(NotFound) as info:
            step()
        return str(info.value)

    said = {}
    for lang in ("da", "en"):
        with translation.override(lang):
            said[lang] = [
                refused(lambda: agreements.read_document(boss, "order_processing")),
                refused(lambda: disclosures.delete(boss, uuid.uuid4(), now=NOW)),
                refused(lambda: services.tick(boss, uuid.uuid4(), now=NOW)),
            ]
            save(boss, document=None)  # an agreement recorded without its signed PDF
            said[lang].append(refused(lambda: agreements.read_document(boss, "order_processing")))
            delete(boss)
    assert said["da"] == [
        "Der er ikke registreret en aftale med denne samarbejdspartner.",
        "Videregivelsen findes ikke.",
        "Underretningen findes ikke.",
        "Der er ikke vedhæftet et dokument til denne aftale.",
    ]
    assert said["en"] == [
        "No agreement is recorded for this partner.",
        "No such disclosure.",
        "No such notice.",
        "No document is attached to this agreement.",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"version": " "}, "version"),
        ({"next_review": date(2026, 1, 5)}, "next_review"),
        ({"country": "Denmark"}, "country"),
        ({"clauses": frozenset("az")}, "clauses"),
        ({"safeguard": "trust_us"}, "safeguard"),
        ({"safeguard_date": date(2026, 1, 1)}, "safeguard_date"),
        ({"sub_processors": (SubProcessor("Hosting", "Danmark"),)}, "sub_processors"),
        ({"sub_processors": (SubProcessor("Kontakt 010190-1234", "DK"),)}, "sub_processors"),
        ({"document": b"<html>not a pdf</html>"}, "document"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    boss: Actor, changes: dict[str, Any], field: str
) -> None:
    save(boss)
    before = ProcessorAgreement.objects.values().get()
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PartnerError) as caught:
        save(boss, version="9", **changes) if "version" not in changes else save(boss, **changes)
    assert caught.value.field == field
    assert ProcessorAgreement.objects.values().get() == before and AuditEntry.objects.count() == audit_before


def test_an_unknown_partner_is_refused(boss: Actor) -> None:
    with pytest.raises(PartnerError) as caught:
        save(boss, partner="nobody")
    assert caught.value.field == "partner" and "order_processing" in caught.value.message


def test_sub_processor_lines_are_parsed_or_refused_with_the_line() -> None:
    assert agreements.parse_sub_processors("Hosting A/S; dk\n\nMail Inc.; US") == (
        SubProcessor("Hosting A/S", "DK"),
        SubProcessor("Mail Inc.", "US"),
    )
    with translation.override("en"), pytest.raises(PartnerError, match="line 2"):
        agreements.parse_sub_processors("Hosting A/S; DK\nno country here")


# -- what a record proves -----------------------------------------------------------------------------------
def _codes(partner: str, today: date = TODAY) -> str | None:
    return agreements.hold_reason(partner, today)


def test_what_makes_an_agreement_incomplete(boss: Actor) -> None:
    assert _codes("order_processing") == "agreement:missing"
    save(boss)
    assert _codes("order_processing") is None
    save(boss, clauses=frozenset("abdefgh"))
    assert _codes("order_processing") == "agreement:clauses"
    save(boss)
    assert _codes("order_processing", date(2027, 1, 6)) == "agreement:review"  # the review is overdue
    save(boss, country="US")
    assert _codes("order_processing") == "agreement:safeguard"
    save(boss, country="US", safeguard="scc")
    assert _codes("order_processing") == "agreement:safeguard"  # the SCCs need their date
    save(boss, country="US", safeguard="scc", safeguard_date=date(2026, 1, 5))
    assert _codes("order_processing") is None
    save(boss, country="IN", safeguard="adequacy")  # no adequacy decision for India
    assert _codes("order_processing") == "agreement:safeguard"
    save(boss, sub_processors=(SubProcessor("Cloud Inc.", "US"),))  # a sub-processor abroad is a transfer too
    assert _codes("order_processing") == "agreement:safeguard"


def check(lang: str = "en") -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(["policy", "check", "--lang", lang])
    return code, out.getvalue()


def test_policy_check_fails_for_each_partner_without_a_complete_agreement(boss: Actor) -> None:
    code, out = check()
    assert code == 1
    for key in ("order_processing", "invoicing", "accounting"):
        assert f"ERROR   partner-agreement [partners.{key}]" in out
    for key in ("order_processing", "invoicing", "accounting"):
        save(boss, partner=key)
    save(boss, partner="invoicing", clauses=frozenset("abcdefg"))  # (h) audits missing
    code, out = check()
    assert code == 1 and "[partners.invoicing]" in out and "lacks Art. 28(3)(h)" in out
    assert "[partners.order_processing]" not in out and "[partners.accounting]" not in out
    code, out = check("da")
    assert "mangler art. 28, stk. 3, litra h" in out


def test_a_third_country_partner_without_a_safeguard_fails_and_the_policy_states_it_once_recorded(
    boss: Actor,
) -> None:
    for key in ("invoicing", "accounting"):
        save(boss, partner=key)
    save(boss, country="US")
    code, out = check()
    assert code == 1 and "outside the EU/EEA (US) without a transfer basis" in out
    text = render_policy(_policy(), "en", "md").decode()
    assert "<<the basis of the transfer to US" in text  # a placeholder, not a claim
    save(boss, country="US", safeguard="scc", safeguard_date=date(2026, 2, 3))
    code, out = check()
    assert "partner-agreement [" not in out
    # the policy file still says DK: it would print a place the record does not support
    assert "ERROR   partner-agreement-country [partners.order_processing.country]" in out
    for lang, phrase in (
        ("en", "processes the data in the United States, outside the EU/EEA. The transfer is based on the "
         "European Commission's standard contractual clauses (GDPR Article 46(2)(c)), agreed on 3 February 2026"),
        ("da", "behandler oplysningerne i USA, uden for EU/EØS. Overførslen sker på grundlag af Europa-"
         "Kommissionens standardkontraktbestemmelser (databeskyttelsesforordningen artikel 46, stk. 2, "
         "litra c), aftalt 3. februar 2026"),
    ):  # fmt: skip
        assert phrase in render_policy(_policy(), lang, "md").decode().replace("\n", " ")


def _policy() -> Any:
    from persondata import runtime

    return runtime.policy()


def test_the_printed_policy_claims_an_agreement_only_for_the_partners_that_have_one(boss: Actor) -> None:
    claim = "We have a data processing agreement with"
    assert claim not in render_policy(_policy(), "en", "md").decode()
    save(boss, partner="accounting")
    save(boss, partner="invoicing", clauses=frozenset("abc"))
    text = render_policy(_policy(), "en", "md").decode()
    [sentence] = [line for line in text.splitlines() if claim in line]
    assert "accounting system" in sentence and "invoicing" not in sentence and "order" not in sentence
    assert "each of them" not in text
    save(boss, partner="invoicing")
    save(boss, partner="order_processing")
    text = render_policy(_policy(), "en", "md").decode()
    assert "We have a data processing agreement with each of them." in text
    assert "Signed 5 January 2026 (version 2.1)" in text


# -- no data to a partner without one: its webhook is held, and goes once the agreement is complete ----------
def test_a_webhook_is_held_with_the_reason_and_goes_once_the_agreement_is_complete(
    boss: Actor, make_request: Callable[..., Request], receiver: Receiver, endpoint: Callable[..., str]
) -> None:
    endpoint("order_processing", receiver.url)
    save(boss, clauses=frozenset("abcdefg"))
    notify(make_request(), "rectification", changes={"email": "ny@example.com"})
    notice = PartnerNotice.objects.get(partner_key="order_processing")
    later = timezone.now() + timedelta(seconds=1)
    assert outbox.deliver_due(later)["held"] >= 1
    message = Outbox.objects.get(kind="webhook", state=outbox.HELD)
    assert message.last_error == "agreement:clauses"
    assert receiver.received == []
    # the job's path holds it too
    assert agreements.cleared_partners(["order_processing"], TODAY) == set()
    notice.refresh_from_db()
    assert notice.state == PENDING and notice.attempts == 0
    save(boss)  # complete now
    assert outbox.deliver_due(later)["delivered"] >= 1
    notice.refresh_from_db()
    assert notice.state == DONE and len(receiver.received) == 1
    assert not Outbox.objects.filter(kind="webhook").exists()
