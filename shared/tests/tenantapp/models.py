from django_tenants.models import DomainMixin

from pocdex_shared.tenancy.models import AbstractTenant


class TenantReplica(AbstractTenant):
    """This test project's replica of the tenant row (accounts owns the original)."""


class Domain(DomainMixin):
    pass
