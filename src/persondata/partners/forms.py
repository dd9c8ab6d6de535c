"""The forms of the partners page: an endpoint's settings, and ticking a notice off."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.partners.services import MAX_NOTE
from persondata.partners.webhooks import MAX_SECRET


class EndpointForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"))
    url = forms.CharField(
        label=_("Webhook address (https://)"),
        max_length=500,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_(
            "Signing secret (leave empty to keep the current one, or to get a new one for a new endpoint)"
        ),
        required=False,
        max_length=MAX_SECRET,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
    new_secret = forms.BooleanField(label=_("Make a new secret (shown once)"), required=False)
    enabled = forms.BooleanField(label=_("Send notices to this endpoint"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["partner"]).choices = [
            (p.key, f"{p.name} ({p.key})") for p in runtime.policy().partners
        ]


class TickForm(forms.Form):
    note = forms.CharField(
        label=_("How and when the partner was told (optional; never a CPR number)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
