"""Events pocs consumes for the registry: accounts' ``member.removed``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pocdex_shared.events.consumer import handles

from . import people

MEMBER_REMOVED = "member.removed"


@handles(MEMBER_REMOVED)
def mark_person_removed(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    at = parse_datetime(str(envelope.get("occurred_at") or "")) or timezone.now()
    people.mark_removed(tenant_id=payload["tenant_id"], user_id=payload["user_id"], at=at)
