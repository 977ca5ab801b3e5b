"""Schema provisioning: clone a migrated base schema instead of migrating per tenant.

Cloning takes well under a second where running every migration would take many;
``ensure_base_schema`` keeps the template migrated (run on every deploy by the
``migrate_platform`` command), and ``provision_schema`` is idempotent so an
at-least-once event may arrive twice.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection as _connection
from django.db import transaction
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_tenant_model, schema_exists

from .models import AbstractTenant, TenantStatus, schema_name_for

logger = logging.getLogger(__name__)

# django-tenants' backend adds set_schema_to_public(); the stubs only know Django's.
connection: Any = _connection

REPLICATED_FIELDS = ("slug", "status", "plan", "limits")
CLONE_LOCK = "pocdex:clone_schema"


def base_schema_name() -> str:
    return str(settings.TENANT_BASE_SCHEMA)


def _advisory_lock(key: str) -> None:
    """Serialize work on one schema across processes for the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(key.encode())])


def ensure_base_schema(*, verbosity: int = 0) -> None:
    """Create the template schema if needed and bring it to the latest migrations."""
    name = base_schema_name()
    connection.set_schema_to_public()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
    # Hold the clone lock while the template changes, so no tenant is cloned
    # from a half-migrated template during a deploy.
    # The lock belongs to this database session. django-tenants closes the
    # connection when the migrations are done, which ends the session and
    # releases the lock; unlocking is only needed (and only possible) when the
    # session is still the same one.
    lock_key = zlib.crc32(CLONE_LOCK.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key])
    session = connection.connection
    try:
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=name,
            interactive=False,
            verbosity=verbosity,
        )
    finally:
        if connection.connection is session and session is not None and not session.closed:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key])
        connection.set_schema_to_public()


def provision_schema(tenant: AbstractTenant) -> bool:
    """Clone the base schema into the tenant's schema. Returns False if it already existed."""
    connection.set_schema_to_public()
    with transaction.atomic():
        _advisory_lock(f"schema:{tenant.schema_name}")
        if schema_exists(tenant.schema_name):
            return False
        base = base_schema_name()
        if not schema_exists(base):
            raise RuntimeError(
                f"Base schema {base!r} is missing: run `manage.py migrate_platform` first."
            )
        # CloneSchema drops and recreates its helper type and functions in public on
        # every call: two clones at once (of different tenants) collide on them.
        _advisory_lock(CLONE_LOCK)
        CloneSchema().clone_schema(base, tenant.schema_name, "DATA", set_connection=False)
    logger.info("tenant schema provisioned", extra={"schema": tenant.schema_name})
    return True


def upsert_replica(payload: dict[str, Any]) -> AbstractTenant:
    """Create or update this service's replica of a tenant from an event payload."""
    model = get_tenant_model()
    tenant_id = uuid.UUID(str(payload["id"]))
    schema = payload.get("schema_name") or schema_name_for(tenant_id)
    if schema != schema_name_for(tenant_id):
        raise ValueError("schema_name does not match the tenant id")
    defaults = {field: payload[field] for field in REPLICATED_FIELDS if field in payload}
    with transaction.atomic():
        # FOR UPDATE locks nothing while the row does not exist yet: without this lock
        # two events for a new tenant race, and the loser fails TenantMixin's
        # schema-name check with a ValidationError that get_or_create does not absorb.
        _advisory_lock(f"replica:{tenant_id}")
        tenant, created = model.objects.select_for_update().get_or_create(
            id=tenant_id, defaults={**defaults, "schema_name": schema}
        )
        if not created:
            changed = [f for f, v in defaults.items() if getattr(tenant, f) != v]
            for field in changed:
                setattr(tenant, field, defaults[field])
            if changed:
                tenant.save(update_fields=changed)
    return tenant


def adopt_replica(payload: dict[str, Any]) -> AbstractTenant:
    """The replica as accounts describes it when asked on a miss, with its schema.

    Unlike ``upsert_replica`` it only fills a gap: it creates a missing replica,
    or moves one still ``provisioning`` to what accounts says, and otherwise
    leaves the row to the events, so an answer read before a later suspension
    can never undo it. The schema is cloned if it is missing (idempotent).
    """
    model = get_tenant_model()
    tenant_id = uuid.UUID(str(payload["id"]))
    schema = schema_name_for(tenant_id)
    if payload.get("schema_name", schema) != schema:
        raise ValueError("schema_name does not match the tenant id")
    fields = {field: payload[field] for field in REPLICATED_FIELDS if field in payload}
    with transaction.atomic():
        _advisory_lock(f"replica:{tenant_id}")
        tenant = model.objects.select_for_update().filter(id=tenant_id).first()
        if tenant is None:
            tenant = model.objects.create(id=tenant_id, schema_name=schema, **fields)
        elif tenant.status == TenantStatus.PROVISIONING and fields.get("status") not in (
            None,
            TenantStatus.PROVISIONING,
        ):
            changed = [f for f, v in fields.items() if getattr(tenant, f) != v]
            for field in changed:
                setattr(tenant, field, fields[field])
            tenant.save(update_fields=changed)
    if not schema_exists(tenant.schema_name):
        provision_schema(tenant)
    return tenant


def apply_tenant_created(payload: dict[str, Any]) -> AbstractTenant:
    """Replica services: record the tenant and give it a schema (idempotent).

    The replica's own status stays what accounts says; accounts flips it to
    active once every service reported ``tenant.provisioned``.
    """
    tenant = upsert_replica(payload)
    provision_schema(tenant)
    return tenant


def mark_status(tenant: AbstractTenant, status: TenantStatus) -> None:
    if tenant.status != status:
        tenant.status = status
        tenant.save(update_fields=["status"])
