"""Mail sent by accounts: invitations, email verification, password reset."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def queue_mail(*, to: str, template: str, locale: str, context: dict[str, Any]) -> None:
    """Send after the surrounding transaction commits, from a worker with retries."""
    from .tasks import send_mail_task

    transaction.on_commit(lambda: send_mail_task.delay(to, template, locale, context))
