"""persondata's own security measures in words, Danish and English: their names, and the evidence found.

The record keeps the evidence as English text (the audit and the record's history compare it) and, beside it,
the message and its values (``words``), so that a page or the record of processing says it in its own language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from persondata.core import formats

MEASURES = {
    "encryption": gettext_noop("Encryption"),
    "logging": gettext_noop("Logging"),
    "need_to_know": gettext_noop("Access on a need-to-know basis"),
    "processor_agreements": gettext_noop("Processor agreements"),
    "tls": gettext_noop("Secure connections"),
    "risk_assessment": gettext_noop("Risk assessment"),
    "backup": gettext_noop("Backup"),
}
EVIDENCE = {
    "key_mode": gettext_noop("AES-GCM envelope encryption; master key file mode %(mode)s"),
    "key_missing": gettext_noop("AES-GCM envelope encryption; master key file not found"),
    "logging": gettext_noop("hash-chained audit log of every change; access log of every read"),
    "need_to_know": gettext_noop("named permissions from the policy file; %(n)s staff logins"),
    "agreements": gettext_noop("%(done)s of %(all)s partners with a complete agreement"),
    "tls": gettext_noop("secure cookies"),
    "tls_hsts": gettext_noop("secure cookies, HSTS %(seconds)s s"),
    "risk": gettext_noop("%(done)s of %(all)s feared events assessed"),
    "backup": gettext_noop("persondata records no backup: check the database's and the key file's"),
}


def measure(in_place: bool, words: str, today: date, **values: Any) -> dict[str, Any]:
    """A measure as the record stores it: the evidence in English, and its message and values to translate."""
    return {
        "in_place": in_place,
        "evidence": EVIDENCE[words] % values if values else EVIDENCE[words],
        "words": [words, values],
        "checked_on": today.isoformat(),
    }


def measure_name(key: str) -> str:
    return gettext(MEASURES[key]) if key in MEASURES else key.replace("_", " ")


def evidence(m: dict[str, Any]) -> str:
    """The evidence in the active language (a record stored before ``words`` existed keeps its English)."""
    words, values = (m.get("words") or [None, {}])[:2]
    if words not in EVIDENCE:
        return str(m.get("evidence", ""))
    return gettext(EVIDENCE[words]) % values if values else gettext(EVIDENCE[words])


def measures(stored: dict[str, dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The stored measures for a page: name, in place, evidence and the day checked, in ``lang``."""
    rows = []
    with translation.override(lang):
        for key, m in sorted(stored.items()):
            checked = m.get("checked_on") or ""
            rows.append(
                {
                    "name": measure_name(key),
                    "in_place": bool(m.get("in_place")),
                    "evidence": evidence(m),
                    "checked_on": formats.format_date(date.fromisoformat(checked), lang) if checked else "",
                }
            )
    return rows
