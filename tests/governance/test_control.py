"""The half-yearly control (R17): evidence collected from the data, manual answers, sign-off, report, follow-ups.

The period seeded: 3 requests past their deadline, 2 failed deletion runs, a staff member without the current
declarations — and the evidence shows exactly those, the signed report's PDF holds them."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader

from persondata.access import gate
from persondata.access import staff as staff_services
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.backups.models import BackupRecord, Drill
from persondata.core.calendar import COPENHAGEN
from persondata.core.formats import format_date
from persondata.governance import control as controls
from persondata.governance import control_report
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Control, FollowUp
from persondata.requests import intake as requests
from persondata.retention.models import RetentionRun
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _request(received: date) -> str:
    with transaction.atomic():
        at = datetime.combine(received, datetime.min.time(), tzinfo=COPENHAGEN) + timedelta(hours=10)
        req = requests.submit(
            "access", {"email": f"kunde-{received.isoformat()}@example.com"}, channel="public", now=at
        )
    return req.reference


def _run(today: date, status: str, deleted: int = 0) -> None:
    at = datetime.combine(today, datetime.min.time(), tzinfo=COPENHAGEN) + timedelta(hours=2)
    RetentionRun.objects.create(
        kind="sweep", today=today, started_at=at, finished_at=at, status=status, actor="system",
        counts={"deleted": {"contact": deleted}} if deleted else {},
    )  # fmt: skip


@pytest.fixture
def seeded(controller: Any, make_staff: Callable[..., Any]) -> dict[str, Any]:
    with transaction.atomic():
        staff_services.ensure_default_texts(NOW)
        for text in gate.missing_acknowledgements(controller):
            staff_services.acknowledge(controller, text, NOW)
    make_staff("nyansat", ["customer_service"])  # has not accepted the declarations
    late = sorted(_request(date(2026, m, 3)) for m in (6, 8, 9))  # due in July, September, October; open
    _request(date(2026, 11, 20))  # due in December: not late
    _run(date(2026, 7, 6), "failed")
    _run(date(2026, 9, 7), "interrupted")
    _run(date(2026, 10, 5), "done", deleted=17)
    _run(date(2025, 1, 6), "failed")  # before the period
    with transaction.atomic():  # a backup last night and a drill last month: both in order (tests/backups)
        last_night = timezone.now() - timedelta(hours=8)  # the API's control runs on the real clock
        BackupRecord.objects.create(
            created_at=last_night,
            file_name="b.pdbak",
            size=1,
            seconds=1,
            customers=0,
            actor="system",
        )
        Drill.objects.create(at=last_night - timedelta(days=30), ok=True, seconds=1, actor="system")
    return {"late": late}


def _by_key(control: Control) -> dict[str, dict[str, Any]]:
    return {item["key"]: item for item in control.evidence}


def _answer_all(actor: Actor, control: Control, no: str = "antivirus") -> None:
    for key in controls.measures():
        with transaction.atomic():
            controls.answer(
                actor, control.id, key, key != no, "Mangler på to pc'er" if key == no else "", now=NOW
            )


def test_the_evidence_shows_exactly_what_the_data_holds(seeded: dict[str, Any], boss: Actor) -> None:
    with transaction.atomic():
        control = controls.start_control(boss, now=NOW)
    assert (control.period_start, control.period_end) == (date(2026, 5, 25), date(2026, 11, 25))
    items = _by_key(control)
    assert (
        sorted(items["requests_late"]["refs"]) == seeded["late"]
        and items["requests_late"]["status"] == "finding"
    )
    assert items["requests_received"]["count"] == 4
    assert items["deletion_failures"]["refs"] == [
        {"msg": "deletion_failure", "kind": "sweep", "day": "2026-07-06", "status": "failed"},
        {"msg": "deletion_failure", "kind": "sweep", "day": "2026-09-07", "status": "interrupted"},
    ]
    assert items["deletion_runs"]["count"] == 3 and items["deletion_runs"]["deleted"] == 17
    assert items["staff_declarations"]["refs"] == ["nyansat"]
    assert items["audit_chain"]["status"] == "ok" and items["audit_chain"]["count"] > 0
    assert items["api_tokens"]["status"] == "ok"  # the API's own source, registered by its AppConfig
    assert items["agreements"]["status"] == "ok" and items["risk_assessments"]["status"] == "ok"
    assert items["backups"]["status"] == "ok" and items["backups"]["refs"][0]["file"] == "b.pdbak"
    assert items["restore_drills"]["status"] == "ok"  # none in 6 months: tests/backups/test_backups.py
    assert {k for k, i in items.items() if i["status"] == "finding"} == {
        "requests_late", "deletion_failures", "staff_declarations"
    }  # fmt: skip


def test_sign_off_schedules_the_next_control_and_turns_findings_into_tasks(
    seeded: dict[str, Any], boss: Actor
) -> None:
    with transaction.atomic():
        control = controls.start_control(boss, now=NOW)
    with pytest.raises(GovernanceError) as caught, transaction.atomic():
        controls.sign_off(boss, control.id, "Jens Hansen", now=NOW)
    assert caught.value.field == "answers"
    with pytest.raises(GovernanceError) as caught, transaction.atomic():
        controls.answer(boss, control.id, "antivirus", False, "", now=NOW)
    assert caught.value.field == "note"
    _answer_all(boss, control)
    with transaction.atomic():
        control = controls.sign_off(boss, control.id, "Jens Hansen", now=NOW)
    assert control.next_due == date(2027, 5, 25)
    tasks = FollowUp.objects.order_by("item")
    assert sorted(t.item for t in tasks) == [
        "antivirus",
        "deletion_failures",
        "requests_late",
        "staff_declarations",
    ]
    assert {t.due_on for t in tasks} == {date(2026, 12, 25)}
    schedule = controls.schedule(date(2027, 5, 25))
    assert schedule.due_on == date(2027, 5, 25) and not schedule.overdue
    assert controls.schedule(date(2027, 5, 26)).overdue
    with pytest.raises(GovernanceError), transaction.atomic():
        controls.answer(boss, control.id, "antivirus", True, "", now=NOW)  # signed: frozen
    failed = {
        "da": (
            "Daglig sletning den 6. juli 2026: mislykket",
            "Daglig sletning den 7. september 2026: afbrudt",
        ),
        "en": ("Daily deletion on 6 July 2026: failed", "Daily deletion on 7 September 2026: interrupted"),
    }
    for lang, words in (("da", "Underskrevet af Jens Hansen"), ("en", "Signed off by Jens Hansen")):
        pdf = control_report.render(control, lang, "pdf", NOW)
        text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
        for ref in seeded["late"]:
            assert ref in text
        assert all(run in text for run in failed[lang]), text
        assert "nyansat" in text and words in text and "Mangler på to pc'er" in text


def test_only_the_duty_runs_the_control(make_staff: Callable[..., Any]) -> None:
    clerk = Actor.staff(make_staff("clerk", ["accounting"]), "web")
    with pytest.raises(AccessDenied) as caught, transaction.atomic():
        controls.start_control(clerk, now=NOW)
    assert "run_control" in caught.value.reason


def test_the_dashboard_shows_an_overdue_control_in_red(client: Client, controller: Any, boss: Actor) -> None:
    client.force_login(controller)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="status status--error" role="alert" id="control-due"' in page
    assert "The half-yearly control has never been carried out." in page
    Control.objects.create(
        period_start=date(2026, 1, 1), period_end=date(2026, 3, 1), due_on=date(2026, 3, 1),
        collected_at=NOW, created_at=NOW, signed_at=NOW, next_due=date(2026, 9, 1), signer_name="J",
    )  # fmt: skip
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Den halvårlige kontrol er overskredet: den skulle være foretaget 1. september 2026." in page
    Control.objects.update(next_due=date(2027, 3, 1))
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        'class="status status--ok" id="control-due">The next half-yearly control is due on 1 March 2027.'
        in page
    )


def test_the_pages_run_a_control_to_its_signed_report(
    seeded: dict[str, Any], client: Client, controller: Any
) -> None:
    client.force_login(controller)
    assert client.post("/governance/controls/start/").status_code == 302
    control = Control.objects.get()
    page = client.get(f"/governance/controls/{control.id}/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert (
        all(ref in page for ref in seeded["late"]) and "nyansat" in page and "ikke tilgængelig endnu" in page
    )
    again = client.post("/governance/controls/start/")
    assert again["Location"].endswith("?error=open")
    bad = client.post(
        f"/governance/controls/{control.id}/answer/", {"item": "antivirus", "ok": "no", "note": ""}
    )
    assert bad.status_code == 400 and b"note" in bad.content
    for key in controls.measures():
        response = client.post(
            f"/governance/controls/{control.id}/answer/", {"item": key, "ok": "yes", "note": ""}
        )
        assert response.status_code == 302
    assert (
        client.post(f"/governance/controls/{control.id}/sign/", {"signer_name": "Jens Hansen"}).status_code
        == 302
    )
    pdf = client.get(f"/governance/controls/{control.id}/report.en.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    listing = client.get("/governance/controls/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    next_due = Control.objects.get().next_due
    assert (
        "Staff without the current declarations" in listing
        and next_due
        and format_date(next_due, "en") in listing
    )
    task = FollowUp.objects.get(item="staff_declarations")
    assert client.post(f"/governance/follow-ups/{task.id}/done/").status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None


@pytest.mark.parametrize("role", ["controller", "customer_service", "accounting", "it_admin"])
def test_only_the_duty_opens_the_control_pages_and_api(make_staff: Callable[..., Any], role: str) -> None:
    from persondata.api.tokens import create_token

    user = make_staff(f"u-{role}", [role])
    client = Client()
    client.force_login(user)
    allowed = role == "controller"
    assert client.get("/governance/controls/").status_code == (200 if allowed else 403)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 't', NOW)}"}
    assert client.get("/api/controls", **headers).status_code == (200 if allowed else 403)


def test_the_api_and_the_cli_run_the_same_control(
    seeded: dict[str, Any], controller: Any, tmp_path: Any
) -> None:
    import contextlib

    from persondata.api.tokens import create_token
    from persondata.cli import main

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    started = client.post("/api/controls", **headers)
    assert started.status_code == 201
    body = started.json()
    again = client.post("/api/controls", **headers)  # one is open: the documented 409, not a 422
    assert again.status_code == 409 and again.json()["code"] == "conflict", again.content
    assert "409" in client.get("/api/openapi.json").json()["paths"]["/api/controls"]["post"]["responses"]
    assert set(body["findings"]) == {"requests_late", "deletion_failures", "staff_declarations"}
    bad = client.post(
        f"/api/controls/{body['id']}/answers", {"item": "fire_alarm", "answer": "yes"}, content_type="application/json",
        **headers,
    )  # fmt: skip
    assert bad.status_code == 422 and "item" in bad.content.decode()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for key in controls.measures():
            assert main(["control", "answer", body["id"], key, "yes", "--user", "controller"]) == 0
        assert main(["control", "sign", body["id"], "--name", "Jens Hansen", "--user", "controller"]) == 0
        assert main(["control", "report", body["id"], "--lang", "en", "-o", str(tmp_path / "r.pdf"), "--user",
                     "controller"]) == 0  # fmt: skip
    next_due = Control.objects.get().next_due
    assert next_due is not None and f"next control due {next_due.isoformat()}; 3 follow-ups" in out.getvalue()
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(tmp_path / "r.pdf").pages).split())
    assert all(ref in text for ref in seeded["late"]) and "nyansat" in text
    signed = client.get(f"/api/controls/{body['id']}", **headers).json()
    assert signed["signer_name"] == "Jens Hansen" and signed["next_due"] == next_due.isoformat()


def test_agreements_and_risk_assessments_due_are_findings(seeded: dict[str, Any], boss: Actor) -> None:
    """Governance I's records: a partner without an agreement, a system's event never assessed or due again."""
    from datetime import timedelta

    from persondata.partners.models import ProcessorAgreement
    from persondata.systems.models import RiskAssessment, System

    ProcessorAgreement.objects.filter(partner_key="accounting").delete()
    system = System.objects.create(
        key="erp", name="ERP", kind="admin", location="DK", owner="Bogholderiet", categories=["contact"],
        measures={}, changed_at=NOW - timedelta(days=800), created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    levels = {"severity": 2, "likelihood": 2, "residual_severity": 1, "residual_likelihood": 1}
    RiskAssessment.objects.create(
        system=system, event="access", assessed_at=NOW - timedelta(days=30), **levels
    )
    RiskAssessment.objects.create(
        system=system, event="change", assessed_at=NOW - timedelta(days=400), **levels
    )
    with transaction.atomic():
        items = _by_key(controls.start_control(boss, now=NOW))
    assert items["agreements"]["status"] == "finding"
    assert items["agreements"]["refs"] == [
        {"msg": "agreement", "partner": "accounting", "problems": ["missing"]}
    ]
    assert items["risk_assessments"]["status"] == "finding"
    refs = items["risk_assessments"]["refs"]
    erp = {"system": "erp", "name": "ERP"}
    assert refs[0] == {"msg": "risk_due", **erp, "event": "change", "day": "2026-10-21"}
    assert refs[1] == {"msg": "risk_never", **erp, "event": "disappearance"}
    assert len(refs) == 2  # the access event, assessed a month ago, is not due


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_evidence_reads_in_words_on_the_page_and_in_the_report(
    client: Client, controller: Any, boss: Actor, make_breach: Callable[..., Any], lang: str
) -> None:
    """Issue 15: a missing agreement, a system never assessed, a breach past its 72 hours, a failed deletion and no
    restore drill, each in the page's language — no partner, system, event or state key, no ISO date, no
    English on the Danish page (the crawl's reader, tests/web/crawl.py)."""
    from persondata.documents import labels
    from persondata.partners.models import ProcessorAgreement
    from persondata.systems.models import System
    from tests.web import crawl

    ProcessorAgreement.objects.filter(partner_key="accounting").delete()
    System.objects.create(
        key="erp", name="Økonomisystemet", kind="admin", location="DK", owner="Bogholderiet",
        categories=["contact"], measures={}, changed_at=NOW, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    breach = make_breach(discovered_at=NOW - timedelta(days=5))
    _run(date(2026, 7, 6), "failed")
    with transaction.atomic():
        control = controls.start_control(boss, now=NOW)
    client.force_login(controller)
    page = client.get(f"/governance/controls/{control.id}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    report = control_report.render(control, lang, "html", NOW).decode()
    with translation.override(lang):
        accounting = labels.partner("accounting")
    expected = {
        "da": [
            f"{accounting}: ingen databehandleraftale registreret",
            "Økonomisystemet: Tab af oplysningerne, aldrig vurderet",
            f"{breach.reference}: Ikke anmeldt, de 72 timer er overskredet",
            "Daglig sletning den 6. juli 2026: mislykket",
            "ingen genetableringsprøve de seneste 6 måneder",
            "ingen sikkerhedskopi registreret",
        ],
        "en": [
            f"{accounting}: no processor agreement recorded",
            "Økonomisystemet: Disappearance of the data, never assessed",
            f"{breach.reference}: Not notified, past the 72 hours",
            "Daily deletion on 6 July 2026: failed",
            "no restore drill in the last 6 months",
            "no backup on record",
        ],
    }[lang]
    keys = crawl.raw_keys() - {controller.get_username()} | {
        "erp"
    }  # the fixture's login is named as its role
    for html in (page, report):
        refs = [" ".join(t.split()) for t in re.findall(r'<span class="ref">(.*?)</span>', html, re.S)]
        assert all(words in refs for words in expected), refs
        assert not [r for r in refs if re.search(r"\b(?:erp|accounting:|missing|overdue)|\(", r)], refs
        found = crawl.problems(html, lang, keys, crawl.english_msgids())
        assert found == [], "\n".join(found)


def test_a_control_stored_with_plain_references_still_shows_them(client: Client, controller: Any) -> None:
    """A control stored before references were structured keeps its plain strings."""
    control = Control.objects.create(
        period_start=date(2026, 5, 25), period_end=date(2026, 11, 25), due_on=date(2026, 11, 25),
        evidence=[{"key": "agreements", "status": "finding", "count": 1, "refs": ["Leverandør A: mangler"]}],
        collected_at=NOW, created_at=NOW, created_by_id=controller.pk,
    )  # fmt: skip
    client.force_login(controller)
    page = client.get(f"/governance/controls/{control.id}/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<span class="ref">Leverandør A: mangler</span>' in page
