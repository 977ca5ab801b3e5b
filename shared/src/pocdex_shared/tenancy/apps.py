from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "pocdex_shared.tenancy"
    label = "pocdex_tenancy"
    verbose_name = "Pocdex tenancy"
