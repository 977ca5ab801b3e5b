from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("POC search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from config.celery import app as celery_app
        from registry.models import Poc

        from .sync import CATCH_UP_TASK, QUEUE, record_pending_on_save

        post_save.connect(record_pending_on_save, sender=Poc, dispatch_uid="search-pending")
        # The periodic sweep that indexes whatever a lost message or an outage left behind.
        celery_app.conf.beat_schedule["search-catch-up"] = {
            "task": CATCH_UP_TASK,
            "schedule": timedelta(seconds=settings.SEARCH_CATCH_UP_SECONDS),
            "options": {"queue": QUEUE},
        }
