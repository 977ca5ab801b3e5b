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
_own_transactions: set[Handler] = set()


def handles(topic: str, *, own_transactions: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for a topic. A handler receives the whole envelope.

    Registering the same function again is a no-op: registration runs from
    ``AppConfig.ready()``, which Django may call more than once.

    ``own_transactions``: the handler runs before the event is recorded and
    outside its transaction, committing its own work piece by piece (say, one
    organization's schema at a time: a single transaction over every schema
    holds a lock per table of each until it ends, and runs out of lock slots).
    It must be idempotent: a failure anywhere runs it again on redelivery.
    """

    def register(func: Handler) -> Handler:
        registered = _handlers.setdefault(topic, [])
        if func not in registered:
            registered.append(func)
        if own_transactions:
            _own_transactions.add(func)
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
    handlers = handlers_for(topic)
    separate = [h for h in handlers if h in _own_transactions]
    if separate:
        if ProcessedEvent.objects.filter(event_id=envelope["id"], consumer=consumer).exists():
            logger.info("duplicate event ignored", extra={"event_id": envelope["id"]})
            return False
        for handler in separate:
            handler(envelope)
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(event_id=envelope["id"], consumer=consumer, topic=topic)
            for handler in handlers:
                if handler not in _own_transactions:
                    handler(envelope)
    except IntegrityError:
        if ProcessedEvent.objects.filter(event_id=envelope["id"], consumer=consumer).exists():
            logger.info("duplicate event ignored", extra={"event_id": envelope["id"]})
            return False
        raise
    return True
