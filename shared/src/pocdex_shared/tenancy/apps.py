from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_saved_tenant(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .models import AbstractTenant
    from .resolution import forget_tenant

    if isinstance(instance, AbstractTenant):
        forget_tenant(instance.pk)


class TenancyConfig(AppConfig):
    name = "pocdex_shared.tenancy"
    label = "pocdex_tenancy"
    verbose_name = "Pocdex tenancy"

    def ready(self) -> None:
        # A tenant row changed in this process (suspension, activation, replica
        # update) must not be served from the resolution cache a moment longer.
        post_save.connect(_forget_saved_tenant, dispatch_uid="pocdex_forget_tenant_on_save")
        post_delete.connect(_forget_saved_tenant, dispatch_uid="pocdex_forget_tenant_on_delete")
