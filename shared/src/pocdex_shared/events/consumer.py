"""Consuming side: one Celery task per service queue, dispatching by topic, idempotently."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from pocdex_shared import tracing

from .models import ProcessedEvent

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, list[Handler]] = {}


def handles(topic: str) -> Callable[[Handler], Handler]:
    """Register a handler for a topic. A handler receives the whole envelope.

    Registering the same function again is a no-op: registration runs from
    ``AppConfig.ready()``, which Django may call more than once.
    """

    def register(func: Handler) -> Handler:
        registered = _handlers.setdefault(topic, [])
        if func not in registered:
            registered.append(func)
        return func

    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, ()))


def consume(envelope: dict[str, Any]) -> bool:
    """Run the handlers of one event exactly once for this service.

    The processed-event row and the handlers' writes commit together: if a
    handler fails, nothing is recorded and the redelivered event runs again.
    Returns False for a duplicate.
    """
    consumer = settings.POCDEX_SERVICE
    topic = envelope["topic"]
    with tracing.span_continuing(
        _message_trace_context(),
        f"event {topic}",
        kind=tracing.SpanKind.CONSUMER,
        attributes={"messaging.destination.name": topic, "pocdex.event.id": str(envelope["id"])},
    ):
        return _consume(envelope, consumer, topic)


def _message_trace_context() -> dict[str, str]:
    """The trace context the relay put in the message being handled, if any."""
    from celery import current_task

    request = getattr(current_task, "request", None) if current_task else None
    return tracing.carrier_of_task_request(request) if request is not None else {}


def _consume(envelope: dict[str, Any], consumer: str, topic: str) -> bool:
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(event_id=envelope["id"], consumer=consumer, topic=topic)
            for handler in handlers_for(topic):
                handler(envelope)
    except IntegrityError:
        if ProcessedEvent.objects.filter(event_id=envelope["id"], consumer=consumer).exists():
            logger.info("duplicate event ignored", extra={"event_id": envelope["id"]})
            return False
        raise
    return True
