"""The Celery application every service builds the same way."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from tenant_schemas_celery.app import CeleryApp

from pocdex_shared import tracing

from .names import HANDLE_TASK, PING_TASK, RELAY_TASK, queue_for


def create_app(service: str) -> CeleryApp:
    """A tenant-aware Celery app for ``service``: event queue, relay sweep, safe acks.

    ``acks_late`` with reject-on-worker-lost and prefetch 1 mean a killed worker
    loses nothing: its message goes back to the queue. A task that fails for good
    is rejected rather than acknowledged: on SQS the message stays and, once it
    has been received the queue's maxReceiveCount times, moves to the queue's
    dead-letter queue (ADR 0037); on Redis it is dropped, as an ack would.
    """
    for variable in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        if variable in os.environ:
            # Celery prefers these variables to every setting, which once sent a test
            # run's events to the running platform's workers.
            raise ImproperlyConfigured(
                f"{variable} is set in the environment and would override the broker of "
                "the Django settings; set POCDEX_BROKER_URL instead."
            )
    app = CeleryApp(service)
    tracing.connect_celery_worker()
    # Broker URL and transport options come lazily from Django settings (CELERY_*).
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        task_default_queue=f"{service}.default",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=False,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "relay-outbox": {"task": RELAY_TASK, "schedule": timedelta(seconds=5)},
        },
    )
    app.conf.task_routes = {HANDLE_TASK: {"queue": queue_for(service)}}
    app.set_default()

    @app.task(name=HANDLE_TASK, bind=True, max_retries=10, acks_late=True)
    def handle_event(task: Any, envelope: dict[str, Any]) -> bool:
        from .consumer import consume

        try:
            return consume(envelope)
        except Exception as exc:
            raise task.retry(exc=exc, countdown=min(2**task.request.retries, 60)) from exc

    @app.task(name=PING_TASK, bind=True, acks_late=True)
    def ping(task: Any, token: str) -> dict[str, Any]:
        from .diagnostics import record_ping

        return record_ping(token, queue=(task.request.delivery_info or {}).get("routing_key"))

    @app.task(name=RELAY_TASK)
    def relay_outbox() -> int:
        from .outbox import relay

        return relay(older_than=timedelta(seconds=2))

    return app
