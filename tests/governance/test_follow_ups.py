"""Findings become follow-up tasks "with owners and due dates" (R17): chosen per task at the sign-off or later, on
the page, through the API and the CLI, validated; an overdue task is red on the dashboard."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.core.calendar import legal_date
from persondata.core.formats import format_date
from persondata.governance import control as controls
from persondata.governance.control import Assignment
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Control, FollowUp
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = legal_date(NOW)  # 2026-11-25


def _answered(boss: Actor, now: Any = NOW) -> Control:
    """An open control whose backup measure is answered no: at least that finding."""
    with transaction.atomic():
        control = controls.start_control(boss, now=now)
        for key in controls.measures():
            ok = key != "backup"
            controls.answer(boss, control.pk, key, ok, "" if ok else "Ingen test af genetablering", now=now)
    return control


@pytest.fixture
def it_admin(make_staff: Callable[..., Any]) -> Any:
    return make_staff("itadmin", ["it_admin"])


def test_the_controller_chooses_owner_and_due_date_at_the_sign_off(boss: Actor, it_admin: Any) -> None:
    control = _answered(boss)
    chosen = {"backup": Assignment("itadmin", date(2027, 1, 15))}
    with transaction.atomic():
        controls.sign_off(boss, control.pk, "Jens Hansen", now=NOW, assignments=chosen)
    tasks = {t.item: t for t in FollowUp.objects.filter(control=control)}
    assert set(tasks) == set(controls.findings(Control.objects.get()))
    assert (tasks["backup"].owner_id, tasks["backup"].due_on) == (it_admin.pk, date(2027, 1, 15))
    others = [t for k, t in tasks.items() if k != "backup"]
    assert all(t.owner_id == boss.user_id and t.due_on == date(2026, 12, 25) for t in others)
    created = AuditEntry.objects.get(action="follow_up.create", target=str(tasks["backup"].id))
    assert created.details == {"item": "backup", "due_on": "2027-01-15"}


@pytest.mark.parametrize(
    ("chosen", "field", "says"),
    [
        ({"backup": Assignment("nobody", date(2027, 1, 15))}, "owner", "not an active staff login"),
        ({"backup": Assignment("itadmin", TODAY - timedelta(days=1))}, "due_on", "must be from today"),
        ({"backup": Assignment("itadmin", date(2029, 1, 1))}, "due_on", "24 months"),
        ({"antivirus": Assignment("itadmin", date(2027, 1, 15))}, "follow_ups", "Not a finding"),
    ],
)
def test_a_bad_assignment_is_refused_and_nothing_is_signed(
    boss: Actor, it_admin: Any, chosen: dict[str, Assignment], field: str, says: str
) -> None:
    control = _answered(boss)
    with pytest.raises(GovernanceError) as refused, transaction.atomic(), translation.override("en"):
        controls.sign_off(boss, control.pk, "Jens Hansen", now=NOW, assignments=chosen)
    assert refused.value.field == field and says in refused.value.message
    assert Control.objects.get().signed_at is None and not FollowUp.objects.exists()


def test_a_task_is_given_another_owner_and_date_later_until_it_is_done(
    boss: Actor, it_admin: Any, make_staff: Callable[..., Any]
) -> None:
    control = _answered(boss)
    with transaction.atomic():
        controls.sign_off(boss, control.pk, "Jens Hansen", now=NOW)
    task = FollowUp.objects.get(item="backup")
    with transaction.atomic():
        controls.assign_follow_up(boss, task.pk, Assignment(" itadmin ", date(2027, 2, 1)), now=NOW)
    task.refresh_from_db()
    assert (task.owner_id, task.due_on) == (it_admin.pk, date(2027, 2, 1))
    entry = AuditEntry.objects.filter(action="follow_up.update", target=str(task.id)).get()
    assert entry.details == {"owner": "itadmin", "due_on": "2027-02-01"}
    gone = make_staff("tidligere", ["it_admin"])
    gone.is_active = False
    gone.save()
    with pytest.raises(GovernanceError) as refused, transaction.atomic():
        controls.assign_follow_up(boss, task.pk, Assignment("tidligere", date(2027, 2, 1)), now=NOW)
    assert refused.value.field == "owner"
    with transaction.atomic():
        controls.complete_follow_up(boss, task.pk, now=NOW)
    with pytest.raises(GovernanceError) as done, transaction.atomic():
        controls.assign_follow_up(boss, task.pk, Assignment("itadmin", date(2027, 2, 1)), now=NOW)
    assert done.value.field == "follow_up"


def test_overdue_tasks_are_red_on_the_dashboard_and_the_list(
    boss: Actor, it_admin: Any, client: Client, controller: Any
) -> None:
    now = timezone.now()
    control = _answered(boss, now)
    with transaction.atomic():
        controls.sign_off(boss, control.pk, "Jens Hansen", now=now)
    client.force_login(controller)
    calm = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="follow-ups-overdue"' not in calm
    yesterday = legal_date(now) - timedelta(days=1)
    FollowUp.objects.filter(item="backup").update(due_on=yesterday)  # time has passed
    assert [t.item for t in controls.overdue_follow_ups(legal_date(now))] == ["backup"]
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = page[page.index('id="follow-ups-overdue"') :]
    assert 'class="status status--error"' in page[page.index('id="follow-ups-overdue"') - 60 :][:120]
    assert "1 follow-up task is overdue" in panel and f"due {format_date(yesterday, 'en')}" in panel
    listing = client.get("/governance/controls/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<span class="status status--error">{format_date(yesterday, "en")} · overdue</span>' in listing


def test_the_pages_assign_at_the_sign_off_and_later(
    boss: Actor, it_admin: Any, client: Client, controller: Any
) -> None:
    control = _answered(boss, timezone.now())
    client.force_login(controller)
    page = client.get(f"/governance/controls/{control.id}/").content.decode()
    assert 'name="owner-backup"' in page and 'name="due-backup"' in page
    due = legal_date(timezone.now()) + timedelta(days=20)
    sign = f"/governance/controls/{control.id}/sign/"
    bad = client.post(sign, {"signer_name": "Jens Hansen", "owner-backup": "itadmin", "due-backup": "15/1"})
    assert bad.status_code == 400 and "Skriv fristen som ÅÅÅÅ-MM-DD" in bad.content.decode()
    assert Control.objects.get().signed_at is None
    done = client.post(
        sign, {"signer_name": "Jens Hansen", "owner-backup": "itadmin", "due-backup": str(due)}
    )
    assert done.status_code == 302
    task = FollowUp.objects.get(item="backup")
    assert (task.owner_id, task.due_on) == (it_admin.pk, due)
    url = f"/governance/follow-ups/{task.id}/assign/"
    refused = client.post(url, {"owner": "nobody", "due_on": str(due)}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "“nobody” is not an active staff login" in (
        refused.content.decode()
    )
    assert (
        client.post(url, {"owner": "controller", "due_on": str(due + timedelta(days=5))}).status_code == 302
    )
    task.refresh_from_db()
    assert (task.owner_id, task.due_on) == (controller.pk, due + timedelta(days=5))


def test_the_api_and_the_cli_assign(boss: Actor, it_admin: Any, controller: Any) -> None:
    from persondata.api.tokens import create_token
    from persondata.cli import main

    today = legal_date(timezone.now())
    control = _answered(boss, timezone.now())
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    sign = f"/api/controls/{control.id}/sign"
    due = (today + timedelta(days=30)).isoformat()
    body: dict[str, Any] = {
        "signer_name": "Jens Hansen",
        "follow_ups": {"backup": {"owner": "x", "due_on": due}},
    }
    bad = client.post(sign, body, content_type="application/json", **headers)
    assert bad.status_code == 422 and "owner" in bad.json()["fields"]
    body["follow_ups"]["backup"]["owner"] = "itadmin"
    signed = client.post(sign, body, content_type="application/json", **headers).json()
    [task] = [t for t in signed["follow_ups"] if t["item"] == "backup"]
    assert (task["owner"], task["due_on"], task["overdue"]) == ("itadmin", due, False)
    moved = client.post(
        f"/api/controls/follow-ups/{task['id']}",
        {"owner": "controller", "due_on": (today + timedelta(days=40)).isoformat()},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 200 and moved.json()["owner"] == "controller"
    out, err = io.StringIO(), io.StringIO()
    later = (today + timedelta(days=50)).isoformat()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert (
            main(
                [
                    "control",
                    "assign",
                    task["id"],
                    "--owner",
                    "itadmin",
                    "--due",
                    later,
                    "--user",
                    "controller",
                ]
            )
            == 0
        )
        assert (
            main(
                [
                    "control",
                    "assign",
                    task["id"],
                    "--owner",
                    "itadmin",
                    "--due",
                    "soon",
                    "--user",
                    "controller",
                ]
            )
            == 2
        )
    assert FollowUp.objects.get(item="backup").due_on.isoformat() == later
    assert "--due: write the date as YYYY-MM-DD" in err.getvalue()


def test_the_cli_assigns_at_the_sign_off(boss: Actor, it_admin: Any) -> None:
    from persondata.cli import main

    control = _answered(boss, timezone.now())
    due = (legal_date(timezone.now()) + timedelta(days=10)).isoformat()
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        args = ["control", "sign", str(control.id), "--name", "Jens Hansen", "--user", "controller"]
        assert main([*args, "--task", "backup=itadmin"]) == 2
        assert main([*args, "--task", f"backup=itadmin:{due}"]) == 0
    assert "--task: write ITEM=LOGIN:YYYY-MM-DD" in err.getvalue()
    task = FollowUp.objects.get(item="backup")
    assert (task.owner.get_username(), task.due_on.isoformat()) == ("itadmin", due)
