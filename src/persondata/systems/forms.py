"""The forms of the systems pages: a system, and the rating of one feared event."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.core.risk import EVENTS, LEVELS


def _levels() -> list[tuple[int, str]]:
    return [(n, f"{n} {t.get(runtime.language())}") for n, t in LEVELS.items()]


class SystemForm(forms.Form):
    key = forms.SlugField(label=_("Short name (letters, digits, -)"), max_length=40)
    name = forms.CharField(label=_("System"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("admin", _("administrative system")),
            ("partner", _("a partner's system")),
            ("other", _("Other")),
        ],
    )
    partner_key = forms.ChoiceField(label=_("Run by the partner"), required=False)
    location = forms.CharField(label=_("Where it runs"), max_length=200)
    owner = forms.CharField(label=_("Who answers for it (a role or a company)"), max_length=200)
    categories = forms.MultipleChoiceField(
        label=_("Data it processes"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = runtime.policy()
        cast(forms.ChoiceField, self.fields["partner_key"]).choices = [
            ("", "—"),
            *((p.key, p.name) for p in policy.partners),
        ]
        cast(forms.MultipleChoiceField, self.fields["categories"]).choices = [
            (k, c.label.get(runtime.language())) for k, c in policy.categories.items()
        ]


class AssessmentForm(forms.Form):
    event = forms.ChoiceField(label=_("Feared event"))
    severity = forms.TypedChoiceField(label=_("Severity before the measures"), coerce=int)
    likelihood = forms.TypedChoiceField(label=_("Likelihood before the measures"), coerce=int)
    measures = forms.CharField(
        label=_("The measures that reduce it"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    residual_severity = forms.TypedChoiceField(label=_("Residual severity"), coerce=int)
    residual_likelihood = forms.TypedChoiceField(label=_("Residual likelihood"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["event"]).choices = [
            (k, t.get(runtime.language())) for k, t in EVENTS.items()
        ]
        for name in ("severity", "likelihood", "residual_severity", "residual_likelihood"):
            cast(forms.ChoiceField, self.fields[name]).choices = _levels()
