"""The public request form: what a customer may send us, checked with messages that name the field and the fix.

The limits are the services' own (:data:`persondata.requests.intake.REQUESTER_FIELDS`); the services check
everything again. Text shaped like a CPR number or a payment card number is refused *and never shown back*: the
form drops such a value before it is validated, so the page that asks for a correction cannot repeat it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from persondata.core.requests import Kind
from persondata.core.sensitive import check_email, check_free_text
from persondata.requests.intake import IDENTIFYING, REQUESTER_FIELDS

# (label, one line in plain language) for each kind of request, in the order the form offers them
KINDS: dict[str, tuple[Any, Any]] = {
    Kind.INFORMATION.value: (
        _("Information about how we use personal data"),
        _("Ask what we collect, why, who receives it, and how long we keep it."),
    ),
    Kind.ACCESS.value: (
        _("See the data we hold about you"),
        _("Get a copy of your data, what we use it for, and when it has been looked at."),
    ),
    Kind.RECTIFICATION.value: (
        _("Correct wrong data"),
        _("Tell us what is wrong and what is right, and we correct it."),
    ),
    Kind.ERASURE.value: (
        _("Delete your data"),
        _(
            "We delete what we no longer need; what the bookkeeping law makes us keep, we keep only as long as it says."
        ),
    ),
    Kind.RESTRICTION.value: (
        _("Limit the use of your data"),
        _("We keep your data but do not use it, for instance while we check whether it is correct."),
    ),
    Kind.PORTABILITY.value: (
        _("Get your data to take elsewhere"),
        _("Get the data you gave us in a file a computer can read (JSON and CSV)."),
    ),
    Kind.OBJECTION.value: (
        _("Object to how we use your data"),
        _("Tell us that you object to a use of your data, and why."),
    ),
    Kind.OTHER.value: (
        _("Something else"),
        _("Any other question or request about your personal data."),
    ),
}
LABELS: dict[str, Any] = {
    "kind": _("What is your request about?"),
    "name": _("Your name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "address": _("Postal address"),
    "customer_number": _("Customer number"),
    "message": _("Your message"),
    "language": _("Language of our answer"),
}
TEXT_FIELDS = tuple(REQUESTER_FIELDS)
HONEYPOT = "website"


class PublicRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, v[0]) for k, v in KINDS.items()])
    name = forms.CharField(required=False, strip=True)
    email = forms.CharField(required=False, strip=True)
    phone = forms.CharField(required=False, strip=True)
    address = forms.CharField(required=False, strip=True)
    customer_number = forms.CharField(required=False, strip=True)
    message = forms.CharField(required=False, strip=True)
    language = forms.ChoiceField(choices=[("da", "Dansk"), ("en", "English")])
    website = forms.CharField(required=False)  # the honeypot: hidden from people, filled in by bots

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        self.dropped: dict[
            str, str
        ] = {}  # field -> refusal code (cpr, card_number) of a value not shown back
        if data is not None:
            data = data.copy()
            for name in TEXT_FIELDS:
                refusal = check_free_text(data.get(name, ""))
                if refusal is not None:
                    self.dropped[name] = refusal.code
                    data[name] = ""
        super().__init__(data, **kwargs)
        for name, field in self.fields.items():
            if name in LABELS:
                field.label = LABELS[name]
        self.fields["kind"].error_messages = {
            "required": _("Choose what your request is about."),
            "invalid_choice": _("Choose what your request is about."),
        }
        self.fields["language"].error_messages = {
            "required": _("Choose Danish or English."),
            "invalid_choice": _("Choose Danish or English."),
        }

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())

    def _text(self, name: str) -> str:
        if name in self.dropped:
            if self.dropped[name] == "cpr":
                raise forms.ValidationError(
                    _(
                        "This contained something shaped like a CPR number. We may not receive CPR numbers, so we "
                        "have removed the text: write it again without the number."
                    ),
                    code="cpr",
                )
            raise forms.ValidationError(
                _(
                    "This contained something shaped like a payment card number. We have removed the text: write "
                    "it again without the number."
                ),
                code="card_number",
            )
        value = str(self.cleaned_data.get(name) or "").replace(
            "\r\n", "\n"
        )  # a browser's line ends count once
        most = REQUESTER_FIELDS[name]
        if len(value) > most:
            raise forms.ValidationError(
                _("This is too long: write at most %(most)d characters (you wrote %(count)d)."),
                code="too_long",
                params={"most": most, "count": len(value)},
            )
        return value

    def clean_name(self) -> str:
        return self._text("name")

    def clean_email(self) -> str:
        value = self._text("email")
        if value and check_email(value) is not None:
            raise forms.ValidationError(
                _("This is not an e-mail address: write it as name@example.dk."), code="email"
            )
        return value

    def clean_phone(self) -> str:
        return self._text("phone")

    def clean_address(self) -> str:
        return self._text("address")

    def clean_customer_number(self) -> str:
        return self._text("customer_number")

    def clean_message(self) -> str:
        return self._text("message")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if not any(data.get(k) for k in IDENTIFYING):
            self.add_error(
                "name",
                forms.ValidationError(
                    _(
                        "Give at least your name, e-mail, phone or customer number, so that we can find your data."
                    ),
                    code="identify",
                ),
            )
        if data.get("kind") == Kind.RECTIFICATION.value and not data.get("message"):
            self.add_error(
                "message",
                forms.ValidationError(_("Tell us what is wrong and what is right."), code="rectification"),
            )
        return data

    def details(self) -> dict[str, str]:
        """What the requester told us, as :func:`persondata.requests.intake.submit` takes it."""
        return {name: self.cleaned_data[name] for name in TEXT_FIELDS if self.cleaned_data.get(name)}
