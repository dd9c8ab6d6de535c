"""The printable notification of a breach to Datatilsynet (Art. 33(3)), and the letter to the customers (Art. 34),
as HTML and PDF, Danish or English.

One context, two renderers (as the published policy): the PDF is the HTML printed by WeasyPrint. The sections
follow Datatilsynet's form, which asks the Art. 33(3) elements in their order: (a) the nature of the breach, with
the categories and approximate numbers of customers and records; (b) the contact point; (c) the likely
consequences; (d) the measures taken or proposed — preceded by the times (discovered, the 72-hour deadline,
notified, reasons for a delay) and followed by the communication to the customers (Art. 34).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from django.template.loader import render_to_string
from django.utils import translation

from persondata import runtime
from persondata.core.calendar import breach_notified_in_time
from persondata.core.formats import format_datetime, number
from persondata.documents.privacy_policy import html_to_pdf
from persondata.governance.breaches import deadline_words, notification_deadline
from persondata.governance.models import Breach

LANGUAGES: Final = ("da", "en")
FORMATS: Final = ("html", "pdf")


def _when(at: datetime | None, lang: str) -> str:
    return format_datetime(at, lang) if at else ""


def context(breach: Breach, lang: str, now: datetime) -> dict[str, Any]:
    """Everything the notification prints, in ``lang``: texts from the policy file in that language."""
    policy = runtime.policy()
    deadline = notification_deadline(breach.discovered_at)
    in_time = breach.notified_at is not None and breach_notified_in_time(
        breach.discovered_at, breach.notified_at
    )
    return {
        "lang": lang,
        "breach": breach,
        "controller": policy.controller,
        "occurred": _when(breach.occurred_at, lang),
        "discovered": _when(breach.discovered_at, lang),
        "deadline": deadline_words(deadline, lang),
        "notified": _when(breach.notified_at, lang),
        "in_time": in_time,
        "customers_told": _when(breach.customers_told_at, lang),
        "printed": format_datetime(now, lang),
        "categories": [
            policy.categories[k].label.get(lang) if k in policy.categories else k for k in breach.categories
        ],
        "customers": number(breach.customers_affected, lang),
        "records": number(breach.records_affected, lang),
        "letter": breach.letter_da if lang == "da" else breach.letter_en,
    }


DOCUMENTS: Final = {"notification": "governance/notification.html", "letter": "governance/letter.html"}


def render(breach: Breach, lang: str, fmt: str, now: datetime, document: str = "notification") -> bytes:
    """The notification to Datatilsynet, or the letter to the customers (Art. 34: the controller's text in the
    customers' language, with the contact point), as HTML or PDF."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")
    with translation.override(lang):
        html = render_to_string(DOCUMENTS[document], context(breach, lang, now))
    return html.encode("utf-8") if fmt == "html" else html_to_pdf(html)
