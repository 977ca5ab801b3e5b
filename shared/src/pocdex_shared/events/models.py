from __future__ import annotations

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """An event written in the producer's transaction, relayed after commit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=100)
    payload = models.JSONField()
    tenant_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # W3C trace context (traceparent, tracestate) of the span that published the
    # event: the relay and the consumers continue that trace (ADR 0040).
    trace_context = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.id}"


class ProcessedEvent(models.Model):
    """Idempotency record: this consumer already handled this event."""

    event_id = models.UUIDField()
    consumer = models.CharField(max_length=100)
    topic = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "consumer"], name="processed_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.consumer} {self.event_id}"
