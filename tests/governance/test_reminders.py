"""The daily reminders to the controller (R16, R17), through a real SMTP server on loopback: a breach's 72 hours
running out within 24 hours, the control overdue, follow-up tasks overdue — each at most once a day, and no
personal data in the mails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from persondata.access.actor import Actor
from persondata.governance import control as controls
from persondata.governance.control import Assignment
from persondata.governance.models import Breach, FollowUp
from persondata.governance.reminders import send_reminders
from persondata.jobs.outbox import wait_for_outbox
from persondata.jobs.runner import JOBS, run_due_jobs
from tests.conftest import NOW
from tests.requests.conftest import smtp  # noqa: F401 - the fixture: a real SMTP server on loopback

NATURE = "Et kundeudtræk blev sendt til en forkert leverandør."
BEFORE = NOW - timedelta(days=240)  # a control signed off eight months ago: the next was due two months ago


def _signed_long_ago(boss: Actor) -> None:
    with transaction.atomic():
        control = controls.start_control(boss, now=BEFORE)
        for key in controls.measures():
            ok = key != "backup"
            controls.answer(
                boss, control.pk, key, ok, "" if ok else "Ingen test af genetablering", now=BEFORE
            )
        due = (BEFORE + timedelta(days=30)).date()
        controls.sign_off(
            boss, control.pk, "Jens Hansen", now=BEFORE, assignments={"backup": Assignment("itadmin", due)}
        )


def _text(msg: Any) -> str:
    return str(msg["Subject"]) + "\n" + msg.get_body(preferencelist=("plain",)).get_content()


def _seed(boss: Actor, make_breach: Callable[..., Breach], make_staff: Callable[..., Any]) -> Breach:
    make_staff("itadmin", ["it_admin"])
    soon = make_breach(discovered_at=NOW - timedelta(hours=60), nature=NATURE)  # 12 hours left
    make_breach(discovered_at=NOW - timedelta(hours=10))  # 62 hours left: not yet
    notified = make_breach(discovered_at=NOW - timedelta(hours=70))
    wait_for_outbox()  # each breach mails the controller after its commit, from the outbox's thread (counted below)
    Breach.objects.filter(pk=notified.pk).update(notified_at=NOW - timedelta(hours=1))
    _signed_long_ago(boss)
    return soon


@pytest.mark.django_db(transaction=True)  # the outbox sends after the commit
def test_the_controller_is_reminded_without_personal_data(
    controller_address: str,
    smtp: Any,  # noqa: F811
    boss: Actor,
    make_breach: Callable[..., Breach],
    make_staff: Callable[..., Any],
) -> None:
    soon = _seed(boss, make_breach, make_staff)
    registered = len(smtp.messages)  # registering a breach mails the controller at once
    overdue = FollowUp.objects.filter(due_on__lt=NOW.date()).count()
    assert send_reminders(NOW) == {"breaches": 1, "control": 1, "follow_ups": overdue}
    sent = smtp.to(controller_address)[registered:]
    subjects = sorted(str(m["Subject"]) for m in sent)
    assert len(sent) == 3, subjects
    [breach_mail] = [m for m in sent if "24 timer" in str(m["Subject"])]
    [control_mail] = [m for m in sent if "kontrol er overskredet" in str(m["Subject"])]
    [task_mail] = [m for m in sent if "opfølgningsopgave" in str(m["Subject"])]
    text = _text(breach_mail)
    assert soon.reference in text and "onsdag den 25. november 2026 kl. 23.00" in text
    assert "Wednesday 25 November 2026, 23:00" in text and text.count("\n- BR-") == 2  # one, in two languages
    next_due = controls.schedule(NOW.date()).due_on
    assert next_due is not None and next_due.isoformat() in _text(control_mail)
    tasks = _text(task_mail)
    assert overdue >= 1 and f"{overdue} follow-up task(s) overdue" in tasks
    assert "Ingen test af genetablering" not in tasks  # the controller's note stays out
    everything = "\n".join(_text(m) for m in sent)
    for private in (NATURE, "itadmin", "Jens Hansen", "controller@", "kunde"):
        assert private not in everything


@pytest.mark.django_db
def test_the_daily_job_reminds_at_most_once_a_day(
    controller_address: str, boss: Actor, make_breach: Callable[..., Breach], make_staff: Callable[..., Any]
) -> None:
    from persondata.jobs.models import Outbox

    _seed(boss, make_breach, make_staff)
    before = Outbox.objects.count()  # (sent after the commit: the test's transaction never commits)
    job = {"governance.reminders": JOBS["governance.reminders"]}
    assert [o.status for o in run_due_jobs(NOW, job)] == ["done"]
    assert Outbox.objects.count() - before == 3
    assert [o.status for o in run_due_jobs(NOW + timedelta(hours=5), job)] == ["done_today"]
    assert Outbox.objects.count() - before == 3
    assert [o.status for o in run_due_jobs(NOW + timedelta(days=1), job)] == ["done"]  # the next day: again
    assert Outbox.objects.count() - before == 5  # the breach is past its deadline by then: not this reminder


@pytest.mark.django_db(transaction=True)
def test_nothing_to_say_sends_nothing_and_no_address_skips(
    controller_address: str,
    smtp: Any,  # noqa: F811
    settings: Any,
) -> None:
    assert send_reminders(NOW) == {"breaches": 0, "control": 0, "follow_ups": 0}  # no policy adopted yet
    assert smtp.to(controller_address) == []
    from persondata import runtime
    from persondata.core.policy import default_policy_path

    settings.PERSONDATA_POLICY_FILE = str(default_policy_path())
    runtime.reset()
    runtime.create_vault()
    assert send_reminders(NOW) == {"skipped": "no controller e-mail in the policy file"}
