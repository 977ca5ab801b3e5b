from __future__ import annotations

from celery import shared_task

from .services import enforce_grace


@shared_task(name="accounts.billing_enforce_grace", acks_late=True)
def enforce_grace_task() -> int:
    """Periodic (celery beat): downgrade organizations whose grace period has ended."""
    return enforce_grace()
