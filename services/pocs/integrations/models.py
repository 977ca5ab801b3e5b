"""Git host webhooks: the organization's secret and the push activity they record (tenant schema)."""

from __future__ import annotations

import uuid

from django.db import models

from registry.models import Poc


class WebhookSecret(models.Model):
    """One shared secret per organization and provider; GitHub signs with it, GitLab sends it."""

    provider = models.CharField(max_length=16, unique=True)
    secret = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.UUIDField()

    def __str__(self) -> str:
        return self.provider


class PushActivity(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poc = models.ForeignKey(Poc, on_delete=models.CASCADE, related_name="push_activity")
    provider = models.CharField(max_length=16)
    delivery_id = models.CharField(max_length=100)
    ref = models.CharField(max_length=255, blank=True, default="")
    head_commit = models.CharField(max_length=64, blank=True, default="")
    commit_count = models.PositiveIntegerField(default=0)
    pusher = models.CharField(max_length=255, blank=True, default="")
    pushed_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poc", "provider", "delivery_id"], name="one_push_per_delivery"
            )
        ]
        indexes = [models.Index(fields=["poc", "-pushed_at"], name="push_by_poc_recent")]

    def __str__(self) -> str:
        return f"{self.provider} {self.ref} on {self.poc_id}"
