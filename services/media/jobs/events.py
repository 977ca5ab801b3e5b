"""Events media consumes beyond the tenant lifecycle: a removed member loses their subscription."""

from __future__ import annotations

from typing import Any

from django_tenants.utils import tenant_context

from pocdex_shared.events.consumer import handles
from tenants.models import Tenant

from .models import ReportSubscription

MEMBER_REMOVED = "member.removed"


@handles(MEMBER_REMOVED)
def drop_subscription_of_removed_member(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    tenant = Tenant.objects.filter(id=payload["tenant_id"]).first()
    if tenant is None:
        return
    with tenant_context(tenant):
        ReportSubscription.objects.filter(user_id=payload["user_id"]).delete()
