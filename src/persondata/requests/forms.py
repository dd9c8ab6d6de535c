"""Staff forms for customers' requests. Field limits come from the services, which check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata.core.calendar import MAX_EXTENSION_MONTHS
from persondata.core.requests import Kind, State
from persondata.requests.intake import REQUESTER_FIELDS
from persondata.requests.models import IDENTITY_METHODS, OFFERED_GROUNDS

#: a customer id field that the type-ahead picker (web/static/web/typeahead.js) enhances; without script it is
#: the plain id field, filled from the customer's page
PICKER = {"data-customer-picker": "", "autocomplete": "off", "spellcheck": "false"}
KIND_LABELS = {
    Kind.INFORMATION: _("Information about how we process personal data"),
    Kind.ACCESS: _("Access: a copy of the data we hold (Art. 15)"),
    Kind.RECTIFICATION: _("Rectification of wrong data (Art. 16)"),
    Kind.ERASURE: _("Erasure (Art. 17)"),
    Kind.RESTRICTION: _("Restriction of processing (Art. 18)"),
    Kind.PORTABILITY: _("Data portability (Art. 20)"),
    Kind.OBJECTION: _("Objection (Art. 21)"),
    Kind.OTHER: _("Other"),
}
STATE_LABELS = {
    State.RECEIVED: _("Received"),
    State.AWAITING_IDENTITY: _("Awaiting identity"),
    State.IN_PROGRESS: _("In progress"),
    State.ANSWERED: _("Answered"),
    State.REFUSED: _("Refused"),
    State.WITHDRAWN: _("Withdrawn"),
}
RECEIVED_VIA = (
    ("email", _("E-mail")),
    ("letter", _("Letter")),
    ("phone", _("Phone call")),
    ("in_person", _("In person")),
)
IDENTITY_LABELS = {
    "phone_callback": _("Called back on the phone number on file"),
    "in_person": _("Identity document shown in person"),
    "letter": _("Letter to the postal address on file, answered"),
    "known_contact": _("The request came from the e-mail address or phone number on file"),
}
#: how identity was verified, as the request page says it: the manual checks, and the link the requester clicked
VERIFIED_BY = {
    **IDENTITY_LABELS,
    "email_link": _("Confirmed through the link e-mailed to the address on file"),
}
GROUND_LABELS = {
    "unfounded": _("Manifestly unfounded"),
    "excessive": _("Manifestly excessive, in particular because repetitive"),
    "identity": _("Identity could not be verified"),
    # not offered any more (holding no data is confirmed, not refused); shown for requests refused so before
    "no_data": _("We hold no data about the requester"),
}


def _text(label: Any, name: str, textarea: bool = False) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 4}) if textarea else forms.TextInput(attrs={"autocomplete": "off"})
    return forms.CharField(label=label, max_length=REQUESTER_FIELDS[name], required=False, widget=widget)


class NewRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What does the customer ask for?"), choices=list(KIND_LABELS.items()))
    received_via = forms.ChoiceField(label=_("Received by"), choices=RECEIVED_VIA)
    received_on = forms.DateField(
        label=_("Received on (the deadline counts from this day)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    language = forms.ChoiceField(label=_("Answer in"), choices=(("da", _("Danish")), ("en", _("English"))))
    name = _text(_("Name"), "name")
    email = _text(_("E-mail"), "email")
    phone = _text(_("Phone"), "phone")
    address = _text(_("Postal address"), "address")
    customer_number = _text(_("Customer number"), "customer_number")
    message = _text(_("The request in the customer's words (never a CPR number)"), "message", textarea=True)

    # the customer picker (web/typeahead.js) for those who handle requests; the view drops it for others
    customer = forms.UUIDField(
        label=_("The customer (optional: find them by name or customer number)"),
        required=False,
        widget=forms.TextInput(attrs=PICKER),
    )

    def details(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in REQUESTER_FIELDS if self.cleaned_data.get(k)}


class AssignForm(forms.Form):
    customer = forms.UUIDField(
        label=_("Customer (id, from the customer's page)"), widget=forms.TextInput(attrs=PICKER)
    )


class HandlerForm(forms.Form):
    """Who handles the request: a staff member holding ``handle_requests``, or nobody."""

    handler = forms.TypedChoiceField(label=_("Handled by"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from persondata.requests.handling import handlers

        super().__init__(*args, **kwargs)
        choices = [("", _("Nobody")), *((u.pk, u.get_username()) for u in handlers())]
        self.fields["handler"].choices = choices  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Internal comment (staff only; never sent to the customer)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferenceForm(forms.Form):
    """Find a request by the reference the customer quotes: sent by POST, so it never enters a URL."""

    reference = forms.CharField(
        label=_("Reference"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class VerifyForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How was identity checked?"),
        choices=[(k, IDENTITY_LABELS[k]) for k, _label in IDENTITY_METHODS if k in IDENTITY_LABELS],
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        coerce=int,
        choices=[(m, _("%(n)s month(s)") % {"n": m}) for m in range(1, MAX_EXTENSION_MONTHS + 1)],
    )
    reasons = forms.CharField(
        label=_("Why is the extension necessary? (the customer is told)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RefuseForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Ground"), choices=[(k, GROUND_LABELS[k]) for k, _label in OFFERED_GROUNDS]
    )
    reasons = forms.CharField(
        label=_("Reasons (the customer is told; you must be able to show why)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RectifyForm(forms.Form):
    """The corrected values; only the fields filled in are changed."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=80, required=False)
    country = forms.CharField(label=_("Country (two letters, e.g. DK)"), max_length=2, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    note = forms.CharField(
        label=_("Note to the customer (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k != "note" and v}


RESTRICTION_LABELS = {
    "accuracy_disputed": _("The customer disputes the accuracy; we are checking"),
    "unlawful": _("The processing is unlawful and the customer wants restriction instead of erasure"),
    "legal_claims": _("The customer needs the data for legal claims"),
    "objection": _("The customer has objected; we are checking our grounds"),
}


class RestrictForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is processing restricted?"), choices=list(RESTRICTION_LABELS.items())
    )
    note = forms.CharField(
        label=_("Note to the customer (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class TextAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer to the customer"), max_length=8000, widget=forms.Textarea(attrs={"rows": 8})
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: what is not accounting material is erased now and cannot be restored"),
        required=True,
    )


class LiftNoticeForm(forms.Form):
    lift_on = forms.DateField(
        label=_("Lift the restriction on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reasons = forms.CharField(
        label=_("Why it is lifted (the customer is told)"),
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
    )


class SendLinkForm(forms.Form):
    note = forms.CharField(
        label=_("A note with the link (optional; it is e-mailed, so no personal data beyond what is needed)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class PostedForm(forms.Form):
    posted_on = forms.DateField(label=_("Posted on"), widget=forms.DateInput(attrs={"type": "date"}))
