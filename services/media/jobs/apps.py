from datetime import timedelta

from celery.schedules import crontab
from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Media jobs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.celery import app as celery_app

        from . import events  # noqa: F401 - registers the event handlers
        from .dispatch import REAP_TASK, ROUTES

        # Reports and videos on their own queues, consumed by their own workers (Procfile).
        celery_app.conf.task_routes = {**(celery_app.conf.task_routes or {}), **ROUTES}
        # Jobs whose worker died go back to their queue (docs/adr/0039-dead-workers-and-the-reaper.md).
        celery_app.conf.beat_schedule["media-reap-stale-jobs"] = {
            "task": REAP_TASK,
            "schedule": timedelta(seconds=settings.MEDIA_REAPER_SECONDS),
        }
        # 1st of the month, 06:00 UTC (03:00 in Brasília): last month's report for subscribers.
        celery_app.conf.beat_schedule["media-monthly-reports"] = {
            "task": "media.monthly_reports",
            "schedule": crontab(minute=0, hour=6, day_of_month=1),
        }
