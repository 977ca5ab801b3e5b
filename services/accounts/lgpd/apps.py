from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LgpdConfig(AppConfig):
    name = "lgpd"
    verbose_name = _("Data protection (LGPD)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.celery import app as celery_app

        from . import events, services  # noqa: F401 - registers the handlers

        services.register_accounts_part()
        # Purges whose grace period ended, and exports whose worker died midway.
        celery_app.conf.beat_schedule["lgpd-purge-due"] = {
            "task": "accounts.lgpd_purge_due",
            "schedule": 300.0,
        }
        celery_app.conf.beat_schedule["lgpd-resume-exports"] = {
            "task": "accounts.lgpd_resume_exports",
            "schedule": 300.0,
        }
        # A person's own exports (ADR 0047): resumed, and deleted when their link expires.
        celery_app.conf.beat_schedule["lgpd-person-exports-upkeep"] = {
            "task": "accounts.lgpd_person_exports_upkeep",
            "schedule": 300.0,
        }
