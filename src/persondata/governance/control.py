"""The half-yearly control (policy [13]; RULES R17): start it, answer the manual items, sign it off.

The period runs from the day after the last control's period to today; the control is due ``review.months``
(the policy file's choice, 6) after the last sign-off — or, before the first, after the adoption of the first
adopted policy version. Starting a control collects the evidence (:mod:`persondata.governance.evidence`); the
sign-off collects it again and freezes it. The manual items are the policy's own security
measures, each answered yes or no with a note. Signing off needs every item answered; it schedules the next
control and turns each finding — an evidence item marked ``finding`` and each measure answered no — into a
follow-up task, with the owner (an active staff login) and due date the controller chose for it, by default the
signer and a month later; both can be changed until the task is done. Needs the named permission ``run_control``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext

from persondata import runtime
from persondata.access import permissions, staff
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core.calendar import add_months, legal_date, next_review
from persondata.core.formats import format_date
from persondata.core.sensitive import check_free_text
from persondata.governance import evidence
from persondata.governance.errors import Conflict, GovernanceError
from persondata.governance.models import Control, FollowUp, PolicyAdoption
from persondata.refusals import refusal_text
from persondata.systems.words import measure_name

MAX_NOTE = 1000
FOLLOW_UP_MONTHS = 1
MAX_FOLLOW_UP_MONTHS = 24  # a task due later than this is no follow-up of a half-yearly control


@dataclass(frozen=True)
class Assignment:
    """Who acts on a finding (a staff login) and by when."""

    owner: str
    due_on: date


@dataclass(frozen=True)
class Schedule:
    due_on: date | None  # None: no control and no adoption to count from
    overdue: bool
    last: Control | None


def require_controller(actor: Actor) -> None:
    permissions.require(actor, permissions.RUN_CONTROL)


def schedule(today: date) -> Schedule:
    """When the next control is due, and whether it is overdue (R17: the due day itself is on time)."""
    months = runtime.policy().review.months
    last = Control.objects.filter(signed_at__isnull=False).order_by("-signed_at").first()
    if last is not None and last.next_due is not None:
        return Schedule(last.next_due, today > last.next_due, last)
    first = PolicyAdoption.objects.order_by("adopted_on").first()
    if first is None:
        return Schedule(None, True, None)
    due = next_review(first.adopted_on, months)
    return Schedule(due, today > due, None)


def measures() -> list[str]:
    """The manual items: the policy's security measures, in its order."""
    return [m.key for m in runtime.policy().security_measures]


def _get(control_id: uuid.UUID, *, lock: bool = False) -> Control:
    query = Control.objects.select_for_update() if lock else Control.objects
    control = query.filter(pk=control_id).first()
    if control is None:
        raise NotFound("no such control")
    return control


def get_control(actor: Actor, control_id: uuid.UUID) -> Control:
    require_controller(actor)
    return _get(control_id)


def start_control(actor: Actor, *, now: datetime) -> Control:
    """Open a control for the period since the last one (or the last ``review.months``), evidence collected."""
    require_controller(actor)
    today = legal_date(now)
    if Control.objects.filter(signed_at__isnull=True).exists():
        raise Conflict("control", gettext("A control is open already: finish it and sign it off first."))
    last = Control.objects.filter(signed_at__isnull=False).order_by("-period_end").first()
    start = (
        last.period_end + timedelta(days=1) if last else add_months(today, -runtime.policy().review.months)
    )
    plan = schedule(today)
    control = Control.objects.create(
        period_start=min(start, today),
        period_end=today,
        due_on=plan.due_on or today,
        evidence=evidence.collect(min(start, today), today, now),
        collected_at=now,
        created_at=now,
        created_by_id=actor.user_id,
    )
    audit.record(
        "control.create",
        actor=actor.code,
        target=str(control.id),
        details={"period": [control.period_start.isoformat(), today.isoformat()]},
        now=now,
    )
    return control


def answer(actor: Actor, control_id: uuid.UUID, key: str, ok: bool, note: str, *, now: datetime) -> Control:
    """Answer a manual item yes (``ok``) or no, with a note. (The evidence is not collected again here: verifying
    the audit chain reads the whole log, so that happens at the start and at the sign-off only.)"""
    require_controller(actor)
    control = _get(control_id, lock=True)
    if control.signed_at is not None:
        raise Conflict("control", gettext("The control is signed off: start a new control."))
    if key not in measures():
        raise GovernanceError(
            "item", gettext("“%(item)s” is not a security measure of the policy file.") % {"item": key}
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise GovernanceError(
            "note",
            gettext("The note is %(n)s characters: keep it under %(max)s.")
            % {"n": len(note), "max": MAX_NOTE},
        )
    if (refusal := check_free_text(note)) is not None:
        raise GovernanceError("note", gettext("The note %(problem)s.") % {"problem": refusal_text(refusal)})
    if not ok and not note:
        raise GovernanceError("note", gettext("Say in the note what is missing and what will be done."))
    control.answers = {**control.answers, key: {"ok": bool(ok), "note": note}}
    control.save(update_fields=["answers"])
    audit.record(
        "control.update",
        actor=actor.code,
        target=str(control.id),
        details={"item": key, "ok": bool(ok)},
        now=now,
    )
    return control


def findings(control: Control) -> list[str]:
    """The keys of what needs acting on: evidence marked ``finding`` and measures answered no."""
    found = [i["key"] for i in control.evidence if i["status"] == "finding"]
    return found + [k for k in measures() if not control.answers.get(k, {}).get("ok", True)]


def _owner_id(assignment: Assignment, today: date) -> int:
    """The owner's user id, once the assignment is checked: an active staff login, a day from today on."""
    user = staff.active_staff((assignment.owner or "").strip())
    if user is None:
        raise GovernanceError(
            "owner",
            gettext("“%(owner)s” is not an active staff login: choose one from the staff list.")
            % {"owner": assignment.owner},
        )
    if not today <= assignment.due_on <= add_months(today, MAX_FOLLOW_UP_MONTHS):
        raise GovernanceError(
            "due_on",
            gettext("The due date must be from today (%(today)s) to %(n)s months ahead.")
            % {"today": format_date(today, runtime.language()), "n": MAX_FOLLOW_UP_MONTHS},
        )
    return int(user.pk)


def sign_off(
    actor: Actor,
    control_id: uuid.UUID,
    signer_name: str,
    *,
    now: datetime,
    assignments: Mapping[str, Assignment] | None = None,
) -> Control:
    """Sign the control off; each finding becomes a follow-up task as ``assignments`` says (by the finding's
    key), else owned by the signer and due in ``FOLLOW_UP_MONTHS``."""
    require_controller(actor)
    control = _get(control_id, lock=True)
    if control.signed_at is not None:
        raise Conflict("control", gettext("The control is signed off already."))
    if missing := [k for k in measures() if k not in control.answers]:
        raise Conflict(
            "answers",
            gettext("Answer every item first; missing: %(missing)s.")
            % {"missing": ", ".join(measure_name(k) for k in missing)},
        )
    name = (signer_name or "").strip()
    if not name or len(name) > 120 or check_free_text(name) is not None:
        raise GovernanceError(
            "signer_name", gettext("Write the name of the person signing, e.g. the director.")
        )
    today = legal_date(now)
    control.evidence = evidence.collect(control.period_start, control.period_end, now)
    found = findings(control)
    chosen = dict(assignments or {})
    if unknown := sorted(set(chosen) - set(found)):
        raise GovernanceError(
            "follow_ups",
            gettext("Not a finding of this control: %(unknown)s.")
            % {"unknown": ", ".join(measure_name(k) for k in unknown)},
        )
    owners = {key: (_owner_id(a, today), a.due_on) for key, a in chosen.items()}
    control.collected_at = now
    control.signed_at, control.signed_by_id, control.signer_name = now, actor.user_id, name
    control.next_due = next_review(today, runtime.policy().review.months)
    control.save()
    default = (actor.user_id, add_months(today, FOLLOW_UP_MONTHS))
    for key in found:
        owner_id, due = owners.get(key, default)
        task = FollowUp.objects.create(
            control=control, item=key, owner_id=owner_id, due_on=due, created_at=now
        )
        audit.record(
            "follow_up.create",
            actor=actor.code,
            target=str(task.id),
            details={"item": key, "due_on": due.isoformat()},
            now=now,
        )
    audit.record(
        "control.update",
        actor=actor.code,
        target=str(control.id),
        details={"signed": True, "next_due": control.next_due.isoformat(), "findings": len(found)},
        now=now,
    )
    return control


def _open_task(follow_up_id: uuid.UUID) -> FollowUp:
    task = FollowUp.objects.select_for_update().filter(pk=follow_up_id).first()
    if task is None:
        raise NotFound("no such follow-up")
    return task


def assign_follow_up(
    actor: Actor, follow_up_id: uuid.UUID, assignment: Assignment, *, now: datetime
) -> FollowUp:
    """Give an open follow-up task another owner or due date."""
    require_controller(actor)
    task = _open_task(follow_up_id)
    if task.done_at is not None:
        raise Conflict("follow_up", gettext("The follow-up task is done already."))
    task.owner_id = _owner_id(assignment, legal_date(now))
    task.due_on = assignment.due_on
    task.save(update_fields=["owner", "due_on"])
    audit.record(
        "follow_up.update",
        actor=actor.code,
        target=str(task.id),
        details={"owner": assignment.owner.strip(), "due_on": task.due_on.isoformat()},
        now=now,
    )
    return task


def complete_follow_up(actor: Actor, follow_up_id: uuid.UUID, *, now: datetime) -> FollowUp:
    require_controller(actor)
    task = _open_task(follow_up_id)
    if task.done_at is None:
        task.done_at = now
        task.save(update_fields=["done_at"])
        audit.record(
            "follow_up.update", actor=actor.code, target=str(task.id), details={"done": True}, now=now
        )
    return task


def open_follow_ups() -> list[FollowUp]:
    return list(FollowUp.objects.filter(done_at__isnull=True).select_related("control", "owner"))


def overdue_follow_ups(today: date) -> list[FollowUp]:
    """Open tasks past their due date (the due day itself is on time)."""
    return [task for task in open_follow_ups() if task.due_on < today]


def summary(control: Control) -> dict[str, Any]:
    """Counts for lists: items with a finding, manual items answered."""
    return {
        "findings": len(findings(control)),
        "answered": len(control.answers),
        "measures": len(measures()),
    }
