"""Events media consumes beyond the tenant lifecycle: a removed member loses their subscription."""

from __future__ import annotations

from typing import Any

from pocdex_shared.events.consumer import handles
from pocdex_shared.tenancy.scope import Require, TenantUnavailable, tenant_scope

from .models import ReportSubscription

MEMBER_REMOVED = "member.removed"


@handles(MEMBER_REMOVED)
def drop_subscription_of_removed_member(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    try:
        # Upkeep: a suspended organization's subscriptions are kept right too.
        with tenant_scope(tenant_id=payload["tenant_id"], require=Require.LIVE):
            ReportSubscription.objects.filter(user_id=payload["user_id"]).delete()
    except TenantUnavailable:
        return  # unknown here, or its schema not cloned yet: no subscription to drop
