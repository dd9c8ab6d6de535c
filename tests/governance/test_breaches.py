"""The breach register (Art. 33–34, RULES R16): the clock, the rules between fields, the mail, the printout."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from pypdf import PdfReader

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.governance import breaches, notification
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Breach
from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from tests.conftest import NOW
from tests.governance.conftest import CPH, SATURDAY

pytestmark = pytest.mark.django_db


def test_the_deadline_runs_72_real_hours_across_the_change_of_clocks(
    make_breach: Callable[..., Breach],
) -> None:
    breach = make_breach()
    clock = breaches.clock(breach, SATURDAY + timedelta(hours=1))
    assert clock.deadline == datetime(2025, 10, 28, 13, 0, tzinfo=CPH)  # not 14:00: the clocks went back
    assert clock.deadline.utcoffset() == timedelta(hours=1)
    assert clock.state == "open" and clock.hours_left == pytest.approx(71)
    assert breaches.deadline_words(clock.deadline, "da") == "tirsdag den 28. oktober 2025 kl. 13.00"
    assert breaches.deadline_words(clock.deadline, "en") == "Tuesday 28 October 2025, 13:00"
    assert breaches.clock(breach, NOW).state == "overdue"
    assert breach.reference == "BR-2026-001"


def test_a_late_notification_needs_its_reasons(boss: Actor, make_breach: Callable[..., Breach]) -> None:
    breach = make_breach()
    late = datetime(2025, 10, 28, 13, 1, tzinfo=CPH)
    with pytest.raises(GovernanceError) as caught, transaction.atomic():
        breaches.update_breach(boss, breach.id, {"notified_at": late}, now=NOW)
    assert caught.value.field == "delay_reason"
    breach.refresh_from_db()
    assert breach.notified_at is None  # nothing changed
    with transaction.atomic():
        breaches.update_breach(
            boss, breach.id, {"notified_at": late, "delay_reason": "Omfanget var uklart."}, now=NOW
        )
    assert breaches.clock(Breach.objects.get(), NOW).state == "notified_late"
    on_time = make_breach(notified_at=datetime(2025, 10, 28, 13, 0, tzinfo=CPH))
    assert breaches.clock(on_time, NOW).state == "notified"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"nature": ""}, "nature"),
        ({"nature": "Kunde 010190-1234 ramt"}, "nature"),
        ({"customers_affected": -1}, "customers_affected"),
        ({"categories": ["health"]}, "categories"),
        ({"kinds": ["theft"]}, "kinds"),
        ({"discovered_at": NOW + timedelta(hours=1)}, "discovered_at"),
        ({"discovered_at": datetime(2025, 10, 25, 14, 0)}, "discovered_at"),  # noqa: DTZ001 — naive on purpose
        ({"occurred_at": SATURDAY + timedelta(days=1)}, "occurred_at"),
        ({"customers_told_at": SATURDAY + timedelta(days=1)}, "letter_da"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field(
    make_breach: Callable[..., Breach], values: dict[str, Any], field: str
) -> None:
    with pytest.raises(GovernanceError) as caught:
        make_breach(**values)
    assert caught.value.field == field and caught.value.message
    assert "010190-1234" not in str(caught.value)
    assert not Breach.objects.exists()


def test_only_a_role_with_the_duty_keeps_the_register(make_staff: Callable[..., Any]) -> None:
    clerk = Actor.staff(make_staff("clerk", ["customer_service"]), "cli")
    with pytest.raises(AccessDenied) as caught, transaction.atomic():
        breaches.record_breach(clerk, {"discovered_at": SATURDAY, "nature": "x"}, now=NOW)
    assert "manage_breaches" in caught.value.reason


def test_registering_mails_the_controller_the_deadline(
    controller_address: str, make_breach: Callable[..., Breach]
) -> None:
    breach = make_breach()
    row = Outbox.objects.get(kind="mail", subject="controller")
    payload = outbox.read(row.id).payload
    assert payload["to"] == controller_address and breach.reference in payload["subject"]
    assert "tirsdag den 28. oktober 2025 kl. 13.00" in payload["body"]
    assert "Tuesday 28 October 2025, 13:00" in payload["body"]


def test_changes_are_audited_by_field_names_only(boss: Actor, make_breach: Callable[..., Breach]) -> None:
    breach = make_breach(measures_taken="Leverandøren har slettet filen.")
    with transaction.atomic():
        breaches.update_breach(boss, breach.id, {"customers_affected": 40, "records_affected": 120}, now=NOW)
    entries = list(AuditEntry.objects.filter(target=str(breach.id)).order_by("seq"))
    assert [e.action for e in entries] == ["breach.create", "breach.update"]
    assert entries[1].details == {
        "reference": breach.reference,
        "fields": ["customers_affected", "records_affected"],
    }
    assert "Leverandøren" not in str(entries[0].details)


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("lang", "deadline", "headings"),
    [
        (
            "da",
            "tirsdag den 28. oktober 2025 kl. 13.00",
            ["(a) Bruddets karakter", "(b) Kontaktpunkt", "(c) De sandsynlige konsekvenser",
             "(d) Trufne eller foreslåede foranstaltninger"],
        ),
        (
            "en",
            "Tuesday 28 October 2025, 13:00",
            ["(a) The nature of the breach", "(b) Contact point", "(c) The likely consequences",
             "(d) Measures taken or proposed"],
        ),
    ],
)  # fmt: skip
def test_the_printed_notification_holds_every_art_33_3_element_in_order(
    make_breach: Callable[..., Breach], lang: str, deadline: str, headings: list[str]
) -> None:
    breach = make_breach(
        categories=["contact", "order_history"],
        customers_affected=1250,
        records_affected=3400,
        consequences="Risiko for phishing.",
        measures_taken="Filen er slettet hos modtageren.",
        measures_planned="Kontrol af udtræk før afsendelse.",
    )
    text = " ".join(_pdf_text(notification.render(breach, lang, "pdf", NOW)).split())
    assert deadline in text and breach.reference in text
    assert ("1.250" if lang == "da" else "1,250") in text and ("3.400" if lang == "da" else "3,400") in text
    assert "Risiko for phishing." in text and "Kontrol af udtræk før afsendelse." in text
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)


def test_the_letter_to_the_customers_is_printed_in_their_language(
    boss: Actor, make_breach: Callable[..., Breach]
) -> None:
    breach = make_breach(risk="high")
    assert breaches.needs_letter(breach)
    told = SATURDAY + timedelta(days=2)
    with transaction.atomic():
        breaches.update_breach(
            boss,
            breach.id,
            {
                "customers_told_at": told,
                "letter_da": "Kære kunde. Din e-mailadresse kan være set af en uvedkommende.",
                "letter_en": "Dear customer. Your e-mail address may have been seen by someone not entitled to it.",
            },
            now=NOW,
        )
    breach.refresh_from_db()
    assert not breaches.needs_letter(breach)
    da = " ".join(_pdf_text(notification.render(breach, "da", "pdf", NOW, "letter")).split())
    en = " ".join(_pdf_text(notification.render(breach, "en", "pdf", NOW, "letter")).split())
    assert "Kære kunde." in da and f"Vores reference: {breach.reference}" in da and "Dear customer" not in da
    assert "Dear customer." in en and f"Our reference: {breach.reference}" in en
    assert "klage-til-datatilsynet" in da
