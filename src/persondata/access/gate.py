"""The declarations gate (policy §12): no customer data for a staff member until they have accepted the current
version of the confidentiality declaration and of the guidance on secure processing.

:meth:`persondata.access.actor.Actor.for_user` asks it before every read of customer data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext, gettext_lazy

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


def require_declarations(user: Any) -> None:
    """Refuse (:class:`AccessDenied`, code ``declarations_missing``) while a current text is not accepted."""
    missing = missing_acknowledgements(user)
    if missing:
        raise AccessDenied(
            gettext(
                "You have not yet accepted the current %(texts)s. Read and accept them on the page Declarations "
                "(/staff/declarations/), or with the command 'persondata staff accept'."
            )
            % {"texts": gettext(" and the ").join(str(_NAMES.get(t.kind, t.kind)) for t in missing)},
            "declarations_missing",
        )
