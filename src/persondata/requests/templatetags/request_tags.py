"""Template helpers of the requests' pages: the deadline badge (R6) — one markup for the inbox, the dashboard,
the customer page and the request's page: "3 days left", amber within a week, in red "4 days overdue" once the
deadline has passed — the inbox's sort and page links, and the labels of kinds and states."""

from __future__ import annotations

from typing import Any

from django import template

from persondata.core.requests import Kind, State
from persondata.requests import inbox
from persondata.requests.forms import KIND_LABELS, STATE_LABELS

register = template.Library()
KIND_CODES = frozenset(k.value for k in Kind)
STATE_CODES = frozenset(s.value for s in State)


@register.simple_tag
def deadline_badge(days_left: int, level: str) -> str:
    """``level``: ``ok``, ``due_soon``, ``overdue`` (from ``core.requests.deadline_level``) or ``closed`` (no
    badge). A tag rather than an included template: the inbox draws fifty of them a page."""
    return inbox.deadline_badge(days_left, level)


@register.filter
def sort_link(inbox: Any, key: str) -> str:
    """The inbox's link that sorts by ``key`` (again: the other way round)."""
    return str(inbox.sort_link(key))


@register.filter
def page_link(inbox: Any, number: int) -> str:
    return str(inbox.link(page=number))


@register.filter
def request_kind(code: str) -> str:
    return str(KIND_LABELS.get(Kind(code), code)) if code in KIND_CODES else code


@register.filter
def request_state(code: str) -> str:
    return str(STATE_LABELS.get(State(code), code)) if code in STATE_CODES else code
