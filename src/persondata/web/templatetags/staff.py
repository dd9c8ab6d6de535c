"""Template helpers of the staff pages: amounts in kroner and translated labels of stored codes."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from persondata.register.services import format_ore

register = template.Library()
NBSP = "\u00a0"

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
}
_FINDING_SEVERITY = {
    "error": _("Must be fixed"),
    "warning": _("Should be fixed"),
    "info": _("For your information"),
}


@register.simple_tag
def money(amount_ore: int | None, currency: str = "DKK") -> str:
    """``1.234,50 kr.`` in Danish, ``DKK 1,234.50`` in English (amounts are stored in øre)."""
    if amount_ore is None:
        return ""
    kroner, ore = format_ore(int(amount_ore)).rsplit(".", 1)  # thousands are separated by a no-break space
    if (get_language() or "da").startswith("da"):
        text = f"{kroner.replace(NBSP, '.')},{ore}"
        return f"{text}{NBSP}kr." if currency == "DKK" else f"{text}{NBSP}{currency}"
    return f"{currency}{NBSP}{kroner.replace(NBSP, ',')}.{ore}"


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
