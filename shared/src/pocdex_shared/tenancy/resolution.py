"""Resolve the tenant of a verified token, identically for HTTP and WebSocket."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_tenant_model
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

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


def tenant_for_token(tenant_id: str | None) -> AbstractTenant:
    """Load the replica named by a token and refuse tenants that may not be served."""
    if not tenant_id:
        raise TenantUnknown()
    model = get_tenant_model()
    try:
        tenant: AbstractTenant = model.objects.get(id=tenant_id)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise TenantUnknown() from None
    if tenant.status == TenantStatus.SUSPENDED:
        raise TenantSuspended()
    if tenant.status not in allowed_statuses():
        raise TenantNotReady()
    return tenant
