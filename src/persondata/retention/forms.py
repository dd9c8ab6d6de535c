"""The legal-hold form of the retention page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata.retention.holds import MAX_REASON_CHARS


class HoldForm(forms.Form):
    customer = forms.UUIDField(  # enhanced by the type-ahead customer picker (web/static/web/typeahead.js)
        label=_("Customer (id)"),
        widget=forms.TextInput(
            attrs={"data-customer-picker": "", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    record = forms.UUIDField(
        label=_("Only this record (id of an order, agreement, invoice or payment; optional)"), required=False
    )
    reason = forms.CharField(
        label=_("Reason (e.g. the case it concerns; never a CPR number)"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    ends_on = forms.DateField(label=_("Held through"), widget=forms.DateInput(attrs={"type": "date"}))
