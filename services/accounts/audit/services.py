from __future__ import annotations

import uuid
from typing import Any

from django_tenants.utils import schema_context, schema_exists

from organizations.models import Organization

from .models import AuditEntry


def audit_record(
    *,
    organization: Organization,
    actor_id: uuid.UUID | None,
    action: str,
    target: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Append to the organization's trail; skipped while its schema is not provisioned yet."""
    if not schema_exists(organization.schema_name):
        return
    with schema_context(organization.schema_name):
        AuditEntry.objects.create(actor_id=actor_id, action=action, target=target, data=data or {})
