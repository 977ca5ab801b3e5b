from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("Tokens")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pocdex_shared.tenancy.events import register_revocation_handler

        register_revocation_handler()
