"""The declarations gate (policy §12): no customer data for a staff member until they have accepted the current
version of the confidentiality declaration and of the guidance on secure processing.

:meth:`persondata.access.actor.Actor.for_user` asks it before every read of customer data.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext, gettext_lazy

from persondata import rawsql
from persondata.access.errors import AccessDenied
from persondata.access.models import KINDS, Acknowledgement, PolicyText

_NAMES = {
    "confidentiality": gettext_lazy("confidentiality declaration"),
    "guidance": gettext_lazy("guidance on secure processing"),
}


def current_versions() -> QuerySet[PolicyText]:
    newer = PolicyText.objects.filter(kind=OuterRef("kind"), version__gt=OuterRef("version"))
    return PolicyText.objects.filter(~Exists(newer))


def _in_kind_order(texts: Iterable[PolicyText]) -> list[PolicyText]:
    return sorted(texts, key=lambda t: KINDS.index(t.kind))


def current_texts() -> list[PolicyText]:
    """The current (highest) version of each kind that has been published, in reading order. One query."""
    return _in_kind_order(current_versions())


def missing_acknowledgements(user: Any) -> list[PolicyText]:
    """THE GATE: the current texts ``user`` has not acknowledged, in reading order; ``[]`` means the gate is open.

    One query (the current version of each kind, without an acknowledgement by this user), so it is cheap
    enough to ask on every read of customer data. A kind of which no text was ever published has nothing to
    acknowledge: ``persondata init`` publishes version 1 of both (:func:`ensure_default_texts`).
    An anonymous user has acknowledged nothing.
    """
    if not user.is_authenticated:
        return current_texts()
    acknowledged = Acknowledgement.objects.filter(user_id=user.pk, text_id=OuterRef("pk"))
    return _in_kind_order(current_versions().filter(~Exists(acknowledged)))


#: the logins whose gate was found open in this web request or API call (:func:`request_scope`); None outside one
_open_in_request: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("gate_open", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """One request: the gate is asked of the database once per login, not once per :meth:`Actor.for_user`.

    A staff page builds its actor, and a panel of it may ask again; an API call asks in its permission check and
    again in the step. Only an *open* gate is remembered, and only until the request ends: a text published in
    the same request forgets it (:func:`forget_open`), and nothing outlives the request (a CLI command or a job
    is never inside a scope and asks every time).
    """
    token = _open_in_request.set(set())
    try:
        yield
    finally:
        _open_in_request.reset(token)


def forget_open() -> None:
    """A new version of a text was published: every gate of this request is asked again."""
    remembered = _open_in_request.get()
    if remembered is not None:
        remembered.clear()


#: the gate's question as one SQL text, asked on every read of customer data: the kinds of the current texts this
#: login has not acknowledged. The same question as :func:`missing_acknowledgements`, without building the ORM's
#: query, which cost more than the read's own queries (issue 17).
_MISSING_KINDS = (
    "SELECT t.kind FROM staff_policy_text t"
    " WHERE NOT EXISTS (SELECT 1 FROM staff_policy_text n WHERE n.kind = t.kind AND n.version > t.version)"
    " AND NOT EXISTS (SELECT 1 FROM staff_acknowledgement a WHERE a.text_id = t.id AND a.user_id = %s)"
)


def require_declarations(user: Any) -> None:
    """Refuse (:class:`AccessDenied`, code ``declarations_missing``) while a current text is not accepted."""
    remembered = _open_in_request.get()
    if remembered is not None and user.is_authenticated and user.pk in remembered:
        return
    if user.is_authenticated:
        missing = sorted((kind for (kind,) in rawsql.fetch(_MISSING_KINDS, [user.pk])), key=KINDS.index)
    else:
        missing = [t.kind for t in current_texts()]
    if not missing and remembered is not None and user.is_authenticated:
        remembered.add(user.pk)
    if missing:
        raise AccessDenied(
            gettext(
                "You have not yet accepted the current %(texts)s. Read and accept them on the page Declarations "
                "(/staff/declarations/), or with the command 'persondata staff accept'."
            )
            % {"texts": gettext(" and the ").join(str(_NAMES.get(kind, kind)) for kind in missing)},
            "declarations_missing",
        )


class GateScopeMiddleware:
    """Every web request and API call runs in its own :func:`request_scope`."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with request_scope():
            return self.get_response(request)
