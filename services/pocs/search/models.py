"""What the index still owes: one row per POC changed since its document was last written.

The row lives in the public schema (one table for every organization), so the
catch-up sweep reads one small table instead of visiting every tenant schema.
It is written in the same transaction as the change (``post_save``), so a
committed change always leaves a row, whatever happens to the Celery message.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models


class PendingDocument(models.Model):
    tenant_id = models.UUIDField()
    schema_name: models.CharField[str, str] = models.CharField(max_length=63)
    poc_id = models.UUIDField()
    # Bumped by every change: a sync removes the row only if no change came in meanwhile.
    version: models.BigIntegerField[int, int] = models.BigIntegerField(default=1)
    changed_at: models.DateTimeField[datetime, datetime] = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "poc_id"], name="pending_document_poc")
        ]
        indexes = [models.Index(fields=["changed_at"], name="pending_document_changed")]

    def __str__(self) -> str:
        return f"{self.schema_name}/{self.poc_id}"
