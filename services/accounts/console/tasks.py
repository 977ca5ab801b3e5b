"""Upkeep of the console's sessions: expired rows leave accounts' database."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

# Hourly: an idle console session expires after CONSOLE_SESSION_IDLE_SECONDS (8 h by default).
SWEEP_SECONDS = 3600.0


@shared_task(name="accounts.sessions_sweep", acks_late=True)
def sessions_sweep() -> int:
    """Delete the sessions that expired (the back office's and the console's); returns how many."""
    deleted, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
