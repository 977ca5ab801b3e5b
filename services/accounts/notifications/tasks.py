from __future__ import annotations

from typing import Any

from celery import shared_task

from .mail import send_templated_mail
from .push import PushUnavailableError, deliver_to_device, forget_endpoint


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


@shared_task(
    name="accounts.push_to_device",
    autoretry_for=(PushUnavailableError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
)
def push_to_device_task(device_id: str, notice: dict[str, Any]) -> str:
    return deliver_to_device(device_id, notice)


@shared_task(
    name="accounts.forget_push_endpoint",
    autoretry_for=(PushUnavailableError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
)
def forget_push_endpoint_task(endpoint: str) -> None:
    forget_endpoint(endpoint)
