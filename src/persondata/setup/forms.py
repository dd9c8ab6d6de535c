"""The setup's forms. Each maps its fields to the policy file's dotted keys; the file's own validation (and
``policy check``'s errors in those keys) decide what may be saved, and its messages land on the fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.core.policy import SAFEGUARDS, Policy, is_placeholder

MONTHS = (
    (1, _("January")),
    (2, _("February")),
    (3, _("March")),
    (4, _("April")),
    (5, _("May")),
    (6, _("June")),
    (7, _("July")),
    (8, _("August")),
    (9, _("September")),
    (10, _("October")),
    (11, _("November")),
    (12, _("December")),
)


def _shown(value: str) -> str:
    """A placeholder is shown as an empty field, not as ``<<…>>`` text to delete first."""
    return "" if is_placeholder(value) else value


class PolicyForm(forms.Form):
    """A form whose fields are policy keys: ``keys`` maps a field name to its dotted key."""

    keys: Mapping[str, str] = {}

    def changes(self) -> dict[str, Any]:
        return {self.keys[name]: value for name, value in self.cleaned_data.items() if name in self.keys}

    def add_problems(self, problems: Mapping[str, str]) -> None:
        """Put each problem on the field of its key (the rest on the form)."""
        fields = {key: name for name, key in self.keys.items()}
        for key, message in problems.items():
            self.add_error(fields.get(key), message)


class CompanyForm(PolicyForm):
    company = forms.CharField(label=_("Company name"), max_length=200, help_text=_("e.g. Eksempel ApS"))
    cvr = forms.CharField(label=_("CVR number"), max_length=8, help_text=_("8 digits, as on virk.dk"))
    address = forms.CharField(label=_("Postal address"), max_length=200)
    name = forms.CharField(
        label=_("Data controller (name)"),
        max_length=120,
        help_text=_("The person customers contact about their personal data."),
    )
    email = forms.EmailField(
        label=_("E-mail for personal data questions"),
        max_length=200,
        help_text=_("Printed in the policy. Mail to customers is sent from this address too."),
    )
    phone = forms.CharField(label=_("Telephone"), max_length=40, help_text=_("e.g. +45 89 12 34 56"))

    keys = {name: f"controller.{name}" for name in ("company", "cvr", "address", "name", "email", "phone")}

    @classmethod
    def for_policy(cls, policy: Policy, data: Mapping[str, Any] | None = None) -> CompanyForm:
        c = policy.controller
        initial = {name: _shown(getattr(c, name)) for name in cls.keys}
        return cls(data, initial=initial)


class YearForm(PolicyForm):
    start_month = forms.TypedChoiceField(label=_("The financial year starts in"), choices=MONTHS, coerce=int)
    start_day = forms.IntegerField(label=_("on day"), min_value=1, max_value=31)

    keys = {"start_month": "financial_year.start_month", "start_day": "financial_year.start_day"}

    @classmethod
    def for_policy(cls, policy: Policy, data: Mapping[str, Any] | None = None) -> YearForm:
        fy = policy.financial_year
        return cls(data, initial={"start_month": fy.start_month, "start_day": fy.start_day})


class PartnersForm(PolicyForm):
    """Each partner of the policy: its company name, the country it processes in and, outside the EU/EEA, the
    transfer's basis. Which data a partner receives stays in the policy file (docs/partners.md)."""

    def __init__(self, policy: Policy, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data)
        self.keys = {}
        safeguards = [("", _("none (inside the EU/EEA)"))] + [(s, _safeguard_label(s)) for s in SAFEGUARDS]
        for p in policy.partners:
            self.fields[f"{p.key}__name"] = forms.CharField(
                label=_("Company name"), max_length=200, initial=_shown(p.name)
            )
            self.fields[f"{p.key}__country"] = forms.CharField(
                label=_("Country (two letters, e.g. DK)"), min_length=2, max_length=2, initial=p.country
            )
            self.fields[f"{p.key}__safeguard"] = forms.ChoiceField(
                label=_("Transfer basis outside the EU/EEA"),
                choices=safeguards,
                required=False,
                initial=p.safeguard or "",
            )
            for field in ("name", "country", "safeguard"):
                self.keys[f"{p.key}__{field}"] = f"partners.{p.key}.{field}"
        self.partners = policy.partners

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, value in list(data.items()):
            if name.endswith("__country") and isinstance(value, str):
                data[name] = value.strip().upper()
            if name.endswith("__safeguard") and not value:
                data[name] = None  # the optional key is removed
        return data

    def groups(self) -> list[tuple[Any, str, list[forms.BoundField]]]:
        """The fields partner by partner, for the template: (partner, what it does, its fields)."""
        lang = runtime.language()
        return [
            (p, p.service.get(lang), [self[f"{p.key}__{f}"] for f in ("name", "country", "safeguard")])
            for p in self.partners
        ]


def _safeguard_label(key: str) -> str:
    return str(
        {
            "adequacy": _("an adequacy decision (Art. 45)"),
            "scc": _("standard contractual clauses (Art. 46)"),
            "bcr": _("binding corporate rules (Art. 47)"),
        }[key]
    )
