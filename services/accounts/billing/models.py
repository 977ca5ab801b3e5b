"""Billing state of an organization: its provider customer, subscription and processed events.

Public schema (accounts owns organizations): the back office queries revenue
(subscriptions by plan and status, past-due list) across organizations here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization


class BillingCustomer(models.Model):
    """The organization at the provider, with the fiscal data kept for invoicing."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="billing_customer"
    )
    provider = models.CharField(max_length=16, default="stripe")
    provider_customer_id = models.CharField(max_length=64, blank=True, default="")
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True, default="")
    tax_id = models.CharField(_("CPF or CNPJ"), max_length=14, blank=True, default="")
    tax_id_kind = models.CharField(max_length=4, blank=True, default="")
    email = models.EmailField(_("billing email"), blank=True, default="")
    address_line1 = models.CharField(_("address"), max_length=200, blank=True, default="")
    address_line2 = models.CharField(_("complement"), max_length=200, blank=True, default="")
    district = models.CharField(_("district"), max_length=100, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    state = models.CharField(_("state"), max_length=2, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=9, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("billing customer")
        verbose_name_plural = _("billing customers")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_customer_id"],
                condition=~models.Q(provider_customer_id=""),
                name="one_org_per_provider_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_customer_id or '-'} for {self.organization_id}"


class Subscription(models.Model):
    """The provider's subscription as last applied (the newest state wins, not the last event)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="subscriptions"
    )
    provider = models.CharField(max_length=16, default="stripe")
    provider_subscription_id = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=24)
    plan = models.CharField(_("plan"), max_length=32)
    interval = models.CharField(max_length=8, blank=True, default="")
    amount = models.PositiveIntegerField(default=0)  # centavos per interval, for revenue
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    provider_created_at = models.DateTimeField()
    # The provider time of the newest event applied: an older one never overwrites it.
    state_at = models.DateTimeField()
    past_due_since = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_subscription_id"], name="one_row_per_subscription"
            )
        ]
        indexes = [models.Index(fields=["status", "plan"], name="subscription_status_plan")]

    def __str__(self) -> str:
        return f"{self.provider_subscription_id} ({self.status}, {self.plan})"


class ProcessedEvent(models.Model):
    """A provider event handled once: its id is stored in the transaction that applied it."""

    provider = models.CharField(max_length=16, default="stripe")
    event_id = models.CharField(max_length=80)
    event_type = models.CharField(max_length=80)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="one_row_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class CatalogPrice(models.Model):
    """The provider's price for a plan and interval, found or created by ``billing_catalog``."""

    provider = models.CharField(max_length=16, default="stripe")
    lookup_key = models.CharField(max_length=64)
    plan = models.CharField(max_length=32)
    interval = models.CharField(max_length=8)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="brl")
    provider_product_id = models.CharField(max_length=64)
    provider_price_id = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "lookup_key"], name="one_price_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.lookup_key} = {self.provider_price_id}"
