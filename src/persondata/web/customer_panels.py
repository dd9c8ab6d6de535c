"""The customer page's panels beside the data itself: the customer's requests, when their data goes, and who read
it — each shown only to whoever holds the duty it belongs to (handle_requests, manage_retention,
read_access_log), built by that duty's own service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.access import access_log, permissions
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.core import requests as rq
from persondata.rawsql import as_date, as_uuid, fetch
from persondata.requests.models import Request
from persondata.retention.explain import explain_customer

HISTORY_SHOWN = 20
RECENT_REQUESTS = 10
#: the categories of ``retention.explain`` in words (its texts are the plan's English)
CATEGORY_LABELS = {
    "contact": _("Contact data"),
    "customer_number": _("Customer number"),
    "order_history": _("Orders and service agreements"),
    "invoice": _("Invoices"),
    "payment": _("Payments"),
}


@dataclass(frozen=True, slots=True)
class RequestRow:
    request: Request
    days_left: int
    level: str


@dataclass(frozen=True, slots=True)
class RetentionRow:
    category: str
    label: str
    records: int
    first: date | None  # the first deletion day of these records; None: kept while the relationship lasts
    last: date | None
    held_until: date | None


def _requests(customer_id: uuid.UUID, today: date) -> list[RequestRow]:
    rows = []
    # raw SQL, the columns the panel shows: the page asks on every view, mostly to find none (issue 17)
    found = fetch(
        "SELECT id, reference, kind, state, received_on, due_on FROM rights_request WHERE customer_id = %s"
        " ORDER BY received_at DESC LIMIT %s",
        [customer_id.hex, RECENT_REQUESTS],
    )
    for rid, reference, kind, state, received_on, due_on in found:
        r = Request(
            id=as_uuid(rid),
            reference=reference,
            kind=kind,
            state=state,
            received_on=cast(date, as_date(received_on)),  # NOT NULL
            due_on=cast(date, as_date(due_on)),
            customer_id=customer_id,
        )
        left = (r.due_on - today).days
        level = rq.deadline_level(left) if rq.State(r.state) in rq.OPEN_STATES else "closed"
        rows.append(RequestRow(r, left, level))
    return rows


def _retention(customer_id: uuid.UUID, today: date) -> list[RetentionRow]:
    grouped: dict[str, list[Any]] = {}
    for item in explain_customer(customer_id, today):
        grouped.setdefault(item.decision.category, []).append(item.decision)
    rows = []
    for category, decisions in grouped.items():
        days = [d.delete_on for d in decisions if d.delete_on is not None]
        ongoing = len(days) < len(decisions)
        holds = [d.held_until for d in decisions if d.held_until is not None]
        rows.append(
            RetentionRow(
                category,
                str(CATEGORY_LABELS.get(category, category)),
                len(decisions),
                None if ongoing or not days else min(days),
                None if ongoing or not days else max(days),
                max(holds) if holds else None,
            )
        )
    return rows


def panels(user: Any, customer_id: uuid.UUID, today: date) -> dict[str, Any]:
    """The panels ``user`` may see on the page of ``customer_id`` (None for those they may not)."""
    try:
        actor = Actor.for_user(user, permissions.DUTY_PURPOSE, "web")
    except AccessDenied:
        return {"requests": None, "retention": None, "history": None}
    history = None
    if permissions.holds(actor, permissions.READ_ACCESS_LOG):
        total, events = access_log.latest_customer_access(actor, customer_id, HISTORY_SHOWN)
        policy = runtime.policy()
        history = {
            "total": total,
            "events": [{"event": e, "purpose": _purpose_label(policy, e.purpose)} for e in events],
        }
    return {
        "requests": _requests(customer_id, today)
        if permissions.holds(actor, permissions.HANDLE_REQUESTS)
        else None,
        "retention": _retention(customer_id, today)
        if permissions.holds(actor, permissions.MANAGE_RETENTION)
        else None,
        "history": history,
    }


def _purpose_label(policy: Any, key: str) -> str:
    purpose = policy.purposes.get(key)
    return str(purpose.label.get(runtime.language())) if purpose is not None else key
