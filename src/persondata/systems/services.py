"""The IT systems inventory and the risk assessments (policy [12], GDPR Art. 32; see docs/systems.md).

* :func:`refresh_own` fills in persondata itself from what it can see: its version, its database, where it runs,
  and the evidence of the policy's measures it enforces (the encryption and the key file's mode, the audit log,
  named permissions and declarations, processor agreements, TLS settings, its own risk assessment). It is written
  (and audited) only when something changed.
* :func:`save_system` records another system (the administrative system, a partner's); :func:`assess` rates one
  feared event of a system; :func:`delete_system` removes one (with its assessments).
* :func:`heat_map` counts the residual risks for the SVG map; :func:`overview` lists what falls due.

Every change writes an audit entry with codes only; the duty is ``manage_systems``.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext, gettext_lazy

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.access.models import StaffProfile
from persondata.audit import services as audit
from persondata.core.calendar import legal_date
from persondata.core.risk import EVENTS, check_level, review_due
from persondata.core.sensitive import check_free_text
from persondata.partners import agreements
from persondata.partners.errors import PartnerError
from persondata.refusals import refusal_text
from persondata.systems.models import KINDS, RiskAssessment, System
from persondata.systems.words import measure

OWN = "persondata"


class SystemInputError(PartnerError):
    """Bad input (``field``, ``message``), as the partners' errors."""


class SystemConflict(SystemInputError):
    """A valid request the record forbids: persondata's own record is kept and filled in automatically (409)."""


def _require(actor: Actor) -> None:
    permissions.require(actor, permissions.MANAGE_SYSTEMS)


# -- persondata itself ------------------------------------------------------------------------------------------
def own_evidence(today: date) -> dict[str, dict[str, Any]]:
    """What persondata can show of the measures it enforces, checked now."""
    key_file = Path(settings.PERSONDATA_MASTER_KEY_FILE)
    try:
        mode = stat.S_IMODE(key_file.stat().st_mode)
        key = measure(mode & 0o077 == 0, "key_mode", today, mode=f"{mode:04o}")
    except OSError:
        key = measure(False, "key_missing", today)
    roles = StaffProfile.objects.count()
    rows = agreements.overview(today)
    complete = sum(r.complete for r in rows)
    tls = bool(settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE)
    hsts = settings.SECURE_HSTS_SECONDS
    assessed = RiskAssessment.objects.filter(system__key=OWN).count()
    return {
        "encryption": key,
        "logging": measure(True, "logging", today),
        "need_to_know": measure(roles > 0, "need_to_know", today, n=roles),
        "processor_agreements": measure(
            complete == len(rows), "agreements", today, done=complete, all=len(rows)
        ),
        "tls": measure(tls, "tls_hsts", today, seconds=hsts) if hsts else measure(tls, "tls", today),
        "risk_assessment": measure(assessed == len(EVENTS), "risk", today, done=assessed, all=len(EVENTS)),
        "backup": measure(False, "backup", today),
    }


def refresh_own(now: datetime) -> System:
    """persondata's own record, filled in from what it sees; written and audited only when it changed."""
    today = legal_date(now)
    policy = runtime.policy()
    facts = {
        "name": "persondata",
        "kind": "own",
        "version": importlib.metadata.version("persondata"),
        "location": f"{platform.node() or 'this server'} ({connection.vendor})",
        "owner": policy.roles["controller"].label.en
        if "controller" in policy.roles
        else "the data controller",
        "categories": sorted(policy.categories),
    }
    evidence = own_evidence(today)
    system = System.objects.filter(key=OWN).first()
    changed = system is None or any(getattr(system, k) != v for k, v in facts.items())
    proof = {k: {**v, "checked_on": ""} for k, v in evidence.items()}
    old = {k: {**v, "checked_on": ""} for k, v in (system.measures if system else {}).items()}
    if system is not None and not changed and proof == old:
        return system
    if system is None:
        system = System(key=OWN, created_at=now, changed_at=now)
    for k, v in facts.items():
        setattr(system, k, v)
    system.measures, system.updated_at = evidence, now
    if changed:
        system.changed_at = now  # a new version, database or place: the risk assessment falls due
    system.save()
    audit.record(
        "system.update" if system.created_at != now else "system.create",
        actor="system",
        target=OWN,
        details={
            "system": OWN,
            "changed": changed,
            "measures_in_place": sorted(k for k, v in evidence.items() if v["in_place"]),
        },
        now=now,
    )
    return system


# -- other systems ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SystemInput:
    key: str
    name: str
    kind: str
    location: str
    owner: str
    categories: frozenset[str]
    partner_key: str = ""
    version: str = ""


KEY = re.compile(r"[-a-zA-Z0-9_]{1,40}")  # the record's slug (System.key)

#: what a person calls the ratings of a feared event
_LEVEL_WORDS = {
    "severity": gettext_lazy("severity"),
    "likelihood": gettext_lazy("likelihood"),
    "residual_severity": gettext_lazy("severity after the measures"),
    "residual_likelihood": gettext_lazy("likelihood after the measures"),
}
#: what a person calls the system's free-text fields
_FIELD_WORDS = {
    "name": gettext_lazy("name"),
    "location": gettext_lazy("location"),
    "owner": gettext_lazy("owner"),
}


def _checked(data: SystemInput) -> SystemInput:
    policy = runtime.policy()
    if data.key == OWN:
        raise SystemConflict("key", gettext("persondata's own record is filled in automatically."))
    if not KEY.fullmatch(data.key):
        raise SystemInputError(
            "key",
            gettext("The system's short name may use letters, digits, - and _ (at most 40 characters)."),
        )
    if data.kind not in dict(KINDS) or data.kind == "own":
        raise SystemInputError("kind", gettext("Choose what kind of system it is: admin, partner or other."))
    if data.kind == "partner" and policy.partner(data.partner_key) is None:
        raise SystemInputError(
            "partner_key", gettext("Name the partner of the policy file that runs the system.")
        )
    if unknown := sorted(data.categories - set(policy.categories)):
        raise SystemInputError(
            "categories",
            gettext("These categories are not declared in the policy file: %(unknown)s.")
            % {"unknown": ", ".join(unknown)},
        )
    for field in ("name", "location", "owner"):
        value = getattr(data, field).strip()
        if not value or len(value) > 200:
            raise SystemInputError(
                field,
                gettext("Write the %(field)s (at most 200 characters).") % {"field": _FIELD_WORDS[field]},
            )
        if (refusal := check_free_text(value)) is not None:
            raise SystemInputError(
                field,
                gettext("The %(field)s %(problem)s.")
                % {"field": _FIELD_WORDS[field], "problem": refusal_text(refusal)},
            )
    return data


def save_system(actor: Actor, data: SystemInput, *, now: datetime) -> System:
    _require(actor)
    data = _checked(data)
    system = System.objects.select_for_update().filter(key=data.key).first()
    created = system is None
    if system is None:
        system = System(key=data.key, created_at=now, changed_at=now, measures={})
    system.name, system.kind, system.partner_key = data.name.strip(), data.kind, data.partner_key
    system.location, system.owner, system.version = data.location.strip(), data.owner.strip(), data.version
    system.categories, system.updated_at = sorted(data.categories), now
    system.changed_at = now
    system.save()
    audit.record(
        "system.create" if created else "system.update",
        actor=actor.code,
        target=data.key,
        details={"system": data.key, "kind": data.kind, "categories": sorted(data.categories)},
        now=now,
    )
    return system


def delete_system(actor: Actor, key: str, *, now: datetime) -> None:
    _require(actor)
    if key == OWN:
        raise SystemConflict("key", gettext("persondata's own record is kept."))
    deleted, _ = System.objects.filter(key=key).delete()
    if not deleted:
        raise NotFound("no such system")
    audit.record("system.delete", actor=actor.code, target=key, details={"system": key}, now=now)


# -- risk assessment ----------------------------------------------------------------------------------------------
def assess(
    actor: Actor,
    key: str,
    event: str,
    *,
    severity: int,
    likelihood: int,
    residual_severity: int,
    residual_likelihood: int,
    measures: str,
    now: datetime,
) -> RiskAssessment:
    """Rate one feared event of a system (a new rating replaces the last one for that event)."""
    _require(actor)
    system = System.objects.filter(key=key).first()
    if system is None:
        raise NotFound("no such system")
    if event not in EVENTS:
        raise SystemInputError(
            "event", gettext("Choose one of the feared events: %(events)s.") % {"events": ", ".join(EVENTS)}
        )
    levels = {
        "severity": severity,
        "likelihood": likelihood,
        "residual_severity": residual_severity,
        "residual_likelihood": residual_likelihood,
    }
    for field, value in levels.items():
        try:
            check_level(field, value)
        except ValueError:
            raise SystemInputError(
                field,
                gettext("Rate the %(what)s 1 (negligible), 2 (limited), 3 (significant) or 4 (maximum).")
                % {"what": _LEVEL_WORDS[field]},
            ) from None
    if residual_severity > severity or residual_likelihood > likelihood:
        raise SystemInputError(  # the field that is higher is named
            "residual_severity" if residual_severity > severity else "residual_likelihood",
            gettext("The residual risk cannot be higher than the risk before the measures."),
        )
    measures = (measures or "").strip()
    if len(measures) > 4000 or (measures and check_free_text(measures) is not None):
        raise SystemInputError(
            "measures",
            gettext("Describe the measures in at most 4000 characters, never with a CPR or card number."),
        )
    assessment, created = RiskAssessment.objects.update_or_create(
        system=system,
        event=event,
        defaults={**levels, "measures": measures, "assessed_at": now, "assessed_by_id": actor.user_id},
    )
    audit.record(
        "risk_assessment.create" if created else "risk_assessment.update",
        actor=actor.code,
        target=str(assessment.id),
        details={"system": key, "event": event, **levels},
        now=now,
    )
    return assessment


@dataclass(frozen=True)
class SystemRow:
    system: System
    assessments: list[RiskAssessment]
    due: list[str]  # the events whose review is due (or that were never assessed)


def overview(actor: Actor, now: datetime) -> list[SystemRow]:
    _require(actor)
    today = legal_date(now)
    rows = []
    for system in System.objects.order_by("kind", "key").prefetch_related("assessments"):
        done = {a.event: a for a in system.assessments.all()}
        due = []
        for event in EVENTS:
            a = done.get(event)
            if a is None:
                due.append(event)
                continue
            when, changed = review_due(a.assessed_at, system.changed_at)
            if changed or when <= today:
                due.append(event)
        rows.append(SystemRow(system, [done[e] for e in EVENTS if e in done], due))
    return rows


def heat_map(rows: list[SystemRow]) -> dict[tuple[int, int], int]:
    """Residual (severity, likelihood) → how many assessed events sit there."""
    cells: dict[tuple[int, int], int] = {}
    for row in rows:
        for a in row.assessments:
            cell = (a.residual_severity, a.residual_likelihood)
            cells[cell] = cells.get(cell, 0) + 1
    return cells
