"""``setup_todo`` for the templates: the setup's unfinished steps for a person who may do them (``adopt_policy``),
else nothing. Lazy, so only a page that shows it (the dashboard's setup card) pays for working it out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.setup import steps


def _todo(request: HttpRequest) -> list[steps.Step]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    try:
        actor = Actor.staff(user, "web")
    except AccessDenied:
        return []
    if not permissions.holds(actor, permissions.ADOPT_POLICY):
        return []
    return steps.unfinished(runtime.policy(), timezone.localdate())


def setup_todo(request: HttpRequest) -> dict[str, Any]:
    return {"setup_todo": SimpleLazyObject(lambda: _todo(request))}
