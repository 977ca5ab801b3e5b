from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("POC registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from config.celery import app as celery_app

        from . import events  # noqa: F401 - registers the member.removed handler
        from .tasks import ABANDONED_UPLOADS_TASK, PURGE_TASK, QUEUE

        # Sweeps of every organization's schema (registry/cleanup.py).
        celery_app.conf.beat_schedule["registry-purge-deleted-pocs"] = {
            "task": PURGE_TASK,
            "schedule": timedelta(seconds=settings.POC_PURGE_INTERVAL_SECONDS),
            "options": {"queue": QUEUE},
        }
        celery_app.conf.beat_schedule["registry-remove-abandoned-uploads"] = {
            "task": ABANDONED_UPLOADS_TASK,
            "schedule": timedelta(seconds=settings.ATTACHMENT_CLEANUP_INTERVAL_SECONDS),
            "options": {"queue": QUEUE},
        }
