"""Publishing side: write the event with the data, relay it after commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pocdex_shared import tracing

from .models import OutboxEvent
from .names import HANDLE_TASK, queue_for

logger = logging.getLogger(__name__)


def subscribers(topic: str) -> list[str]:
    """Services that consume a topic, from ``settings.EVENT_SUBSCRIBERS``."""
    routes: dict[str, Iterable[str]] = getattr(settings, "EVENT_SUBSCRIBERS", {})
    return list(routes.get(topic, ()))


def envelope(event: OutboxEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "topic": event.topic,
        "producer": settings.POCDEX_SERVICE,
        "tenant_id": str(event.tenant_id) if event.tenant_id else None,
        "occurred_at": event.created_at.isoformat(),
        "payload": event.payload,
    }


def publish(
    topic: str, payload: dict[str, Any], *, tenant_id: uuid.UUID | str | None = None
) -> OutboxEvent:
    """Record an event in the current transaction; it is relayed once the transaction commits."""
    event = OutboxEvent.objects.create(
        topic=topic, payload=payload, tenant_id=tenant_id, trace_context=tracing.context_carrier()
    )
    event_id = event.id
    transaction.on_commit(lambda: relay(ids=[event_id]))
    return event


def relay(
    *, ids: list[uuid.UUID] | None = None, older_than: timedelta | None = None, batch: int = 200
) -> int:
    """Send pending events to their subscribers' queues; returns how many were published.

    Rows are locked with SKIP LOCKED so the after-commit relay and the periodic
    sweep never send the same row concurrently; a broker failure leaves the row
    pending for the next sweep.
    """
    sent = 0
    with transaction.atomic():
        pending = OutboxEvent.objects.select_for_update(skip_locked=True).filter(
            published_at__isnull=True
        )
        if ids is not None:
            pending = pending.filter(id__in=ids)
        if older_than is not None:
            pending = pending.filter(created_at__lte=timezone.now() - older_than)
        for event in pending.order_by("created_at")[:batch]:
            try:
                _send(event)
            except Exception as exc:  # broker down: keep it pending, the sweep retries
                event.attempts += 1
                event.last_error = repr(exc)[:2000]
                event.save(update_fields=["attempts", "last_error"])
                logger.warning("outbox relay failed", extra={"event_id": str(event.id)})
                continue
            event.published_at = timezone.now()
            event.attempts += 1
            event.save(update_fields=["published_at", "attempts"])
            sent += 1
    return sent


def _send(event: OutboxEvent) -> None:
    """One event to every subscriber's queue, in the trace of the code that published it.

    The relay span's parent is the context stored with the row, whether the
    relay runs right after the publisher's commit or in a later sweep; the
    message headers carry the relay span's context to the consumer.
    """
    with tracing.span_continuing(
        event.trace_context,
        f"outbox relay {event.topic}",
        kind=tracing.SpanKind.PRODUCER,
        attributes={"messaging.destination.name": event.topic, "pocdex.event.id": str(event.id)},
    ):
        for service in subscribers(event.topic):
            current_app.send_task(
                HANDLE_TASK,
                args=[envelope(event)],
                queue=queue_for(service),
                # Events are about the platform, not one schema: handlers
                # pick the tenant from the envelope, never from the
                # producer's connection at publish time. The trace context
                # rides along (the Celery instrumentation, when on, replaces
                # it with its publish span's).
                headers={"_schema_name": "public", **tracing.context_carrier()},
                # No publish retries while holding row locks (and, after
                # commit, the request): the periodic sweep retries.
                retry=False,
            )
