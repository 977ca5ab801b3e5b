"""The banners above every console page (``console/_banners.html``): an overdue payment."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from billing.services import OVERDUE, current_subscription

register = template.Library()


@register.simple_tag(takes_context=True)
def billing_banner(context: template.Context) -> dict[str, Any] | None:
    """The overdue subscription's grace end while its payment is late, else ``None``."""
    request = context.get("request")
    console = getattr(request, "console", None)
    if console is None or console.user is None:
        return None
    sub = current_subscription(console.organization)
    if sub is None or sub.status not in OVERDUE:
        return None
    return {
        "grace_until": sub.grace_until,
        "grace_over": bool(sub.grace_until and sub.grace_until <= timezone.now()),
    }
