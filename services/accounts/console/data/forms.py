"""Forms of the data pages; ``lgpd.services`` checks them (password, code, typed address)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import ApiError

# Which field a refusal of lgpd.services belongs to.
ERROR_FIELDS = {
    "reauthentication_failed": "password",
    "invalid_credentials": "password",
    "otp_required": "otp",
    "otp_invalid": "otp",
    "confirmation_mismatch": "confirmation",
}


class _ServiceErrors(forms.Form):
    def add_service_error(self, error: ApiError) -> None:
        field = ERROR_FIELDS.get(error.code)
        self.add_error(field if field in self.fields else None, str(error.message))


class DeletionForm(_ServiceErrors):
    password = forms.CharField(
        label=_("Your password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        required=False,
        help_text=_("Only when two-factor authentication is on; a recovery code also works."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    confirmation = forms.CharField(label=_("The organization's address"), max_length=63)

    def __init__(self, *args: object, slug: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["confirmation"].help_text = _("Type %(slug)s to confirm.") % {"slug": slug}
        self.fields["confirmation"].widget.attrs["autocomplete"] = "off"


class RestoreForm(_ServiceErrors):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        required=False,
        help_text=_("Only when two-factor authentication is on; a recovery code also works."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
