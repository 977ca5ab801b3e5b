"""The overview: plan, status, renewal and usage against every limit of the plan."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billing.services import OVERDUE, subscription_view
from billing.usage import meters, organization_usage
from console.access import console_of, console_page
from console.billing_pages.formatting import subscription_status_label


@console_page()
def overview(request: HttpRequest) -> HttpResponse:
    organization = console_of(request).organization
    subscription = subscription_view(organization)
    usage = organization_usage(organization)
    return render(
        request,
        "console/overview/overview.html",
        {
            "nav": "overview",
            "subscription": subscription,
            "status_label": subscription_status_label(subscription["status"]),
            "past_due": subscription["status"] in OVERDUE,
            "meters": meters(usage.items),
            "complete": usage.complete,
        },
    )
