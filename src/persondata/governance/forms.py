"""The breach form: one form to register a breach and to keep it up to date (Art. 33–34).

Times are entered in Danish time (the browser's ``datetime-local``), stored in UTC."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.documents.templatetags.formats import page_language
from persondata.governance.breaches import MAX_TEXT
from persondata.governance.models import RISK, RISK_HIGH, RISK_UNLIKELY

KIND_LABELS = {
    "confidentiality": _("Confidentiality (data seen or taken by someone not entitled to it)"),
    "integrity": _("Integrity (data changed without authority)"),
    "availability": _("Availability (data lost or out of reach)"),
}
RISK_LABELS = {
    RISK_UNLIKELY: _("Unlikely to result in a risk to the customers (not notified; reasons below)"),
    RISK: _("A risk to the customers (notify Datatilsynet)"),
    RISK_HIGH: _("A high risk to the customers (notify Datatilsynet and tell the customers)"),
}


class _When(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _text(label: Any, rows: int = 3, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows, "autocomplete": "off"}),
    )


class BreachForm(forms.Form):
    discovered_at = forms.DateTimeField(label=_("Discovered (Danish time)"), widget=_When())
    occurred_at = forms.DateTimeField(label=_("Occurred, if known"), required=False, widget=_When())
    nature = _text(_("What happened (never a CPR number)"), 4, required=True)
    kinds = forms.MultipleChoiceField(
        label=_("Kind of breach"),
        choices=list(KIND_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories of data affected"), required=False, widget=forms.CheckboxSelectMultiple
    )
    customers_affected = forms.IntegerField(label=_("Customers affected (approx.)"), min_value=0, initial=0)
    records_affected = forms.IntegerField(label=_("Records affected (approx.)"), min_value=0, initial=0)
    consequences = _text(_("Likely consequences for the customers"))
    measures_taken = _text(_("Measures taken"))
    measures_planned = _text(_("Measures planned"))
    risk = forms.ChoiceField(
        label=_("Risk to the customers"), choices=list(RISK_LABELS.items()), initial=RISK
    )
    notified_at = forms.DateTimeField(
        label=_("Notified to Datatilsynet (Danish time)"), required=False, widget=_When()
    )
    authority_reference = forms.CharField(
        label=_("Datatilsynet's case number"), required=False, max_length=60
    )
    delay_reason = _text(_("Reasons for notifying after 72 hours"))
    not_notified_reason = _text(_("Why it is unlikely to result in a risk (not notified)"))
    customers_told_at = forms.DateTimeField(
        label=_("Customers told (Danish time)"), required=False, widget=_When()
    )
    customers_not_told_reason = _text(_("Why the customers are not told (Art. 34(3))"))
    letter_da = _text(_("The letter to the customers, in Danish"), 6)
    letter_en = _text(_("The letter to the customers, in English"), 6)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = page_language()
        cast(forms.MultipleChoiceField, self.fields["categories"]).choices = [
            (key, c.label.get(lang) or key) for key, c in runtime.policy().categories.items()
        ]
