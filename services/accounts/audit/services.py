from __future__ import annotations

import uuid
from typing import Any

from organizations.models import Organization
from pocdex_shared.tenancy.scope import Require, TenantNotReadyError, tenant_scope

from .models import AuditEntry


def audit_record(
    *,
    organization: Organization,
    actor_id: uuid.UUID | None,
    action: str,
    target: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Append to the organization's trail; skipped while its schema is not provisioned yet.

    Whatever its status: the trail of a suspended or provisioning organization
    is part of its lifecycle (``Require.ANY``, ADR 0025).
    """
    try:
        with tenant_scope(tenant=organization, require=Require.ANY):
            AuditEntry.objects.create(
                actor_id=actor_id, action=action, target=target, data=data or {}
            )
    except TenantNotReadyError:
        return
