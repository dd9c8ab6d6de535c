"""The daily reminders to the data controller (RULES R16, R17): a breach's 72 hours running out, the half-yearly
control overdue, follow-up tasks past their due date.

One job a day (``governance.reminders``, from 07:00 Danish time; the runner runs a daily job at most once a day,
so each reminder goes at most once a day), one e-mail per kind that has something to say, through the outbox to
the policy file's ``controller.email``. The mails name breach references, dates, counts and the findings' labels
— never a breach's description, a customer or a staff member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import translation

from persondata import runtime
from persondata.core.calendar import legal_date
from persondata.governance import breaches, control_report
from persondata.governance import control as controls
from persondata.requests import mail

WARN_HOURS: Final = 24  # a breach's deadline this close, and not notified: remind

_BREACHES: Final = (
    "persondata: {n} brud skal anmeldes inden for 24 timer / {n} breach(es) to notify within 24 hours",
    "Disse brud på persondatasikkerheden er ikke anmeldt til Datatilsynet, og fristen på 72 timer udløber inden "
    "for 24 timer (GDPR art. 33):\n{lines_da}\n"
    "These personal data breaches are not notified to Datatilsynet, and their 72 hours run out within 24 hours "
    "(GDPR Art. 33):\n{lines_en}\n"
    "Åbn / Open: {url}/governance/breaches/\n",
)
_CONTROL: Final = (
    "persondata: den halvårlige kontrol er overskredet / the half-yearly control is overdue",
    "Den halvårlige kontrol af persondatapolitikken skulle have været foretaget senest {due} (politikkens "
    "punkt 13).\n\n"
    "The half-yearly control of the privacy policy was due on {due} (section 13 of the policy).\n\n"
    "Åbn / Open: {url}/governance/controls/\n",
)
_FOLLOW_UPS: Final = (
    "persondata: {n} opfølgningsopgave(r) er overskredet / {n} follow-up task(s) overdue",
    "Opfølgningsopgaver fra den halvårlige kontrol, der har overskredet fristen:\n{lines_da}\n"
    "Follow-up tasks of the half-yearly control past their due date:\n{lines_en}\n"
    "Åbn / Open: {url}/governance/controls/#follow-ups\n",
)


def _address() -> str | None:
    address = runtime.policy().controller.email
    return None if not address or "<<" in address or "@" not in address else address


def _breaches_due(now: datetime) -> list[tuple[Any, breaches.Clock]]:
    """Not notified (nor decided not to be), the deadline ahead and at most ``WARN_HOURS`` away."""
    return [
        (b, c) for b, c in breaches.open_breaches(now) if c.state == "open" and 0 < c.hours_left <= WARN_HOURS
    ]


def _breach_lines(due: list[tuple[Any, breaches.Clock]]) -> dict[str, str]:
    return {
        lang: "\n".join(f"- {b.reference}: {breaches.deadline_words(c.deadline, lang)}" for b, c in due)
        for lang in ("da", "en")
    }


def _follow_up_lines(tasks: list[Any]) -> dict[str, str]:
    lines = {}
    for lang in ("da", "en"):
        with translation.override(lang):
            lines[lang] = "\n".join(
                f"- {control_report.item_label(t.item, lang)}: {t.due_on.isoformat()}" for t in tasks
            )
    return lines


def send_reminders(now: datetime) -> dict[str, Any]:
    """The job: queue today's reminders for the controller (in one transaction; the outbox sends after it)."""
    address = _address()
    if address is None:
        return {"skipped": "no controller e-mail in the policy file"}
    today, url = legal_date(now), settings.PERSONDATA_PUBLIC_URL
    due = _breaches_due(now)
    plan = controls.schedule(today)
    tasks = controls.overdue_follow_ups(today)
    sent = {"breaches": len(due), "control": 0, "follow_ups": 0}
    with transaction.atomic():  # the job is the entry point
        if due:
            values = {"n": len(due), "url": url, **{f"lines_{k}": v for k, v in _breach_lines(due).items()}}
            mail.queue("controller", _BREACHES[0].format(**values), _BREACHES[1].format(**values), address)
        if plan.overdue and plan.due_on is not None:  # never due: no adopted policy to count from yet
            values = {"due": plan.due_on.isoformat(), "url": url}
            mail.queue("controller", _CONTROL[0], _CONTROL[1].format(**values), address)
            sent["control"] = 1
        if tasks:
            lines = _follow_up_lines(tasks)
            values = {"n": len(tasks), "url": url, **{f"lines_{k}": v for k, v in lines.items()}}
            mail.queue(
                "controller", _FOLLOW_UPS[0].format(**values), _FOLLOW_UPS[1].format(**values), address
            )
            sent["follow_ups"] = len(tasks)
    return sent
