"""Tenant lifecycle events as every replica service handles them."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from pocdex_shared.events.consumer import handles
from pocdex_shared.events.outbox import publish

from .provisioning import apply_tenant_created, upsert_replica
from .revocation import TOKENS_REVOKED, on_tokens_revoked

TENANT_CREATED = "tenant.created"
TENANT_UPDATED = "tenant.updated"
TENANT_PROVISIONED = "tenant.provisioned"


def report_provisioned(tenant_id: str) -> None:
    publish(
        TENANT_PROVISIONED,
        {"tenant_id": tenant_id, "service": settings.POCDEX_SERVICE},
        tenant_id=tenant_id,
    )


def on_tenant_created(envelope: dict[str, Any]) -> None:
    tenant = apply_tenant_created(envelope["payload"])
    report_provisioned(str(tenant.id))


def on_tenant_updated(envelope: dict[str, Any]) -> None:
    upsert_replica(envelope["payload"])


def register_revocation_handler() -> None:
    """Record ``tokens.revoked`` in this service's deny list (accounts calls it too)."""
    handles(TOKENS_REVOKED)(on_tokens_revoked)


def register_replica_handlers() -> None:
    """Call from a replica service's AppConfig.ready()."""
    handles(TENANT_CREATED)(on_tenant_created)
    handles(TENANT_UPDATED)(on_tenant_updated)
    register_revocation_handler()
