from django.apps import AppConfig


class TenantAppConfig(AppConfig):
    name = "tests.tenantapp"
    label = "tenantapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # As every replica service does: keep the tenant replica in step with accounts.
        from pocdex_shared.tenancy.events import register_replica_handlers

        register_replica_handlers()
