"""Per-organization audit trail (lives in the tenant's schema)."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    actor_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64)
    # A member id or an e-mail address (up to 254 characters).
    target = models.CharField(max_length=254, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
