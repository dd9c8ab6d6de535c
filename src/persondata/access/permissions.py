"""Named permissions: what a staff member may do on the company's own side of the policy, each checked by name.

A permission is a *duty* a role of the policy file holds (``[roles.<key>] duties``; the list and its meanings are
:data:`persondata.core.policy.DUTIES`). Every capability checks a duty by its name here — never by a stand-in such
as "may change contact data for rights_requests". Reading and changing customer data is the other kind of
decision, category × purpose, made by :func:`persondata.core.access.decide` through :class:`Actor.categories`.

A decision is a value with a reason (:class:`Decision`); :func:`require` turns a refusal into
:class:`AccessDenied`, which each interface turns into its 403 once (:mod:`persondata.access.refusal`), audited.
"""

from __future__ import annotations

from typing import Any, Final

from django.utils.translation import gettext, gettext_lazy

from persondata import runtime
from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.core.access import Decision, decide_duty

HANDLE_REQUESTS: Final = "handle_requests"
MANAGE_RETENTION: Final = "manage_retention"
MANAGE_STAFF: Final = "manage_staff"
MANAGE_PARTNERS: Final = "manage_partners"
READ_ACCESS_LOG: Final = "read_access_log"
MANAGE_BREACHES: Final = "manage_breaches"
ADOPT_POLICY: Final = "adopt_policy"
RUN_CONTROL: Final = "run_control"
MANAGE_SYSTEMS: Final = "manage_systems"
MANAGE_BACKUPS: Final = "manage_backups"

#: The purpose of the policy file under which the company's own work — requests, deletion, partners, the access
#: log — reads customer data: handling customers' rights.
DUTY_PURPOSE: Final = "rights_requests"

#: Each duty in words, for the refusal a staff member reads (in their language).
LABELS: Final = {
    HANDLE_REQUESTS: gettext_lazy("handle customers' requests"),
    MANAGE_RETENTION: gettext_lazy("manage deletion on time and legal holds"),
    MANAGE_STAFF: gettext_lazy("manage staff logins, roles and declarations"),
    MANAGE_PARTNERS: gettext_lazy("manage the partners: webhooks and processor agreements"),
    READ_ACCESS_LOG: gettext_lazy("read the access log"),
    MANAGE_BREACHES: gettext_lazy("keep the breach register"),
    ADOPT_POLICY: gettext_lazy("record the adoption of the policy"),
    RUN_CONTROL: gettext_lazy("carry out the half-yearly control"),
    MANAGE_SYSTEMS: gettext_lazy("keep the IT systems and their risk assessments"),
    MANAGE_BACKUPS: gettext_lazy("back up and restore the database and the key store"),
}


def check(actor: Actor, duty: str) -> Decision:
    """May ``actor`` do ``duty``? (The system's own jobs act by law, not by role, and are never asked.)"""
    if duty not in LABELS:
        raise ValueError(f"unknown permission {duty!r}")
    return decide_duty(runtime.policy(), actor.roles, duty)


def holds(actor: Actor, duty: str) -> bool:
    return check(actor, duty).allowed


def require(actor: Actor, duty: str) -> None:
    """Refuse with :class:`AccessDenied` (code ``no_duty``) unless ``actor`` holds ``duty``; the reason is in the
    active language and names the duty, never a customer."""
    if not check(actor, duty):
        raise AccessDenied(
            gettext(
                "You may not %(what)s: none of your roles has the duty “%(duty)s” in the policy file. "
                "The data controller can give it to one of your roles."
            )
            % {"what": LABELS[duty], "duty": duty},
            "no_duty",
            actor.purpose or None,
        )


def actor_for(user: Any, duty: str, channel: str, *, customer_data: bool = True) -> Actor:
    """The logged-in staff member as the actor doing ``duty`` through ``channel`` (``web``, ``api``, ``cli``).

    Built once per page, call or command: refused with :class:`AccessDenied` when not logged in, unless one of their
    roles holds ``duty``, and — where the work shows customers' data (``customer_data``) — until the current
    declarations are accepted (the gate). The company's own records (the breach register, the control, the policy's
    adoption, the IT systems) show no customer's data: for them ``customer_data=False``, no purpose and no gate.
    """
    actor = Actor.for_user(user, DUTY_PURPOSE, channel) if customer_data else Actor.staff(user, channel)
    require(actor, duty)
    return actor
