"""The evidence of the half-yearly control (RULES R17), collected from the data itself.

Each item is a plain dict — ``key``, ``status`` (``ok``, ``finding``, ``info`` or ``na``: the source does not
exist yet), ``count`` and ``refs`` (request references, run dates, staff logins; never customer data) — so it is
stored with the control as it was when collected and printed as it was signed. A reference is stored without
words (a :data:`Ref`): the page and the report say it in their language. A capability above this one adds
its items with :func:`register_source` in its ``AppConfig.ready()`` (the API's tokens), so this module imports
nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model

from persondata.access.gate import missing_acknowledgements
from persondata.audit import services as audit
from persondata.audit.models import AuditEntry
from persondata.backups.models import BackupRecord, Drill
from persondata.core.calendar import COPENHAGEN, add_months, legal_date
from persondata.core.risk import EVENTS, review_due
from persondata.governance.breaches import clock
from persondata.governance.models import Breach
from persondata.partners import agreements
from persondata.requests.models import Request
from persondata.retention.models import LegalHold, RetentionRun
from persondata.systems.models import System

Item = dict[str, Any]
#: a reference: the same in every language (a request's reference, a login), or a message key with its values,
#: put in words when shown (:mod:`persondata.governance.evidence_words`)
Ref = str | dict[str, Any]
Source = Callable[[date, date, datetime], Item]

#: a database backup older than this at the control is a finding (the daily job makes one every night)
BACKUP_DAYS = 7
#: the restore drill shows that a backup can really be restored (GDPR Art. 32(1)(c)); one at least every 6 months
DRILL_MONTHS = 6
_sources: dict[str, Source] = {}


def register_source(key: str, source: Source) -> None:
    """A capability above governance adds an item (called in its ``AppConfig.ready()``)."""
    _sources[key] = source


def _item(key: str, status: str, count: int = 0, refs: Sequence[Ref] | None = None, **extra: Any) -> Item:
    return {"key": key, "status": status, "count": count, "refs": list(refs or []), **extra}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    lo = datetime.combine(start, datetime.min.time(), tzinfo=COPENHAGEN)
    return lo, datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=COPENHAGEN)


def requests_items(start: date, end: date, now: datetime) -> list[Item]:
    """Received, answered, answered late or still open past the due day, extended (R6)."""
    lo, hi = _bounds(start, end)
    today = min(legal_date(now), end)
    received = Request.objects.filter(received_on__range=(start, end))
    answered = Request.objects.filter(closed_at__gte=lo, closed_at__lt=hi)
    late = [
        r.reference
        for r in Request.objects.filter(due_on__range=(start, end)).order_by("due_on", "reference")
        if (r.closed_at is None and r.due_on < today) or (r.closed_at and legal_date(r.closed_at) > r.due_on)
    ]
    extended = list(
        received.filter(extension_months__gt=0).order_by("reference").values_list("reference", flat=True)
    )
    return [
        _item("requests_received", "info", received.count()),
        _item("requests_answered", "info", answered.count()),
        _item("requests_late", "finding" if late else "ok", len(late), late),
        _item("requests_extended", "info", len(extended), extended),
    ]


def retention_items(start: date, end: date, now: datetime) -> list[Item]:
    """Deletion runs with their counts and failures; records due at the last plan; legal holds and their age."""
    runs = RetentionRun.objects.filter(today__range=(start, end), kind__in=("sweep", "erasure", "reapply"))
    deleted = sum(sum((r.counts.get("deleted") or {}).values()) for r in runs)
    failed = [
        {"msg": "deletion_failure", "kind": r.kind, "day": r.today.isoformat(), "status": r.status}
        for r in runs.filter(status__in=("failed", "interrupted")).order_by("today", "started_at")
    ]
    plan = RetentionRun.objects.filter(kind="plan", today__range=(start, end)).order_by("-started_at").first()
    overdue = sum((plan.counts.get("deleted") or {}).values()) if plan else 0
    holds = list(LegalHold.objects.filter(ended_at__isnull=True).order_by("created_at"))
    today = legal_date(now)
    oldest = (today - legal_date(holds[0].created_at)).days if holds else 0
    return [
        _item("deletion_runs", "info", runs.count(), deleted=deleted),
        _item("deletion_failures", "finding" if failed else "ok", len(failed), failed),
        _item(
            "overdue_records",
            "na" if plan is None else "finding" if overdue else "ok",
            overdue,
            plan_on=plan.today.isoformat() if plan else "",
        ),
        _item("legal_holds", "info", len(holds), oldest_days=oldest),
    ]


def staff_items(start: date, end: date, now: datetime) -> list[Item]:
    """Staff without current declarations, role changes, logins locked after failed logins."""
    lo, hi = _bounds(start, end)
    users = get_user_model().objects.filter(is_active=True, staff__isnull=False).order_by("username")
    missing = [u.get_username() for u in users if missing_acknowledgements(u)]
    changes = AuditEntry.objects.filter(action="staff.roles.change", at__gte=lo, at__lt=hi).count()
    locked = sorted(
        set(
            AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).values_list(
                "username", flat=True
            )
        )
        - {None, ""}
    )
    return [
        _item("staff_declarations", "finding" if missing else "ok", len(missing), missing),
        _item("role_changes", "info", changes),
        _item("logins_locked", "finding" if locked else "ok", len(locked), locked),
    ]


def agreements_item(end: date) -> Item:
    """Each partner of the policy file whose processor agreement is missing, incomplete or due for review by the
    end of the period (Art. 28; the partners' records of Governance I)."""
    rows = [row for row in agreements.overview(end) if row.problems]
    refs = [
        {"msg": "agreement", "partner": row.partner.key, "problems": [p.code for p in row.problems]}
        for row in rows
    ]
    return _item("agreements", "finding" if refs else "ok", len(refs), refs)


def risk_item(end: date) -> Item:
    """Each IT system's feared event whose risk assessment is missing or due for review (a year, or a change)."""
    refs: list[Ref] = []
    for system in System.objects.order_by("key").prefetch_related("assessments"):
        done = {a.event: a for a in system.assessments.all()}
        for event in EVENTS:
            a = done.get(event)
            which = {"system": system.key, "name": system.name, "event": event}
            if a is None:
                refs.append({"msg": "risk_never", **which})
                continue
            due, changed = review_due(a.assessed_at, system.changed_at)
            if changed:
                refs.append({"msg": "risk_changed", **which})
            elif due <= end:
                refs.append({"msg": "risk_due", **which, "day": due.isoformat()})
    return _item("risk_assessments", "finding" if refs else "ok", len(refs), refs)


def breach_item(start: date, end: date, now: datetime) -> Item:
    lo, hi = _bounds(start, end)
    found = Breach.objects.filter(discovered_at__gte=lo, discovered_at__lt=hi).order_by("discovered_at")
    refs: list[Ref] = [
        {"msg": "breach", "reference": b.reference, "state": clock(b, now).state} for b in found
    ]
    late = any(clock(b, now).state in ("overdue", "notified_late") for b in found)
    return _item("breaches", "finding" if late else "info", len(refs), refs)


def backup_items(now: datetime) -> list[Item]:
    """The last database backup, and the last restore drill (``persondata backup drill``): a finding when there
    is none in the last 6 months or the last one failed."""
    today = legal_date(now)
    last = BackupRecord.objects.order_by("-created_at").first()
    recent = last is not None and (today - legal_date(last.created_at)).days <= BACKUP_DAYS
    backup = _item(
        "backups",
        "ok" if recent else "finding",
        BackupRecord.objects.count(),
        [{"msg": "backup", "day": legal_date(last.created_at).isoformat(), "file": last.file_name}]
        if last
        else [{"msg": "no_backup"}],
    )
    drill = Drill.objects.order_by("-at").first()
    due = drill is None or add_months(legal_date(drill.at), DRILL_MONTHS) < today
    refs: list[Ref] = [{"msg": "no_drill", "months": DRILL_MONTHS}] if due else []
    if drill is not None:
        refs.insert(
            0,
            {"msg": "drill_passed" if drill.ok else "drill_failed", "day": legal_date(drill.at).isoformat()},
        )
    failed = drill is not None and not drill.ok
    return [backup, _item("restore_drills", "finding" if due or failed else "ok", 1 if drill else 0, refs)]


def audit_item() -> Item:
    """The audit chain verified end to end (``persondata audit verify``); a break is named by sequence number."""
    result = audit.verify()
    if result.ok:
        return _item("audit_chain", "ok", result.checked)
    return _item("audit_chain", "finding", result.checked, [result.problem or "broken"])


def collect(start: date, end: date, now: datetime) -> list[Item]:
    """Every item of the control for the period ``start``–``end`` (Danish dates), in the report's order."""
    items = [
        *requests_items(start, end, now),
        *retention_items(start, end, now),
        *staff_items(start, end, now),
        *(source(start, end, now) for _key, source in sorted(_sources.items())),
        agreements_item(end),
        risk_item(end),
        breach_item(start, end, now),
        *backup_items(now),
        audit_item(),
    ]
    return items
