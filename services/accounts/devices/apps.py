from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Push devices")

    def ready(self) -> None:
        from . import services  # noqa: F401 - registers the membership-removed receiver
