"""Accounts' side of the purge: each service's ``tenant.purge_confirmed``."""

from __future__ import annotations

from typing import Any

from pocdex_shared.events.consumer import handles
from pocdex_shared.lgpd import TENANT_PURGE_CONFIRMED

from .services import purge_confirm


@handles(TENANT_PURGE_CONFIRMED)
def on_purge_confirmed(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    purge_confirm(organization_id=payload["tenant_id"], service=payload["service"])
