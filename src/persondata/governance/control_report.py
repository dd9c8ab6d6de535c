"""The report of a half-yearly control (R17): the evidence, the answers, the findings and the signature, as HTML
or PDF in Danish or English — one context, two renderers (the PDF is the HTML printed by WeasyPrint)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.core.formats import format_date, format_datetime, number
from persondata.documents.privacy_policy import html_to_pdf
from persondata.documents.templatetags.formats import page_language
from persondata.governance import attachments
from persondata.governance import control as controls
from persondata.governance.evidence_words import ref_text
from persondata.governance.models import Control

LANGUAGES: Final = ("da", "en")
FORMATS: Final = ("html", "pdf")

ITEM_LABELS: Final = {
    "requests_received": _("Customers' requests received"),
    "requests_answered": _("Requests answered"),
    "requests_late": _("Requests answered late or still open past their deadline"),
    "requests_extended": _("Requests extended"),
    "deletion_runs": _("Deletion runs"),
    "deletion_failures": _("Deletion runs that failed or were interrupted"),
    "overdue_records": _("Records overdue for deletion (at the last plan)"),
    "legal_holds": _("Legal holds in force"),
    "staff_declarations": _("Staff without the current declarations"),
    "role_changes": _("Changes of staff roles"),
    "logins_locked": _("Logins locked after failed logins"),
    "api_tokens": _("API tokens older than a year"),
    "breaches": _("Breaches in the period"),
    "audit_chain": _("Audit log verified"),
    "agreements": _("Partner agreements missing or due for review"),
    "risk_assessments": _("Risk assessments due"),
    "backups": _("The last backup"),
    "restore_drills": _("The last restore drill"),
}
STATUS_LABELS: Final = {
    "ok": _("in order"),
    "finding": _("finding"),
    "info": _("for information"),
    "na": _("not available yet"),
}


def item_label(key: str, lang: str) -> str:
    """A finding's label: the evidence item's, or the policy's own text of the security measure."""
    if key in ITEM_LABELS:
        return str(ITEM_LABELS[key])
    return next((m.text.get(lang) for m in runtime.policy().security_measures if m.key == key), key)


def labelled(task: Any) -> Any:
    """A follow-up task with its finding's label (``task.label``), in the active language."""
    task.label = item_label(task.item, page_language())
    return task


def rows(control: Control, lang: str) -> list[dict[str, Any]]:
    """The evidence items with their labels and references in words, in the active language (``lang``)."""
    return [
        {
            **item,
            "label": ITEM_LABELS.get(item["key"], item["key"]),
            "status_label": STATUS_LABELS[item["status"]],
            "refs": [ref_text(ref, lang) for ref in item["refs"]],
        }
        for item in control.evidence
    ]


def size_text(size: int, lang: str) -> str:
    """A file's size as people read it: ``850 bytes``, ``12 kB``, ``1,5 MB`` (numbers by :mod:`core.formats`)."""
    if size < 1024:
        return f"{number(size, lang)}\u00a0bytes"
    if size < 1024 * 1024:
        return f"{number(round(size / 1024), lang)}\u00a0kB"
    return f"{number(Decimal(size) / 2**20, lang, 1)}\u00a0MB"


def manual_rows(control: Control, lang: str) -> list[dict[str, Any]]:
    """The manual items with their answers and attachments (name and size; never the content)."""
    measures = {m.key: m.text.get(lang) for m in runtime.policy().security_measures}
    files = attachments.listing(control)
    return [
        {
            "key": k,
            "text": text,
            "answer": control.answers.get(k),
            "attachment": files.get(k),
            "attachment_size": size_text(files[k].size, lang) if k in files else "",
        }
        for k, text in measures.items()
    ]


def context(control: Control, lang: str, now: datetime) -> dict[str, Any]:
    return {
        "lang": lang,
        "control": control,
        "company": runtime.policy().controller.company,
        "period": f"{format_date(control.period_start, lang)} – {format_date(control.period_end, lang)}",
        "due": format_date(control.due_on, lang),
        "collected": format_datetime(control.collected_at, lang),
        "signed": format_datetime(control.signed_at, lang) if control.signed_at else "",
        "next_due": format_date(control.next_due, lang) if control.next_due else "",
        "rows": rows(control, lang),
        "manual": manual_rows(control, lang),
        "findings": [ITEM_LABELS.get(k, k) for k in controls.findings(control)],
        "printed": format_datetime(now, lang),
    }


def render(control: Control, lang: str, fmt: str, now: datetime) -> bytes:
    if lang not in LANGUAGES or fmt not in FORMATS:
        raise ValueError(f"lang must be one of {LANGUAGES} and fmt one of {FORMATS}")
    with translation.override(lang):
        html = render_to_string("governance/control_report.html", context(control, lang, now))
    return html.encode("utf-8") if fmt == "html" else html_to_pdf(html)
