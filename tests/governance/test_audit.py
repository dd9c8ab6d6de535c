"""Every model of governance is changed only through services that audit: a generic test over the app's models.

``EXERCISES`` names, per model, how to create and how to update one through its service. A new model without an
entry fails ``test_every_model_has_an_exercise``; each exercise must leave one audit entry per change, naming the
record by its id and the acting staff login, with codes only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.governance import breaches
from persondata.governance.policy_versions import adopt
from tests.conftest import NOW
from tests.governance.conftest import SATURDAY

pytestmark = pytest.mark.django_db

Create = Callable[[Actor], models.Model]
Update = Callable[[Actor, models.Model], Any]


def _version(actor: Actor) -> models.Model:
    from persondata.governance.policy_versions import record_current

    version, made = record_current(NOW)
    assert made
    return version


def _adoption(actor: Actor) -> models.Model:
    from persondata.governance.policy_versions import adopt, record_current

    record_current(NOW)
    return adopt(actor, 1, adopted_on=SATURDAY.date(), adopted_by="Jens Hansen", role="Direktør", now=NOW)


def _control(actor: Actor) -> models.Model:
    from persondata.governance.control import start_control

    return start_control(actor, now=NOW)


def _answer(actor: Actor, control: Any) -> Any:
    from persondata.governance.control import answer

    return answer(actor, control.pk, "antivirus", True, "", now=NOW)


def _attachment(actor: Actor) -> models.Model:
    from persondata.governance.attachments import attach
    from persondata.governance.control import start_control

    control = start_control(actor, now=NOW)
    return attach(actor, control.pk, "antivirus", "usb-status.pdf", b"%PDF-1.4 status", now=NOW)


def _reattach(actor: Actor, attachment: Any) -> Any:
    from persondata.governance.attachments import attach

    return attach(actor, attachment.control_id, "antivirus", "usb-lock.png", b"\x89PNG\r\n\x1a\n", now=NOW)


def _follow_up(actor: Actor) -> models.Model:
    from persondata.governance.control import answer, measures, sign_off, start_control

    control = start_control(actor, now=NOW)
    for key in measures():
        answer(
            actor,
            control.pk,
            key,
            key != "backup",
            "Ingen test af genetablering" if key == "backup" else "",
            now=NOW,
        )
    sign_off(actor, control.pk, "Jens Hansen", now=NOW)
    return control.follow_ups.get(item="backup")


def _done(actor: Actor, task: Any) -> Any:
    from persondata.governance.control import complete_follow_up

    return complete_follow_up(actor, task.pk, now=NOW)


#: per model: create, and update (None: the records are never changed once written)
EXERCISES: dict[str, tuple[Create, Update | None]] = {
    "Breach": (
        lambda a: breaches.record_breach(a, {"discovered_at": SATURDAY, "nature": "Tabt usb-nøgle"}, now=NOW),
        lambda a, b: breaches.update_breach(
            a,
            b.pk,
            {"notified_at": SATURDAY + timedelta(hours=5), "authority_reference": "2025-441-0001"},
            now=NOW,
        ),
    ),
    "PolicyVersion": (_version, None),
    "Control": (_control, _answer),
    "ControlAttachment": (_attachment, _reattach),
    "FollowUp": (_follow_up, _done),  # a version is what was in force: never changed
    "PolicyAdoption": (
        _adoption,
        lambda a, x: adopt(
            a, 1, adopted_on=SATURDAY.date(), adopted_by="J. Hansen", role="Direktør", now=NOW
        ),
    ),
}


def _code(name: str) -> str:
    """``PolicyAdoption`` → ``policy_adoption``: the audit code of a model's changes."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _models() -> list[str]:
    return sorted(m.__name__ for m in apps.get_app_config("governance").get_models())


def test_every_model_has_an_exercise() -> None:
    assert _models() == sorted(EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_create_and_update_are_audited(name: str, controller: Any) -> None:
    actor = Actor.staff(controller, "cli")
    create, update = EXERCISES[name]
    before = AuditEntry.objects.count()
    with transaction.atomic():
        obj = create(actor)
    if update is not None:
        with transaction.atomic():
            update(actor, obj)
    target = str(getattr(obj, "number", None) or getattr(getattr(obj, "version", None), "number", obj.pk))
    entries = [
        e
        for e in AuditEntry.objects.order_by("seq")[before:]
        if e.action.split(".")[0] == _code(name)
        and e.target == target  # (a control may open other follow-ups)
    ]
    assert [e.action.split(".")[1] for e in entries] == (["create", "update"] if update else ["create"])
    assert {e.actor for e in entries} <= {actor.code, "system"}
    text = str([e.details for e in entries])
    assert "usb" not in text  # the texts stay out of the log; field names only
