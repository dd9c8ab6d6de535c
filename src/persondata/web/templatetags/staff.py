"""Template helpers of the staff pages: translated labels of stored codes (amounts: the ``formats`` library)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.access.actor import roles_of
from persondata.core.access import decide_duty

register = template.Library()

_METHODS = {
    "card": _("Card"),
    "transfer": _("Bank transfer"),
    "mobilepay": _("MobilePay"),
    "cash": _("Cash"),
    "invoice": _("Invoice"),
    "other": _("Other"),
}
_AGREEMENT_KINDS = {"oral": _("Oral"), "written": _("Written")}
_IMPORT_STATUS = {
    "running": _("Running"),
    "done": _("Done"),
    "rejected": _("Rejected"),
    "failed": _("Failed"),
    "interrupted": _("Interrupted"),
}
_FINDING_SEVERITY = {
    "error": _("Must be fixed"),
    "warning": _("Should be fixed"),
    "info": _("For your information"),
}


@register.filter
def payment_method(code: str) -> str:
    return str(_METHODS.get(code, code))


@register.filter
def agreement_kind(code: str) -> str:
    return str(_AGREEMENT_KINDS.get(code, code))


@register.filter
def import_status(code: str) -> str:
    return str(_IMPORT_STATUS.get(code, code))


@register.filter
def finding_severity(code: str) -> str:
    return str(_FINDING_SEVERITY.get(code, code))


@register.filter
def holds_duty(user: Any, duty: str) -> bool:
    """Whether the login's roles hold ``duty`` in the policy file: the menu shows only the pages it may open."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and decide_duty(runtime.policy(), roles_of(user), duty).allowed
    )
