"""The tenant row every service keeps: accounts as system of record, others as a replica."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django_tenants.models import TenantMixin

from pocdex_shared.errors import gettext_lazy as _


class TenantStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("Provisioning")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


def schema_name_for(tenant_id: uuid.UUID | str) -> str:
    """Deterministic schema name, identical in every service for one tenant."""
    return "t_" + uuid.UUID(str(tenant_id)).hex


class AbstractTenant(TenantMixin):
    """Fields every service needs to resolve and police a tenant.

    Schemas are never created implicitly on save: provisioning clones the base
    schema explicitly (see ``provisioning.provision_schema``) so it can be
    idempotent and fast.
    """

    # Annotated by hand: TenantMixin is untyped, so django-stubs cannot infer them.
    id: models.UUIDField[uuid.UUID | str, uuid.UUID] = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False
    )
    slug: models.SlugField[str, str] = models.SlugField(max_length=63, unique=True)
    status: models.CharField[str, str] = models.CharField(
        max_length=16, choices=TenantStatus.choices, default=TenantStatus.PROVISIONING
    )
    plan: models.CharField[str, str] = models.CharField(max_length=32, default="free")
    limits = models.JSONField(default=dict, blank=True)

    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.slug

    @property
    def is_usable(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def replica_payload(self) -> dict[str, Any]:
        """What other services replicate of this tenant (the event payload)."""
        return {
            "id": str(self.id),
            "slug": self.slug,
            "schema_name": self.schema_name,
            "status": self.status,
            "plan": self.plan,
            "limits": self.limits,
        }
