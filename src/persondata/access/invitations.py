"""Invitation links for new staff logins: the new member chooses their own first password.

``staff add`` (and the staff page's first-password option) makes a password that someone else sees once, so it must
be changed at the first login. An invitation avoids that: the login is made with no usable password, and the
controller hands the new member a link (``/staff/invitation/<token>/``, valid :data:`DAYS` days, once). Its page
asks for a new password (Django's validators) and then logs nothing in — the member logs in as usual. Only the
SHA-256 of the link's secret is stored; the access log masks it; the audit trail records the invitation, its use
and its replacement, never the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from persondata.access.models import Invitation, StaffProfile
from persondata.access.staff import Invalid, NotAllowed, may_manage_staff, staff_target
from persondata.audit.services import record

DAYS = 7


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(actor_user: Any, user: Any, now: datetime) -> str:
    """A new invitation for ``user`` (older ones stop working); returns the link's path, shown once."""
    if not may_manage_staff(actor_user):
        raise NotAllowed("only staff whose role has the duty 'manage_staff' may invite staff", "no_duty")
    if not user.is_active:
        raise Invalid("the login is deactivated", "inactive")
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=user,
        token_hash=_hash(token),
        created_at=now,
        created_by=staff_target(actor_user),
        expires_at=now + timedelta(days=DAYS),
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    StaffProfile.objects.filter(user=user).update(must_change_password=False)
    record(
        "staff.invitation",
        actor=staff_target(actor_user),
        target=staff_target(user),
        details={"days": DAYS},
        now=now,
    )
    return reverse("staff:invitation", args=[token])


def problem(token: str, now: datetime) -> str | None:
    """Why the link does not work (unknown, used, revoked, expired), or None."""
    return _problem_of(_find(token), now)


def _problem_of(found: Invitation | None, now: datetime) -> str | None:
    if found is None or not found.user.is_active:
        return "unknown"
    if found.used_at is not None:
        return "used"
    if found.revoked_at is not None:
        return "revoked"
    if found.expires_at <= now:
        return "expired"
    return None


def _find(token: str, *, lock: bool = False) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    query = Invitation.objects.select_related("user").filter(token_hash=_hash(token))
    return (query.select_for_update() if lock else query).first()


def accept(token: str, password: str, now: datetime) -> Any:
    """Set the invited login's password (it must pass the validators) and use the link; returns the login.
    The link is checked on its locked row, so two tabs cannot both use it."""
    invitation = _find(token, lock=True)
    why = _problem_of(invitation, now)
    if why is not None or invitation is None:
        raise Invalid(why or "unknown", why or "unknown")
    user = invitation.user
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), "weak_password") from None
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    record(
        "staff.invitation.accept", actor=staff_target(user), target=staff_target(user), details={}, now=now
    )
    return user
