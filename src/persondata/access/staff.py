"""Staff logins, their roles, and their declarations (policy [12]: need to know, confidentiality declarations,
guidance on secure processing).

Plain functions taking the acting user and ``now``; the entry point (a request, a command) opens the
transaction, and every change writes one audit entry in it. Audit entries name staff by user id only
(``staff:12``), never by login name, name or e-mail.

The gate itself — no customer data until the current texts are accepted — is :mod:`persondata.access.gate`.
Only a staff member whose role has the duty ``manage_staff`` may manage logins, roles and texts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from persondata import runtime
from persondata.access import gate, permissions
from persondata.access.actor import Actor, staff_code
from persondata.access.default_texts import DEFAULT_TEXTS
from persondata.access.errors import AccessDenied
from persondata.access.gate import current_texts, current_versions
from persondata.access.models import KINDS, Acknowledgement, PolicyText, StaffProfile
from persondata.audit.services import record
from persondata.core.access import decide_duty

USERNAME_MAX = 150
TITLE_MAX = 200
BODY_MAX = 20_000


class NotAllowed(AccessDenied):
    """The acting user may not do this; ``reason`` says why (shown to them, never holds personal data).

    ``code`` names the rule, so that a page can say it in the reader's language.
    """

    def __init__(self, reason: str, code: str = "not_allowed") -> None:
        super().__init__(reason, code)


class Invalid(ValueError):
    """The input is not acceptable; the message says what to do instead, ``code`` names the problem."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


# -- who is who ------------------------------------------------------------------------------------------------
def roles_of(user: Any) -> list[str]:
    staff = getattr(user, "staff", None)  # a user without a StaffProfile has no roles
    return list(staff.roles) if staff is not None else []


def _may_manage(roles: Iterable[str]) -> bool:
    return decide_duty(runtime.policy(), roles, permissions.MANAGE_STAFF).allowed


def may_manage_staff(user: Any) -> bool:
    """The named permission ``manage_staff`` (:mod:`persondata.access.permissions`), for an active login."""
    return bool(user.is_authenticated and user.is_active) and _may_manage(roles_of(user))


def _require_manager(actor_user: Any) -> None:
    if not may_manage_staff(actor_user):
        raise NotAllowed(
            "only staff whose role has the duty 'manage_staff' may manage staff and declarations "
            "(the data controller in the shipped policy)",
            "no_duty",
        )


def require_manager(user: Any, channel: str) -> None:
    """Refuse (:class:`AccessDenied`, code ``no_duty``) unless ``user`` holds the named permission ``manage_staff``;
    each interface audits the refusal on its one path."""
    permissions.require(Actor.staff(user, channel), permissions.MANAGE_STAFF)


def _actor(user: Any) -> str:
    return staff_code(user.pk)


def staff_target(user: Any) -> str:
    return staff_code(user.pk)


def valid_roles(roles: Iterable[str]) -> list[str]:
    """The roles, checked against the policy file, without repeats, in the policy file's order."""
    policy_roles = list(runtime.policy().roles)
    wanted = {r.strip() for r in roles}
    unknown = sorted(wanted - set(policy_roles))
    if unknown:
        names = ", ".join(f"'{r}'" for r in unknown)
        allowed = ", ".join(policy_roles)
        noun = "role" if len(unknown) == 1 else "roles"
        raise Invalid(f"unknown {noun} {names}: the policy file's roles are {allowed}", "unknown_role")
    return [r for r in policy_roles if r in wanted]


def active_staff(username: str) -> Any | None:
    return get_user_model().objects.select_related("staff").filter(username=username, is_active=True).first()


def staff_member(user_id: int) -> Any | None:
    """Any login (active or not) by id, with its roles."""
    return get_user_model().objects.select_related("staff").filter(pk=user_id).first()


# -- the texts -------------------------------------------------------------------------------------------------
def acknowledge(user: Any, text: PolicyText, now: datetime) -> Acknowledgement:
    """``user`` has read and accepts ``text``. Only the current version can be acknowledged; twice is once."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed("only an active staff login can acknowledge a text", "inactive")
    if current_versions().filter(pk=text.pk).first() is None:
        raise Invalid(
            "this version has been replaced by a newer one: read and acknowledge the current version",
            "replaced",
        )
    existing = Acknowledgement.objects.filter(user_id=user.pk, text=text).first()
    if existing is not None:
        return existing
    ack = Acknowledgement.objects.create(user_id=user.pk, text=text, acknowledged_at=now)
    record(
        "declaration.acknowledge",
        actor=_actor(user),
        target=staff_target(user),
        details={"kind": text.kind, "version": text.version},
        now=now,
    )
    return ack


def _check_text(kind: str, title_da: str, title_en: str, body_da: str, body_en: str) -> None:
    if kind not in KINDS:
        raise Invalid(f"unknown kind of text '{kind}': use one of {', '.join(KINDS)}", "kind")
    for name, value, limit in (
        ("title_da", title_da, TITLE_MAX),
        ("title_en", title_en, TITLE_MAX),
        ("body_da", body_da, BODY_MAX),
        ("body_en", body_en, BODY_MAX),
    ):
        if not value.strip():
            raise Invalid(f"{name} is empty: every text is published in Danish and English", "text_empty")
        if len(value) > limit:
            raise Invalid(f"{name} is longer than {limit} characters", "text_long")


def _publish(actor: str, by: Any | None, kind: str, texts: dict[str, str], now: datetime) -> PolicyText:
    latest = (
        PolicyText.objects.filter(kind=kind).order_by("-version").values_list("version", flat=True).first()
    )
    text = PolicyText.objects.create(
        kind=kind,
        version=(latest or 0) + 1,
        title_da=texts["title_da"].strip(),
        title_en=texts["title_en"].strip(),
        body_da=texts["body_da"].strip(),
        body_en=texts["body_en"].strip(),
        published_at=now,
        published_by=by,
    )
    gate.forget_open()  # a gate found open earlier in this request is closed again for everyone
    record(
        "declaration.publish",
        actor=actor,
        target=f"declaration:{kind}",
        details={"kind": kind, "version": text.version},
        now=now,
    )
    return text


def publish_text(
    actor_user: Any,
    kind: str,
    *,
    title_da: str,
    title_en: str,
    body_da: str,
    body_en: str,
    now: datetime,
) -> PolicyText:
    """Publish the next version of a text. Everyone, the publisher included, must acknowledge it again."""
    _require_manager(actor_user)
    _check_text(kind, title_da, title_en, body_da, body_en)
    texts = {"title_da": title_da, "title_en": title_en, "body_da": body_da, "body_en": body_en}
    return _publish(_actor(actor_user), actor_user, kind, texts, now)


def ensure_default_texts(now: datetime) -> list[PolicyText]:
    """Publish version 1 of each kind that has no text yet (the wording of ``default_texts``); idempotent.

    Returns the texts it published. Called by ``persondata init``.
    """
    have = set(PolicyText.objects.values_list("kind", flat=True).distinct())
    return [_publish("system", None, kind, DEFAULT_TEXTS[kind], now) for kind in KINDS if kind not in have]


# -- managing staff --------------------------------------------------------------------------------------------
def _check_username(username: str) -> str:
    username = username.strip()
    if not username:
        raise Invalid("the login name is empty", "username_empty")
    if len(username) > USERNAME_MAX:
        raise Invalid(f"the login name is longer than {USERNAME_MAX} characters", "username_long")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise Invalid(
            "a login name may hold letters, digits and @ . + - _ only (no spaces)", "username_chars"
        ) from None
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise Invalid(
            "that login name is taken (perhaps by a deactivated login): choose another", "username_taken"
        )
    return username


def new_password() -> str:
    """16 random URL-safe characters (96 bits): shown once, to be changed at the first login."""
    return secrets.token_urlsafe(12)


def create_staff(actor_user: Any, username: str, roles: Iterable[str], now: datetime) -> tuple[Any, str]:
    """Create an active login with the given policy roles; returns it and its initial password (shown once)."""
    _require_manager(actor_user)
    role_list = valid_roles(roles)
    if not role_list:
        raise Invalid(f"give the login at least one role: {', '.join(runtime.policy().roles)}", "no_role")
    username = _check_username(username)
    password = new_password()
    user = get_user_model().objects.create_user(username, password=password)
    StaffProfile.objects.create(user=user, roles=role_list, must_change_password=True)
    record(
        "staff.create",
        actor=_actor(actor_user),
        target=staff_target(user),
        details={"roles": role_list},
        now=now,
    )
    return user, password


def _other_active_controllers(user: Any) -> bool:
    # A company has a handful of staff: reading their roles beats a JSON query that differs between databases.
    profiles = StaffProfile.objects.filter(user__is_active=True).exclude(user_id=user.pk)
    return any(_may_manage(p.roles) for p in profiles.only("roles"))


def _keep_a_controller(user: Any, action: str) -> None:
    # Without an active controller nobody could manage staff or publish texts again from the app.
    if _may_manage(roles_of(user)) and user.is_active and not _other_active_controllers(user):
        raise NotAllowed(
            f"{action} would leave no active staff who may manage staff (the duty 'manage_staff')",
            "last_controller",
        )


def set_roles(actor_user: Any, user: Any, roles: Iterable[str], now: datetime) -> list[str]:
    """Replace the login's roles. No roles at all is allowed: the login then reads no customer data."""
    _require_manager(actor_user)
    new = valid_roles(roles)
    old = roles_of(user)
    if not user.is_active:
        raise Invalid("the login is deactivated", "deactivated")
    if not _may_manage(new):
        _keep_a_controller(user, "removing the role")
    if new == old:
        return new
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.roles = new
    profile.save(update_fields=["roles"])
    user.staff = profile
    record(
        "staff.roles.change",
        actor=_actor(actor_user),
        target=staff_target(user),
        details={"old": old, "new": new},
        now=now,
    )
    return new


def deactivate(actor_user: Any, user: Any, now: datetime) -> None:
    """End a login: it can no longer log in, its sessions and API tokens stop working. Its history stays."""
    _require_manager(actor_user)
    if not user.is_active:
        return
    if user.pk == actor_user.pk:
        raise NotAllowed("you cannot deactivate your own login: ask another controller", "own_login")
    _keep_a_controller(user, "deactivating this login")
    user.is_active = False
    user.save(update_fields=["is_active"])
    record("staff.deactivate", actor=_actor(actor_user), target=staff_target(user), details={}, now=now)


def reset_password(actor_user: Any, user: Any, now: datetime) -> str:
    """Give the login a new random password (shown once) and end its sessions."""
    _require_manager(actor_user)
    if not user.is_active:
        raise Invalid("the login is deactivated", "deactivated")
    password = new_password()
    user.set_password(password)  # changes the session hash: the login's open sessions end
    user.save(update_fields=["password"])
    StaffProfile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    record("staff.password.reset", actor=_actor(actor_user), target=staff_target(user), details={}, now=now)
    return password


def unlock(actor_user: Any, user: Any, now: datetime) -> int:
    """Lift a login's lockout after failed logins before the waiting time is over (the controller vouches)."""
    from persondata.access.account import unlock as axes_unlock

    _require_manager(actor_user)
    removed = axes_unlock(user.get_username())
    record(
        "staff.unlock",
        actor=_actor(actor_user),
        target=staff_target(user),
        details={"records": removed},
        now=now,
    )
    return removed


def reset_second_factor(actor_user: Any, user: Any, now: datetime) -> int:
    """Remove a login's TOTP devices (a lost phone); the staff member enrols again under Security."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_manager(actor_user)
    removed, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
    record(
        "otp.reset",
        actor=_actor(actor_user),
        target=staff_target(user),
        details={"devices": removed},
        now=now,
    )
    return int(removed)


def change_own_password(user: Any, old_password: str, new_password: str, now: datetime) -> None:
    """A staff member replaces their own password (e.g. the initial one); the new one must pass the validators."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed("only an active staff login can change its password", "inactive")
    if not user.check_password(old_password):
        raise Invalid("the current password is not right", "wrong_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), "weak_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    StaffProfile.objects.filter(user=user).update(must_change_password=False)
    record("staff.password.change", actor=_actor(user), target=staff_target(user), details={}, now=now)


# -- the overview ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TextStatus:
    kind: str
    version: int
    acknowledged_at: datetime | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    user_id: int
    username: str
    roles: tuple[str, ...]
    texts: tuple[TextStatus, ...]

    @property
    def missing(self) -> tuple[TextStatus, ...]:
        return tuple(t for t in self.texts if not t.acknowledged)

    @property
    def complete(self) -> bool:
        return not self.missing


def compliance_overview() -> list[ComplianceRow]:
    """Per active login (by login name): its roles and, for each current text, when it was acknowledged.

    Three queries whatever the number of staff. Login names are for the controller's screen only; they never go
    into the audit log.
    """
    texts = current_texts()
    users = list(get_user_model().objects.select_related("staff").filter(is_active=True).order_by("username"))
    acks = {
        (user_id, text_id): at
        for user_id, text_id, at in Acknowledgement.objects.filter(
            text__in=[t.pk for t in texts], user__is_active=True
        ).values_list("user_id", "text_id", "acknowledged_at")
    }
    return [
        ComplianceRow(
            user_id=u.pk,
            username=u.get_username(),
            roles=tuple(roles_of(u)),
            texts=tuple(TextStatus(t.kind, t.version, acks.get((u.pk, t.pk))) for t in texts),
        )
        for u in users
    ]


def deactivated_staff() -> list[Any]:
    return list(get_user_model().objects.filter(is_active=False).order_by("username"))
