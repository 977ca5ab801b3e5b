"""What media does for a new organization beyond the shared replica handling.

Registered after the shared handlers, so the replica exists when these run; all
handlers of one event commit together, so a failure here retries the event.
"""

from __future__ import annotations

from typing import Any

from pocdex_shared.events.consumer import handles
from pocdex_shared.storage import ensure_bucket
from pocdex_shared.tenancy.events import TENANT_CREATED


@handles(TENANT_CREATED)
def create_bucket_for_new_tenant(envelope: dict[str, Any]) -> None:
    ensure_bucket(envelope["payload"]["id"])
