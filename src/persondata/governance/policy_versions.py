"""The policy's versions and their adoption (policy [14]): what the company promised, when, and who adopted it.

Each change of the policy file becomes a version when the installation first runs with it (``persondata init``
and ``serve`` call :func:`record_current`): its SHA-256, its text and a readable diff from the version before. A
version is in force from then until the next one, so "what did you promise me on 1 March 2025?" is answered by
:func:`in_force_on`. The data controller records the adoption of a version — the date it was signed, who signed
and in what role — with :func:`adopt` (named permission ``adopt_policy``); the published policy shows the
adoption of the version in force, or says plainly that it has not been adopted.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext, gettext_lazy

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core.calendar import COPENHAGEN, legal_date
from persondata.core.policy import Policy, Text, default_policy_path
from persondata.core.policy_check import Finding
from persondata.core.sensitive import check_free_text
from persondata.governance.errors import GovernanceError
from persondata.governance.models import PolicyAdoption, PolicyVersion
from persondata.refusals import refusal_text

MAX_NAME = 120
MAX_ROLE = 80


@dataclass(frozen=True)
class Period:
    """A version with the days it was in force (``until`` None: still in force)."""

    version: PolicyVersion
    since: date
    until: date | None
    adoption: PolicyAdoption | None


def current_text() -> str:
    path = runtime.policy_path() or default_policy_path()
    return path.read_text(encoding="utf-8")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_running: list[tuple[Policy, str]] = []


def running_sha() -> str:
    """The SHA-256 of the policy file this process runs with: read once per loaded policy (``runtime.policy``
    is loaded once), so the public page does not read the file on every visit."""
    policy = runtime.policy()
    if not _running or _running[0][0] is not policy:
        _running[:] = [(policy, _sha(current_text()))]
    return _running[0][1]


def record_current(now: datetime) -> tuple[PolicyVersion, bool]:
    """Record the policy file in force as a new version if it differs from the last; (version, created).

    Call inside a transaction (the entry point's). Going back to an earlier text is a new version too: what
    counts is what was in force when."""
    text = current_text()
    digest = _sha(text)
    last = PolicyVersion.objects.select_for_update().order_by("-number").first()
    if last is not None and last.sha256 == digest:
        return last, False
    diff = ""
    if last is not None:
        lines = difflib.unified_diff(
            last.content.splitlines(), text.splitlines(), f"version {last.number}", "new", lineterm="", n=2
        )
        diff = "\n".join(lines)
    version = PolicyVersion.objects.create(
        number=(last.number + 1) if last else 1,
        sha256=digest,
        label=runtime.policy().version[:100],
        content=text,
        diff=diff,
        recorded_at=now,
    )
    audit.record(
        "policy_version.create",
        actor="system",
        target=str(version.number),
        details={"number": version.number, "sha256": digest},
        now=now,
    )
    return version, True


def periods() -> list[Period]:
    """Every version, newest first, with the days it was in force and its adoption."""
    versions = list(PolicyVersion.objects.select_related("adoption").order_by("number"))
    out: list[Period] = []
    for i, v in enumerate(versions):
        until = legal_date(versions[i + 1].recorded_at) if i + 1 < len(versions) else None
        out.append(Period(v, legal_date(v.recorded_at), until, getattr(v, "adoption", None)))
    return out[::-1]


def in_force_on(day: date) -> PolicyVersion | None:
    """The version in force at the end of ``day`` (Danish time); None before the first was recorded."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=COPENHAGEN)
    return PolicyVersion.objects.filter(recorded_at__lt=end).order_by("-number").first()


def in_force() -> PolicyVersion | None:
    """The recorded version whose text is the policy file this process runs with (None: not recorded yet)."""
    last = PolicyVersion.objects.select_related("adoption").order_by("-number").first()
    return last if last is not None and last.sha256 == running_sha() else None


def adoption_of(version: PolicyVersion | None) -> PolicyAdoption | None:
    return getattr(version, "adoption", None) if version is not None else None


def get_version(number: int) -> PolicyVersion:
    version = PolicyVersion.objects.select_related("adoption").filter(number=number).first()
    if version is None:
        raise NotFound("no such policy version")
    return version


#: what a person calls the adoption's text fields
_FIELD_WORDS = {"adopted_by": gettext_lazy("name of the signer"), "role": gettext_lazy("role of the signer")}


def _text(field: str, value: str, limit: int, example: str) -> str:
    value = (value or "").strip()
    words = _FIELD_WORDS[field]
    if not value:
        raise GovernanceError(
            field, gettext("Write the %(field)s, e.g. %(example)s.") % {"field": words, "example": example}
        )
    if len(value) > limit:
        raise GovernanceError(
            field,
            gettext("The %(field)s is %(n)s characters: keep it under %(max)s.")
            % {"field": words, "n": len(value), "max": limit},
        )
    if (refusal := check_free_text(value)) is not None:
        raise GovernanceError(
            field, gettext("The %(field)s %(problem)s.") % {"field": words, "problem": refusal_text(refusal)}
        )
    return value


def adopt(
    actor: Actor, number: int, *, adopted_on: date, adopted_by: str, role: str, now: datetime
) -> PolicyAdoption:
    """Record (or correct) the adoption of version ``number``. Call inside the entry point's transaction."""
    permissions.require(actor, permissions.ADOPT_POLICY)
    version = get_version(number)
    if not isinstance(adopted_on, date) or isinstance(adopted_on, datetime):
        raise GovernanceError("adopted_on", gettext("Give the date the policy was signed, e.g. 2025-03-01."))
    if adopted_on > legal_date(now):
        raise GovernanceError(
            "adopted_on",
            gettext("The day of adoption lies in the future: give the date the policy was signed."),
        )
    values = {
        "adopted_on": adopted_on,
        "adopted_by": _text("adopted_by", adopted_by, MAX_NAME, gettext("the director's name")),
        "role": _text("role", role, MAX_ROLE, "Direktør"),
    }
    adoption = PolicyAdoption.objects.filter(version=version).first()
    action = "policy_adoption.update" if adoption else "policy_adoption.create"
    if adoption is None:
        adoption = PolicyAdoption(version=version, recorded_at=now, recorded_by_id=actor.user_id, **values)
    else:
        for name, value in values.items():
            setattr(adoption, name, value)
        adoption.recorded_at, adoption.recorded_by_id = now, actor.user_id
    adoption.save()
    audit.record(
        action,
        actor=actor.code,
        target=str(version.number),
        details={"number": version.number, "adopted_on": adopted_on.isoformat()},
        now=now,
    )
    return adoption


def adoption_finding() -> Finding | None:
    """``policy check``: the policy in force has never been adopted (policy [14])."""
    version = in_force()
    if adoption_of(version) is not None:
        return None
    return Finding(
        "warning",
        "version-not-adopted",
        "adopted",
        Text(
            "Den gældende version af politikken er ikke registreret som vedtaget; den offentlige side siger det.",
            "The policy version in force has not been recorded as adopted; the public page says so.",
        ),
        Text(
            "Når direktøren har underskrevet, registrér vedtagelsen under Styring → Politik "
            "(eller persondata policy adopt).",
            "Once the director has signed, record the adoption under Governance → Policy "
            "(or persondata policy adopt).",
        ),
    )
