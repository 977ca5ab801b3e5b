"""The back office's business view (``/admin/business/``) and the billing lists.

The provider (Stripe) is the source of truth for customers' provider ids and
for subscriptions: staff read them here, they change them at the provider.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

from . import selectors
from .models import BillingCustomer, Subscription
from .services import provider_mode
from .usage import meters, organization_usage

PAGE_SIZE = 25
STRIPE_CUSTOMER_URL = "https://dashboard.stripe.com/customers/{}"


class _ReadOnlyFromProvider(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(_ReadOnlyFromProvider):
    list_display = [
        "organization",
        "plan",
        "interval",
        "status",
        "amount",
        "past_due_since",
        "grace_until",
        "canceled_at",
        "state_at",
    ]
    list_filter = ["status", "plan", "interval"]
    search_fields = ["organization__name", "organization__slug", "provider_subscription_id"]
    list_select_related = ["organization"]
    ordering = ["-state_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in Subscription._meta.fields]


@admin.register(BillingCustomer)
class BillingCustomerAdmin(_ReadOnlyFromProvider):
    list_display = ["organization", "provider_customer_id", "legal_name", "email", "updated_at"]
    list_filter = ["provider", "organization__plan"]
    search_fields = [
        "organization__name",
        "organization__slug",
        "provider_customer_id",
        "legal_name",
        "email",
    ]
    list_select_related = ["organization"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        # The provider's ids are its own; the fiscal data is edited by the organization's owners.
        return [f.name for f in BillingCustomer._meta.fields]


def _reais(centavos: int) -> Decimal:
    return Decimal(centavos) / 100


def business_overview(request: HttpRequest) -> HttpResponse:
    """Revenue, subscriptions, new and churned organizations, past due, usage."""
    mock = provider_mode() == "mock"
    figures = selectors.mrr()
    due_page = Paginator(selectors.past_due(), PAGE_SIZE).get_page(request.GET.get("due_page"))
    search = request.GET.get("q", "").strip()[:100]
    usage_page = Paginator(selectors.usage_by_organization(search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    due_rows = [
        {
            "subscription": sub,
            "customer_url": (
                STRIPE_CUSTOMER_URL.format(sub.customer_id)  # type: ignore[attr-defined]
                if getattr(sub, "customer_id", "")
                else ""
            ),
        }
        for sub in due_page
    ]
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Business overview"),
        "mrr": figures,
        "mrr_reais": _reais(figures.total),
        "mrr_monthly_reais": _reais(figures.monthly),
        "mrr_yearly_reais": _reais(figures.yearly),
        "by_plan": selectors.subscriptions_by_plan(),
        "months": selectors.monthly_new_and_churned(),
        "due_page": due_page,
        "due_rows": due_rows,
        "usage_page": usage_page,
        "search": search,
        "mock": mock,
    }
    return TemplateResponse(request, "admin/billing/business_overview.html", context)


def business_usage(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    """One organization's usage against its plan's limits, as its owners see it."""
    organization = get_object_or_404(
        Organization.objects.exclude(schema_name="public"), pk=organization_id
    )
    usage = organization_usage(organization)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Usage of %(organization)s") % {"organization": organization.name},
        "organization": organization,
        "meters": meters(usage.items),
        "complete": usage.complete,
    }
    return TemplateResponse(request, "admin/billing/organization_usage.html", context)


def _with_business_overview(
    get_urls: Any,
) -> Any:
    def urls() -> list[URLPattern | URLResolver]:
        own = [
            path(
                "business/",
                admin.site.admin_view(business_overview),
                name="business_overview",
            ),
            path(
                "business/usage/<uuid:organization_id>/",
                admin.site.admin_view(business_usage),
                name="business_usage",
            ),
        ]
        return own + list(get_urls())

    return urls


admin.site.get_urls = _with_business_overview(admin.site.get_urls)  # type: ignore[method-assign]
