from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # tenant.created / tenant.updated from accounts keep the replica and schema in step.
        from pocdex_shared.tenancy.events import register_replica_handlers

        register_replica_handlers()
        from . import lgpd

        lgpd.register()  # export part and purge (tenant.purged)
        from . import person_data

        person_data.register()  # a person's export part and erasure (person.deleted)
        from . import usage

        usage.register()  # what counts against the plan's limits (accounts' overview)
        from . import events  # noqa: F401 - registers this service's own tenant handlers
