"""Who runs a CLI command: the staff login given with ``--user`` (or ``PERSONDATA_USER``), as an actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.access.refusal import WORDS, record_refusal
from persondata.cli import CommandError


def staff_user(login: str | None) -> Any:
    if not login:
        raise CommandError(
            _("say who you are with --user LOGIN (or set PERSONDATA_USER); every read is logged")
        )
    user = get_user_model().objects.filter(username=login, is_active=True).first()
    if user is None:
        raise CommandError(no_login(login))
    return user


@contextmanager
def refusals(user_id: int) -> Iterator[None]:
    """A refused read is audited (RULES R19) and ends the command with exit code 3."""
    try:
        yield
    except AccessDenied as exc:
        record_refusal(user_id, exc, "cli", timezone.now())
        raise CommandError(refusal_words(exc), 3) from exc


def refusal_words(exc: AccessDenied) -> str:
    """The refusal as a person reads it, in their language (the web's 403 page says the same)."""
    return str(WORDS[exc.code]) if exc.code in WORDS else exc.reason


def no_login(login: str) -> str:
    return _("no active staff login named %(login)s") % {"login": repr(login)}


def staff_actor(login: str | None, purpose: str | None) -> Actor:
    user = staff_user(login)
    with refusals(user.pk):
        return Actor.for_user(user, purpose, "cli")


def duty_actor(login: str | None, duty: str, *, customer_data: bool = True) -> Actor:
    """The staff member running the command, refused (exit code 3, audited) unless a role holds ``duty``
    (:func:`persondata.access.permissions.actor_for`)."""
    user = staff_user(login)
    with refusals(user.pk):
        return permissions.actor_for(user, duty, "cli", customer_data=customer_data)
