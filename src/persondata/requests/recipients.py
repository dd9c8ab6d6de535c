"""Telling the recipients of a change (GDPR Art. 19, RULES R11): a hook the partners app fills.

Answering a rectification, an erasure or a restriction must tell every partner that received the data concerned.
The partners' notices need the requests (a notice belongs to a request and is sealed with its key), so the
partners sit above the requests: the requests call :func:`tell`, and ``persondata.partners`` registers the teller
in its ``AppConfig.ready()``. Without one, telling fails loudly — a silent no-op would break R11.
"""

from __future__ import annotations

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
