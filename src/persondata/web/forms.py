"""The staff web app's forms. The search query is personal data: it travels only in a POST body."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

QUERY_MAX = 200


class CustomerSearchForm(forms.Form):
    query = forms.CharField(
        label=_("Name, e-mail, phone or customer number"),
        max_length=QUERY_MAX,
        strip=True,
        widget=forms.TextInput(
            # the browser must not remember what staff typed: it is a customer's personal data
            # data-typeahead: suggestions as you type (web/static/web/typeahead.js), by POST like the search
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "autofocus": True,
                "data-typeahead": "",
            }
        ),
        error_messages={"required": _("Type what you know about the customer.")},
    )
    purpose = forms.ChoiceField(label=_("Purpose"))

    def __init__(self, *args: Any, purposes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["purpose"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = purposes
        if purposes:
            field.initial = purposes[0][0]
