"""Who handles a request, and staff's internal comments on it.

Assignment: a request is handed to one staff member who holds ``handle_requests`` (the inbox filters on it).
Comments: staff's own text about a request. Free text about a customer's request may name the customer or their
circumstances, so a comment is sealed under the request's key like the requester's details, dropped with them at
purge (``services.purge_due``), and refused when it holds a CPR or card number (R18). Both are request events and
audit entries with ids only — never the comment's text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.core import sealing
from persondata.core.access import decide_duty
from persondata.core.sensitive import check_free_text
from persondata.requests.models import Comment, Request
from persondata.requests.services import RequestError, record_step, refused, seal_for, unseal_for

COMMENT_MAX = 2000


def handlers() -> list[Any]:
    """The active staff logins whose roles hold ``handle_requests``, by login name (who a request can go to)."""
    policy = runtime.policy()
    users = get_user_model().objects.filter(is_active=True, staff__isnull=False).select_related("staff")
    return sorted(
        (u for u in users if decide_duty(policy, u.staff.roles, permissions.HANDLE_REQUESTS).allowed),
        key=lambda u: u.get_username(),
    )


def assign_handler(actor: Actor, request: Request, user_id: int | None, *, now: datetime) -> None:
    """Give ``request`` to the staff member ``user_id`` (None: to nobody). They must hold ``handle_requests``."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    if user_id is not None and user_id not in {u.pk for u in handlers()}:
        raise RequestError(
            "handler", gettext("Choose a staff member whose role handles customers' requests.")
        )
    if request.assigned_to_id == user_id:
        return
    request.assigned_to_id = user_id
    request.save(update_fields=["assigned_to"])
    record_step(request, "handler_assigned", actor, now, handler=user_id)


@dataclass(frozen=True, slots=True)
class ShownComment:
    at: datetime
    author: str
    text: str  # "" once the request's details were removed after the retention period


def add_comment(actor: Actor, request: Request, text: str, *, now: datetime) -> Comment:
    """An internal comment on ``request``, sealed; the audit entry and the event hold its id, never its text."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    text = text.strip()
    if not text:
        raise RequestError("text", gettext("Write the comment."))
    if len(text) > COMMENT_MAX:
        raise RequestError(
            "text", gettext("Shorten the comment to at most %(n)s characters.") % {"n": COMMENT_MAX}
        )
    if (refusal := check_free_text(text)) is not None:
        raise refused("text", refusal)
    comment = Comment(id=uuid.uuid4(), request=request, at=now, author_id=actor.user_id)
    comment.blob = seal_for(request, {"text": text}, sealing.request_part("comment", comment.id, request.id))
    comment.save()
    record_step(request, "comment_added", actor, now, comment=str(comment.id))
    return comment


def comments(actor: Actor, request: Request) -> list[ShownComment]:
    """The request's comments, oldest first, opened for whoever handles requests."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    out = []
    for c in request.comments.select_related("author"):
        text = ""
        if c.blob is not None and request.purged_at is None:
            context = sealing.request_part("comment", c.id, request.id)
            text = str(unseal_for(request, c.blob, context)["text"])
        out.append(ShownComment(c.at, c.author.get_username() if c.author else "", text))
    return out
