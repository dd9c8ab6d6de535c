"""Forms of the staff pages. They check the shape of the input; the rules (known roles, a free login name, the
last controller) live in ``persondata.access.staff``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from persondata.access.models import CONFIDENTIALITY, GUIDANCE
from persondata.access.staff import BODY_MAX, TITLE_MAX, USERNAME_MAX

_NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class _WithRoles(forms.Form):
    def __init__(self, *args: Any, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["roles"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = roles


class CreateStaffForm(_WithRoles):
    username = forms.CharField(
        label=_("Login name"),
        max_length=USERNAME_MAX,
        strip=True,
        help_text=_(
            "Letters, digits and @ . + - _ only. Not an e-mail address: the login name is shown to colleagues."
        ),
        widget=forms.TextInput(attrs={**_NO_AUTOFILL, "autofocus": True}),
        error_messages={"required": _("Type a login name.")},
    )
    roles = RolesField(label=_("Roles"), error_messages={"required": _("Choose at least one role.")})
    invite = forms.BooleanField(
        label=_(
            "Make an invitation link: the new member chooses their own password (no password is shown to you)"
        ),
        required=False,
        initial=True,
    )


class InvitationForm(forms.Form):
    new_password = forms.CharField(
        label=_("Choose your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("again") and data["new_password"] != data["again"]:
            self.add_error("again", _("The two passwords differ: type the same one twice."))
        return data


class RolesForm(_WithRoles):
    roles = RolesField(label=_("Roles"), required=False)


class PublishForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (CONFIDENTIALITY, _("Confidentiality declaration")),
            (GUIDANCE, _("Guidance on secure processing")),
        ],
        widget=forms.HiddenInput,
    )
    # each field says its language (lang), so the browser and a screen reader read the English text as English
    title_da = forms.CharField(
        label=_("Title in Danish"), max_length=TITLE_MAX, widget=forms.TextInput(attrs={"lang": "da"})
    )
    body_da = forms.CharField(
        label=_("Text in Danish"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 18, "lang": "da"}),
    )
    title_en = forms.CharField(
        label=_("Title in English"), max_length=TITLE_MAX, widget=forms.TextInput(attrs={"lang": "en"})
    )
    body_en = forms.CharField(
        label=_("Text in English"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 18, "lang": "en"}),
    )


class AcknowledgeForm(forms.Form):
    text = forms.IntegerField(widget=forms.HiddenInput)


class OwnPasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 12 characters, not a common password, and not like your login name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords are not the same."))
        return data
