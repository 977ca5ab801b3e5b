"""Resolve the tenant of a verified token, identically for HTTP and WebSocket."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import get_tenant_model
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.memo import TtlCache

from .models import AbstractTenant, TenantStatus


class TenantUnknown(AuthenticationFailed):
    default_code = "tenant_unknown"
    default_detail = _("The organization of this token does not exist.")


class TenantSuspended(PermissionDenied):
    default_code = "tenant_suspended"
    default_detail = _("This organization is suspended.")


class TenantNotReady(PermissionDenied):
    default_code = "tenant_not_ready"
    default_detail = _("This organization is still being set up. Try again in a moment.")


def allowed_statuses() -> Iterable[str]:
    return getattr(settings, "TENANT_ALLOWED_STATUSES", (TenantStatus.ACTIVE,))


# Tenant rows kept in process for ``TENANT_CACHE_SECONDS`` (default 2). Every
# authenticated request needs its tenant row; reading it from memory instead of
# the database is most of the cost of tenancy on a small request. A status
# change made elsewhere (suspension) is seen within the TTL; one made in this
# process calls ``forget_tenant`` (model signals) and is seen at once.
_cache: TtlCache[str, AbstractTenant] = TtlCache(max_entries=10_000)


def forget_tenant(tenant_id: object | None = None) -> None:
    """Drop a cached tenant row (all of them without an id) after changing it."""
    _cache.forget(None if tenant_id is None else str(tenant_id))


def load_tenant(tenant_id: str) -> AbstractTenant:
    ttl = float(getattr(settings, "TENANT_CACHE_SECONDS", 2.0))
    tenant = _cache.get(tenant_id) if ttl > 0 else None
    if tenant is None:
        model = get_tenant_model()
        try:
            tenant = model.objects.get(id=tenant_id)
        except (model.DoesNotExist, ValueError, ValidationError):
            raise TenantUnknown() from None
        # A tenant being provisioned turns active within a second or two: clients
        # poll for that moment, so that state is never served from memory.
        if ttl > 0 and tenant.status != TenantStatus.PROVISIONING:
            _cache.put(tenant_id, tenant, ttl)
    return tenant


def tenant_for_token(tenant_id: str | None) -> AbstractTenant:
    """Load the replica named by a token and refuse tenants that may not be served."""
    if not tenant_id:
        raise TenantUnknown()
    tenant = load_tenant(tenant_id)
    if tenant.status == TenantStatus.SUSPENDED:
        raise TenantSuspended()
    if tenant.status not in allowed_statuses():
        raise TenantNotReady()
    return tenant
