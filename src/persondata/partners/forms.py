"""The forms of the partners pages: an endpoint's settings, ticking a notice off, a processor agreement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.core.agreements import CLAUSES
from persondata.documents import labels
from persondata.partners.agreements import MAX_DOCUMENT, AgreementInput, parse_sub_processors
from persondata.partners.errors import PartnerError
from persondata.partners.models import ProcessorAgreement
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
            (p.key, labels.partner(p.key)) for p in runtime.policy().partners
        ]


class TickForm(forms.Form):
    note = forms.CharField(
        label=_("How and when the partner was told (optional; never a CPR number)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )


def _clause_choices() -> list[tuple[str, str]]:
    lang = (get_language() or "da").split("-")[0]
    lang = lang if lang in ("da", "en") else "da"
    return [(k, f"({k}) {text.get(lang)}") for k, text in CLAUSES.items()]


class AgreementForm(forms.Form):
    """A partner's processor agreement (Art. 28): what the controller records from the signed contract."""

    signed_on = forms.DateField(
        label=_("Signed on (YYYY-MM-DD)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.CharField(label=_("Version"), max_length=40)
    next_review = forms.DateField(
        label=_("Next review (YYYY-MM-DD)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    country = forms.CharField(
        label=_("Country where the partner processes the data (two letters, e.g. DK)"), max_length=2
    )
    safeguard = forms.ChoiceField(
        label=_("Transfer basis, if the data leaves the EU/EEA"),
        required=False,
        choices=[
            ("", _("none (the data stays in the EU/EEA)")),
            ("adequacy", _("adequacy decision (Art. 45)")),
            ("scc", _("standard contractual clauses (Art. 46(2)(c))")),
            ("bcr", _("binding corporate rules (Art. 47)")),
        ],
    )
    safeguard_date = forms.DateField(
        label=_("Date of the clauses or rules (YYYY-MM-DD)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    clauses = forms.MultipleChoiceField(
        label=_("The clauses of Art. 28(3) the agreement contains"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sub_processors = forms.CharField(
        label=_("Sub-processors, one a line: name; country (e.g. Hosting A/S; DK)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    document = forms.FileField(
        label=_("The signed agreement (PDF; leave empty to keep the one attached)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["clauses"]).choices = _clause_choices()

    def to_input(self) -> AgreementInput:
        """The cleaned form as the service's input (raises PartnerError for the sub-processors' lines)."""
        f = self.cleaned_data
        upload = f.get("document")
        if upload is not None and upload.size > MAX_DOCUMENT:
            raise PartnerError(
                "document",
                gettext("The document must be at most %(mb)s MB.") % {"mb": MAX_DOCUMENT // 2**20},
            )
        return AgreementInput(
            signed_on=f["signed_on"],
            version=f["version"],
            next_review=f["next_review"],
            country=f["country"],
            clauses=frozenset(f["clauses"]),
            sub_processors=parse_sub_processors(f["sub_processors"]),
            safeguard=f["safeguard"],
            safeguard_date=f["safeguard_date"],
            document=upload.read() if upload is not None else None,
        )


def agreement_initial(agreement: ProcessorAgreement) -> dict[str, Any]:
    return {
        "signed_on": agreement.signed_on,
        "version": agreement.version,
        "next_review": agreement.next_review,
        "country": agreement.country,
        "safeguard": agreement.safeguard,
        "safeguard_date": agreement.safeguard_date,
        "clauses": list(agreement.clauses),
        "sub_processors": "\n".join(f"{s['name']}; {s['country']}" for s in agreement.sub_processors),
    }


def _partner_choices(empty: str | None = None) -> list[tuple[str, str]]:
    choices = [(p.key, labels.partner(p.key)) for p in runtime.policy().partners]
    return [("", empty), *choices] if empty is not None else choices


class DisclosureFilterForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    channel = forms.ChoiceField(
        label=_("How"),
        required=False,
        choices=[
            ("", _("all")),
            ("webhook", _("webhook")),
            ("export", _("export")),
            ("manual", _("by hand")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["partner"]).choices = _partner_choices(str(_("all")))


class DisclosureForm(forms.Form):
    """A transfer staff made: to which partner, which categories, for which purpose, whose data (by id)."""

    partner = forms.ChoiceField(label=_("Partner"))
    categories = forms.MultipleChoiceField(label=_("Data passed on"), widget=forms.CheckboxSelectMultiple)
    purpose = forms.ChoiceField(label=_("Purpose"))
    customers = forms.CharField(
        label=_(
            "Customers' ids, one a line (from the address of the customer page); empty for a standing one"
        ),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    standing = forms.BooleanField(
        label=_("Standing: every customer's data, continuously (the partner runs a system that holds it)"),
        required=False,
    )
    export = forms.BooleanField(label=_("A file exported for the partner"), required=False)
    occurred_at = forms.DateTimeField(
        label=_("When (YYYY-MM-DD HH:MM; empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = runtime.policy()
        lang = (get_language() or "da").split("-")[0]
        lang = lang if lang in ("da", "en") else "da"
        cast(forms.ChoiceField, self.fields["partner"]).choices = _partner_choices()
        cast(forms.MultipleChoiceField, self.fields["categories"]).choices = [
            (k, c.label.get(lang)) for k, c in policy.categories.items()
        ]
        cast(forms.ChoiceField, self.fields["purpose"]).choices = [
            (k, p.label.get(lang)) for k, p in policy.purposes.items()
        ]

    def clean_customers(self) -> list[uuid.UUID]:
        ids = []
        for n, line in enumerate(self.cleaned_data["customers"].split(), 1):
            try:
                ids.append(uuid.UUID(line))
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)s is not a customer's id (32 hexadecimal digits)."), params={"n": n}
                ) from None
        return ids

    def to_kwargs(self, now: datetime) -> dict[str, Any]:
        f = self.cleaned_data
        return {
            "partner_key": f["partner"],
            "categories": f["categories"],
            "purpose": f["purpose"],
            "customer_ids": f["customers"],
            "standing": f["standing"],
            "export": f["export"],
            "occurred_at": f["occurred_at"] or now,
        }
