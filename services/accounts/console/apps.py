from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Owner console")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.celery import app as celery_app

        from .tasks import SWEEP_SECONDS

        # Expired sessions (ADR 0046) are removed from the database.
        celery_app.conf.beat_schedule["sessions-sweep"] = {
            "task": "accounts.sessions_sweep",
            "schedule": SWEEP_SECONDS,
        }
