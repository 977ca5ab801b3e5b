from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DojosConfig(AppConfig):
    name = "dojos"
    verbose_name = _("Dojos")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the handlers that close sockets
