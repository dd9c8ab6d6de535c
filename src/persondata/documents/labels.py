"""The words people read for the keys the software works with: one table, Danish and English.

Pages, letters and messages never show a key (``order_history``, ``awaiting_identity``, ``staff:1``). The policy
file's own keys take the labels the policy file gives them (purposes, categories, roles; a partner by its name);
the states, kinds and events of customers' requests, the kinds of their documents, channels and actors take the
labels below. A key without a label is shown as a readable stand-in (underscores as spaces), never as it is —
and the crawl test (tests/web/test_crawl.py) fails on any key a page still shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.core.requests import Event, Kind, State

STATES: dict[str, Promise] = {
    State.RECEIVED: _("Received"),
    State.AWAITING_IDENTITY: _("Awaiting identity check"),
    State.IN_PROGRESS: _("In progress"),
    State.ANSWERED: _("Answered"),
    State.REFUSED: _("Refused"),
    State.WITHDRAWN: _("Withdrawn"),
}
KINDS: dict[str, Promise] = {
    Kind.INFORMATION: _("Information"),
    Kind.ACCESS: _("Access"),
    Kind.RECTIFICATION: _("Rectification"),
    Kind.ERASURE: _("Erasure"),
    Kind.RESTRICTION: _("Restriction"),
    Kind.PORTABILITY: _("Portability"),
    Kind.OBJECTION: _("Objection"),
    Kind.OTHER: _("Other request"),
}
EVENTS: dict[str, Promise] = {
    "received": _("Received"),
    Event.ASK_IDENTITY: _("Identity check asked for"),
    Event.IDENTITY_CONFIRMED: _("Identity confirmed"),
    Event.START: _("Work started"),
    Event.ANSWER: _("Answered"),
    Event.REFUSE: _("Refused"),
    Event.WITHDRAW: _("Withdrawn by the customer"),
    Event.CONFIRM_NO_DATA: _("Confirmed that we hold no data"),
    "customer_assigned": _("Customer found in the register"),
    "matched": _("Matched with the register"),
    "extended": _("Deadline extended"),
    "extension_told": _("Customer told of the extension"),
    "refusal_told": _("Customer told of the refusal"),
    "document": _("Letter or file produced"),
    "document_read": _("Letter or file opened"),
    "partners_notified": _("Partners told"),
    "restricted": _("Processing restricted"),
    "restriction_lifted": _("Restriction lifted"),
    "lift_notice": _("Customer told that the restriction will be lifted"),
    "mail_failed": _("E-mail could not be sent"),
}
DOCUMENTS: dict[str, Promise] = {
    "letter": _("Letter"),
    "access_json": _("Copy of the data"),
    "access_csv": _("Copy of the data"),
    "portability_json": _("Data to take elsewhere"),
    "portability_csv": _("Data to take elsewhere"),
    "extension_letter": _("Letter about the extension"),
    "refusal_letter": _("Letter about the refusal"),
    "lift_notice": _("Letter about lifting the restriction"),
}
FORMATS: dict[str, str] = {"html": "HTML", "pdf": "PDF", "json": "JSON", "csv": "CSV", "md": "Markdown"}
CHANNELS: dict[str, Promise] = {
    "staff": _("registered by staff"),
    "public": _("the public form"),
    "api": _("the API"),
    "web": _("the staff app"),
    "cli": _("the command line"),
}
MATCHES: dict[str, Promise] = {
    "single": _("one customer matches"),
    "manual": _("chosen by staff"),
    "ambiguous": _("several customers match"),
    "none": _("no customer matches"),
    "pending": _("being matched"),
}
ACTORS: dict[str, Promise] = {
    "system": _("the system"),
    "job": _("a scheduled job"),
    "public": _("the customer"),
    "customer": _("the customer"),
}
SAFEGUARDS: dict[str, Promise] = {
    "adequacy": _("adequacy decision"),
    "scc": _("standard contractual clauses"),
    "bcr": _("binding corporate rules"),
}
LANGUAGE_NAMES: dict[str, Promise] = {"da": _("Danish"), "en": _("English")}


def readable(key: str) -> str:
    """The last resort for a key without a label: words, not a key."""
    return str(key).replace("_", " ")


def _policy_text(section: Mapping[str, Any], key: str) -> str:
    item = section.get(key)
    return item.label.get(runtime.language()) if item is not None else readable(key)


def purpose(key: str) -> str:
    return _policy_text(runtime.policy().purposes, key) if key else ""


def category(key: str) -> str:
    return _policy_text(runtime.policy().categories, key)


def categories(keys: Any) -> str:
    return ", ".join(category(k) for k in keys)


def role(key: str) -> str:
    return _policy_text(runtime.policy().roles, key)


def partner(key: str) -> str:
    """A partner by its name in the policy file (its service while the name is still a placeholder)."""
    for p in runtime.policy().partners:
        if p.key == key:
            return p.service.get(runtime.language()).rstrip(".") if p.name.startswith("<<") else p.name
    return readable(key)


def of(table: dict[str, Any], key: str) -> str:
    return str(table[key]) if key in table else readable(key)


def document(kind: str, fmt: str, language: str) -> str:
    """``letter (html, da)`` → ``Letter · HTML · Danish``."""
    return " · ".join((of(DOCUMENTS, kind), FORMATS.get(fmt, fmt.upper()), of(LANGUAGE_NAMES, language)))


def actor(code: str) -> str:
    """``staff:12`` → the staff member's login name; ``system`` → "the system"."""
    kind, _sep, ident = str(code).partition(":")
    if kind in ("staff", "cli", "api", "web") and ident.isdigit():
        name = get_user_model().objects.filter(pk=int(ident)).values_list("username", flat=True).first()
        return str(name) if name else str(_("a former staff member"))
    return of(ACTORS, kind) if kind in ACTORS else readable(kind)


def days_left(n: int) -> str:
    """A deadline in words: ``22 dage tilbage`` / ``22 days left``; past it, ``4 dage over fristen`` /
    ``4 days overdue`` (never a negative count)."""
    if n < 0:
        return ngettext("%(n)d day overdue", "%(n)d days overdue", -n) % {"n": -n}
    if n == 0:
        return gettext("due today")
    return ngettext("%(n)d day left", "%(n)d days left", n) % {"n": n}
