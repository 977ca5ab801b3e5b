"""Forms of the plan and billing pages; the rules themselves live in ``billing.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import ApiError
from pocdex_shared.plans import PLANS


class CheckoutForm(forms.Form):
    plan = forms.ChoiceField(choices=[(code, p.name) for code, p in PLANS.items() if p.paid])
    interval = forms.ChoiceField(choices=[("month", _("Monthly")), ("year", _("Yearly"))])


class FiscalDataForm(forms.Form):
    """The customer's fiscal data; ``billing.services.fiscal_data_save`` checks every field."""

    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=True)
    tax_id = forms.CharField(
        label=_("CPF or CNPJ"),
        max_length=40,
        required=True,
        help_text=_("Digits only or with punctuation; checked by its check digits."),
    )
    email = forms.CharField(label=_("Billing email"), max_length=254, required=False)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=True)
    address_line2 = forms.CharField(label=_("Complement"), max_length=200, required=False)
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=True)
    state = forms.CharField(
        label=_("State"), max_length=2, required=True, help_text=_("Two letters, such as SP.")
    )
    postal_code = forms.CharField(label=_("CEP"), max_length=9, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        autocomplete = {
            "legal_name": "organization",
            "email": "email",
            "address_line1": "address-line1",
            "address_line2": "address-line2",
            "district": "address-level3",
            "city": "address-level2",
            "state": "address-level1",
            "postal_code": "postal-code",
        }
        for name, token in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = token
        self.fields["email"].widget.input_type = "email"

    def add_service_errors(self, error: ApiError) -> None:
        """The service's per-field errors, each under its field (``aria-describedby``)."""
        for name, items in error.fields.items():
            target = name if name in self.fields else None
            for item in items:
                self.add_error(target, str(item.get("message", "")))
        if not error.fields:
            self.add_error(None, str(error.message))
