"""The daily deadline reminder (R6): an e-mail to the data controller listing the requests that are overdue or due
within a week. References, kinds and dates only — no personal data in the e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from persondata import runtime
from persondata.core.calendar import legal_date
from persondata.core.requests import WARN_DAYS
from persondata.requests import mail
from persondata.requests.services import open_requests

_TEXT = {
    "subject": "persondata: {n} kundehenvendelse(r) har frist inden for {days} dage / {n} request(s) due soon",
    "intro": (
        "Disse henvendelser fra kunder skal besvares snart (GDPR art. 12, stk. 3).\n"
        "These customers' requests must be answered soon (GDPR Art. 12(3)).\n\n"
    ),
    "line": "{ref}  {kind:<14} frist/due {due}  {left}\n",
    "overdue": "OVERSKREDET/OVERDUE",
    "left": "{n} dag(e)/day(s)",
    "outro": "\nÅbn persondata → Henvendelser / Open persondata → Requests: {url}/requests/\n",
}


def send_deadline_reminders(now: datetime) -> dict[str, Any]:
    """E-mail the controller when a request is overdue or due within :data:`WARN_DAYS` days."""
    address = runtime.policy().controller.email
    if not address or "<<" in address or "@" not in address:
        return {"skipped": "no controller e-mail in the policy file"}
    due = [o for o in open_requests(legal_date(now)) if o.level in ("overdue", "due_soon")]
    if not due:
        return {}
    body = _TEXT["intro"]
    for o in due:
        left = _TEXT["overdue"] if o.level == "overdue" else _TEXT["left"].format(n=o.days_left)
        body += _TEXT["line"].format(
            ref=o.request.reference, kind=o.request.kind, due=o.request.due_on.isoformat(), left=left
        )
    body += _TEXT["outro"].format(url=settings.PERSONDATA_PUBLIC_URL)
    subject = _TEXT["subject"].format(n=len(due), days=WARN_DAYS)
    with transaction.atomic():  # the job is the entry point; the outbox sends it once this commits
        mail.queue("controller", subject, body, address)
    return {"reminded": len(due), "overdue": sum(1 for o in due if o.level == "overdue")}
