from __future__ import annotations

from typing import Any

from celery import shared_task

from .mail import send_templated_mail


@shared_task(
    name="accounts.send_mail",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
)
def send_mail_task(to: str, template: str, locale: str, context: dict[str, Any]) -> None:
    send_templated_mail(to=to, template=template, locale=locale, context=context)
