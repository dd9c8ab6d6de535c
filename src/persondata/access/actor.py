"""Who acts: one :class:`Actor` type, built once per web request, API call, command or job.

A staff member acts with their roles from the policy file, for a purpose, through a channel (``web``, ``api``,
``cli``). The system acts under a bare audit code (``job``, ``system``, ``public``, ``cli``) and holds no role: a
job does what the law asks of the company (the daily sweep), and the public form only files what a customer sends.
:func:`code_of` names either in the audit trail (``staff:12``, ``job``): never by a login name or a person's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from persondata import runtime
from persondata.access.errors import AccessDenied
from persondata.access.gate import require_declarations
from persondata.core.access import Decision, readable_categories, usable_purposes


def roles_of(user: Any) -> frozenset[str]:
    """The policy roles a login holds (none without a staff profile, or when not logged in)."""
    staff = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    return frozenset(staff.roles if staff is not None else ())


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    roles: frozenset[str]
    purpose: str
    channel: str  # web, api, cli, job, public

    @property
    def code(self) -> str:
        """The actor as the audit trail names it."""
        return staff_code(self.user_id)

    @classmethod
    def staff(cls, user: AbstractBaseUser | AnonymousUser, channel: str) -> Actor:
        """A logged-in staff member doing the company's own work (no customer data: no purpose, no gate)."""
        if not user.is_authenticated or not getattr(user, "is_active", False):
            raise AccessDenied("not logged in", "anonymous")
        return cls(int(user.pk), roles_of(user), "", channel)

    @classmethod
    def for_user(cls, user: AbstractBaseUser | AnonymousUser, purpose: str | None, channel: str) -> Actor:
        """A staff member about to read customer data for ``purpose`` (None: their first usable purpose).

        Refused for an undeclared or forbidden purpose, and until the current declarations are accepted (the gate,
        policy §12).
        """
        if not user.is_authenticated:
            raise AccessDenied("not logged in", "anonymous")
        policy = runtime.policy()
        if purpose is not None and purpose not in policy.purposes:
            if purpose in policy.forbidden_purposes:
                raise AccessDenied(
                    f"purpose '{purpose}' is forbidden by the policy: no marketing, no profiling",
                    "forbidden_purpose",
                    purpose,
                )
            # the text is fixed: an undeclared purpose is user input and is never repeated
            raise AccessDenied("the purpose is not declared in the policy file", "undeclared_purpose")
        require_declarations(user)
        roles = roles_of(user)
        if purpose is None:
            purposes = usable_purposes(policy, roles)
            if not purposes:
                raise AccessDenied(
                    "no role of the policy file gives this login access to customer data", "no_role"
                )
            purpose = purposes[0]
        return cls(int(user.pk), roles, purpose, channel)

    def categories(self) -> dict[str, Decision]:
        return readable_categories(runtime.policy(), self.roles, self.purpose)


def staff_code(user_id: int) -> str:
    """How the audit trail names a staff login (``staff:12``): by its id, never by a login or a person's name."""
    return f"staff:{user_id}"


def code_of(actor: Actor | str) -> str:
    """How the audit trail names an actor; a bare code (``job``, ``system``, ``staff:12``) is taken as it is."""
    return actor if isinstance(actor, str) else actor.code
