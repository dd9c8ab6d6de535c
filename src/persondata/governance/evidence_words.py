"""The half-yearly control's evidence in words, Danish and English (issue 15: no raw key, state or code on a page).

A control stores its evidence as it was collected (:mod:`persondata.governance.evidence`), so a reference is
stored without words: either a plain string that is the same in every language (a request's reference, a staff
login) or a small dict, ``{"msg": "<message key>", …values}``, put in words here when a page or report shows it.
A control stored before the dicts keeps its plain strings, shown as they are.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext, gettext_noop

from persondata.core.formats import format_date
from persondata.core.risk import EVENTS
from persondata.documents.labels import partner, readable
from persondata.retention.models import RUN_KINDS, RUN_STATUSES

MESSAGES = {
    "agreement": gettext_noop("%(partner)s: %(problems)s"),
    "risk_never": gettext_noop("%(system)s: %(event)s, never assessed"),
    "risk_changed": gettext_noop("%(system)s: %(event)s, the system has changed since it was assessed"),
    "risk_due": gettext_noop("%(system)s: %(event)s, due for review on %(day)s"),
    "breach": gettext_noop("%(reference)s: %(state)s"),
    "deletion_failure": gettext_noop("%(kind)s on %(day)s: %(status)s"),
    "backup": gettext_noop("%(day)s: %(file)s"),
    "no_backup": gettext_noop("no backup on record"),
    "drill_passed": gettext_noop("%(day)s: the restore succeeded"),
    "drill_failed": gettext_noop("%(day)s: the restore failed"),
    "no_drill": gettext_noop("no restore drill in the last %(months)s months"),
}
#: why a partner's agreement does not cover it (persondata.core.agreements.Problem.code)
PROBLEMS = {
    "missing": gettext_noop("no processor agreement recorded"),
    "clauses": gettext_noop("Art. 28(3) clauses missing"),
    "document": gettext_noop("the signed agreement not attached"),
    "review": gettext_noop("review overdue"),
    "safeguard": gettext_noop("no valid transfer basis (Chapter V)"),
}
#: where a breach stands against its 72 hours (persondata.governance.breaches.Clock.state)
BREACH_STATES = {
    "open": gettext_noop("Not notified yet, within the 72 hours"),
    "overdue": gettext_noop("Not notified, past the 72 hours"),
    "notified": gettext_noop("Notified in time"),
    "notified_late": gettext_noop("Notified after 72 hours"),
    "not_notified": gettext_noop("Documented, not notified (unlikely to result in a risk)"),
}


def _of(table: dict[str, str], key: str) -> str:
    return gettext(table[key]) if key in table else readable(key)


def _day(iso: str, lang: str) -> str:
    return format_date(date.fromisoformat(iso), lang)


def _values(ref: dict[str, Any], lang: str) -> dict[str, Any]:
    values = {k: v for k, v in ref.items() if k != "msg"}
    if "partner" in ref:
        values["partner"] = partner(ref["partner"])
    if "problems" in ref:
        values["problems"] = ", ".join(_of(PROBLEMS, p) for p in ref["problems"])
    if "system" in ref:
        values["system"] = ref.get("name") or readable(ref["system"])
    if "event" in ref:
        values["event"] = EVENTS[ref["event"]].get(lang) if ref["event"] in EVENTS else readable(ref["event"])
    if "state" in ref:
        values["state"] = _of(BREACH_STATES, ref["state"])
    if "kind" in ref:
        values["kind"] = _of(RUN_KINDS, ref["kind"])
    if "status" in ref:
        values["status"] = _of(RUN_STATUSES, ref["status"])
    if "day" in ref:
        values["day"] = _day(ref["day"], lang)
    return values


def ref_text(ref: str | dict[str, Any], lang: str) -> str:
    """One reference of an evidence item in the active language (``lang``: its dates)."""
    if not isinstance(ref, dict):
        return str(ref)  # a reference, a login — or a control stored before references were structured
    msg = ref.get("msg", "")
    if msg not in MESSAGES:
        return readable(msg)
    return gettext(MESSAGES[msg]) % _values(ref, lang)
