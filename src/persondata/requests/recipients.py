"""Telling the recipients of a change (GDPR Art. 19, RULES R11), and who received a customer's data (Art. 15(1)(c)):
hooks the partners app fills.

Answering a rectification, an erasure or a restriction must tell every partner that received the data concerned.
The partners' notices need the requests (a notice belongs to a request and is sealed with its key), so the
partners sit above the requests: the requests call :func:`tell`, and ``persondata.partners`` registers the teller
in its ``AppConfig.ready()``. Without one, telling fails loudly — a silent no-op would break R11.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from persondata.access.actor import Actor

if TYPE_CHECKING:
    from persondata.requests.models import Request

#: (request, action, now=, changes=, actor=) → the (partner key, how told) pairs
Teller = Callable[..., Iterable[tuple[str, str]]]
_tellers: dict[str, Teller] = {}


def register(name: str, teller: Teller) -> None:
    """Register a teller under ``name`` (registering again replaces it: ``ready()`` may run twice in tests)."""
    _tellers[name] = teller


def tell(
    request: Request, action: str, *, now: datetime, changes: dict[str, Any] | None, actor: Actor | str
) -> list[tuple[str, str]]:
    if not _tellers:
        raise ImproperlyConfigured(
            "no app tells the partners of a change (RULES R11): install persondata.partners"
        )
    told: list[tuple[str, str]] = []
    for teller in _tellers.values():
        told.extend(teller(request, action, now=now, changes=changes, actor=actor))
    return told


# -- who received this customer's data (Art. 15(1)(c), Art. 19) -------------------------------------------------
#: customer id → {partner key: the categories it received}, or None while no disclosure has been recorded
Disclosed = Callable[[uuid.UUID], "dict[str, frozenset[str]] | None"]
_disclosed: dict[str, Disclosed] = {}


def register_disclosures(name: str, source: Disclosed) -> None:
    """Register where the records of disclosures come from (``persondata.partners``, in its ``ready()``)."""
    _disclosed[name] = source


def received_by(customer_id: uuid.UUID) -> dict[str, frozenset[str]] | None:
    """The partners that received this customer's data, by the records; None when nothing is recorded (then the
    answers name the policy file's general list: the recipients to whom data "will be disclosed")."""
    answers = [found for source in _disclosed.values() if (found := source(customer_id)) is not None]
    if not answers:
        return None
    merged: dict[str, frozenset[str]] = {}
    for found in answers:
        for key, categories in found.items():
            merged[key] = merged.get(key, frozenset()) | categories
    return merged
