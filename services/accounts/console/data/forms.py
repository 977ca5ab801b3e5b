"""Forms of the data pages; ``lgpd.services`` and ``lgpd.people`` check them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import ApiError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Which field a refusal of lgpd.services or lgpd.people belongs to.
ERROR_FIELDS = {
    "reauthentication_failed": "password",
    "invalid_credentials": "password",
    "otp_required": "otp",
    "otp_invalid": "otp",
    "confirmation_mismatch": "confirmation",
}


def _otp_field() -> forms.CharField:
    return forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        required=False,
        help_text=_("Only when two-factor authentication is on; a recovery code also works."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _password_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class _ServiceErrors(forms.Form):
    def add_service_error(self, error: ApiError) -> None:
        field = ERROR_FIELDS.get(error.code)
        self.add_error(field if field in self.fields else None, str(error.message))


class DeletionForm(_ServiceErrors):
    """The owner deletes the organization: password, code, the slug typed again."""

    password = _password_field(_("Your password"))
    otp = _otp_field()
    confirmation = forms.CharField(label=_("The organization's address"), max_length=63)

    def __init__(self, *args: object, slug: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["confirmation"].help_text = _("Type %(slug)s to confirm.") % {"slug": slug}
        self.fields["confirmation"].widget.attrs["autocomplete"] = "off"


class RestoreForm(_ServiceErrors):
    """The owner of a suspended organization proves who they are, as at login."""

    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = _password_field(_("Password"))
    otp = _otp_field()


class PersonDeletionForm(_ServiceErrors):
    """A person deletes their own account: password, code, their email typed again."""

    password = _password_field(_("Your password"))
    otp = _otp_field()
    confirmation = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("Type it again to confirm."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
