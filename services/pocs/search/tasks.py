"""Celery discovers tasks here (``app.autodiscover_tasks``); they live in ``sync``."""

from .sync import catch_up_task, sync_poc

__all__ = ["catch_up_task", "sync_poc"]
