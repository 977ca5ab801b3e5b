"""Accounts' side of the tenant lifecycle events."""

from __future__ import annotations

from typing import Any

from pocdex_shared.events.consumer import handles
from pocdex_shared.tenancy.events import TENANT_CREATED, TENANT_PROVISIONED

from .services import organization_mark_provisioned, organization_provision_own_schema


@handles(TENANT_CREATED)
def on_tenant_created(envelope: dict[str, Any]) -> None:
    organization_provision_own_schema(organization_id=envelope["payload"]["id"])


@handles(TENANT_PROVISIONED)
def on_tenant_provisioned(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    organization_mark_provisioned(organization_id=payload["tenant_id"], service=payload["service"])
