"""Editing the installation's policy file from the browser: the file stays the one source of truth.

The setup pages never keep a second copy of what the policy says. A change is applied to the file's text with
tomlkit (comments, order and layout kept), the whole new text is validated exactly as ``persondata serve`` would
load it, and only then written — to a temporary file beside it, flushed, and renamed over the old one, so a failure
half-way leaves the old file as it was. The first edit of an installation that runs on the shipped default writes
``<home>/policy.toml`` (or the file ``$PERSONDATA_POLICY`` names). The new text becomes a recorded version
(docs/governance.md) in the same step, and the audit trail says which keys changed — never their values.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomlkit
from django.conf import settings
from tomlkit.container import Container
from tomlkit.items import Table

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.core.policy import Policy, PolicyError, Problem, default_policy_path, parse_policy
from persondata.core.policy_check import Finding, check_policy
from persondata.governance.policy_versions import record_current


@dataclass(frozen=True)
class Refused(Exception):
    """The edit would make the policy file invalid (or leave an error ``policy check`` finds in the edited keys):
    nothing was written. ``problems`` map a dotted key to what is wrong and how to fix it."""

    problems: Mapping[str, str]


def target_path() -> Path:
    """The file an edit writes: the installation's policy file, or ``<home>/policy.toml`` on the first edit."""
    if settings.PERSONDATA_POLICY_FILE:
        return Path(settings.PERSONDATA_POLICY_FILE)
    return runtime.policy_path() or Path(settings.HOME) / "policy.toml"


def current_text() -> str:
    return (runtime.policy_path() or default_policy_path()).read_text(encoding="utf-8")


def _table(doc: Container | Table, dotted: list[str]) -> Container | Table:
    node: Any = doc
    for part in dotted:
        node = node[part]
    if not isinstance(node, Container | Table):
        raise KeyError(".".join(dotted))
    return node


def apply(text: str, changes: Mapping[str, Any]) -> str:
    """``text`` with each dotted key of ``changes`` set (``None``: the optional key removed). Every key's table
    must exist already: the setup pages change values, never the policy's structure."""
    doc = tomlkit.parse(text)
    for dotted, value in changes.items():
        *path, key = dotted.split(".")
        table = _table(doc, path)
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value
    return tomlkit.dumps(doc)


def validate(text: str, changed: Mapping[str, Any], today: date) -> Policy:
    """The policy ``text`` describes, if it loads and ``policy check`` finds no error in the changed keys."""
    try:
        policy = parse_policy(text, str(target_path()))
    except PolicyError as exc:
        raise Refused({p.key: _problem(p) for p in exc.problems}) from exc
    errors: dict[str, str] = {}
    for finding in check_policy(policy, today):
        if finding.severity == "error" and finding.key in changed:
            errors.setdefault(finding.key, _finding(finding))
    if errors:
        raise Refused(errors)
    return policy


def _problem(problem: Problem) -> str:
    lang = runtime.language()
    return f"{problem.message.get(lang)} — {problem.fix.get(lang)}"


def _finding(finding: Finding) -> str:
    return finding.message.get(runtime.language())


def save(actor: Actor, changes: Mapping[str, Any], *, now: datetime) -> Policy:
    """Validate and write ``changes`` to the policy file (``adopt_policy``); the new text becomes a version.
    Call inside the page's transaction: if the version or the audit entry fails, the file is put back."""
    permissions.require(actor, permissions.ADOPT_POLICY)
    old = current_text()
    new = apply(old, changes)
    policy = validate(new, changes, now.date())
    if new == old:
        return policy
    path = target_path()
    existed = path.exists()
    _write(path, new)
    try:
        runtime.reload_policy()
        record_current(now)
        audit.record("policy.edited", actor=actor.code, details={"keys": sorted(changes)}, now=now)
    except BaseException:
        # the version or the audit entry could not be written: the file goes back to what it said
        if existed:
            _write(path, old)
        else:
            path.unlink(missing_ok=True)
        runtime.reset_policy()
        raise
    return policy


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (temporary file, fsync, rename), private to the owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).chmod(0o600)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
