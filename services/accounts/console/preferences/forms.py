"""The settings page's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from identity.models import Locale


class GeneralForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)
    locale = forms.ChoiceField(
        label=_("Default language"),
        choices=Locale.choices,
        help_text=_(
            "Used in the organization's mails and pages for people who have not chosen a "
            "language yet (invitations, new accounts)."
        ),
    )


class TwoFactorForm(forms.Form):
    required = forms.BooleanField(
        label=_("Require two-factor authentication of every member"),
        required=False,
        help_text=_(
            "Members without two-factor are logged out and cannot log in to the apps or "
            "this console until they turn it on."
        ),
    )
