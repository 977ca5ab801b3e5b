"""This service's replica of the organizations accounts owns."""

from django_tenants.models import DomainMixin

from pocdex_shared.tenancy.models import AbstractTenant


class Tenant(AbstractTenant):
    """Replica of an organization (id, slug, schema, status, plan, limits), kept by events."""


class Domain(DomainMixin):
    """Required by django-tenants; media resolves tenants from tokens, never from host names."""
