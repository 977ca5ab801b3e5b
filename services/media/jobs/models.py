"""Report and video jobs, and owners' monthly report subscriptions (per organization schema)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REPORT = "report", _("Report")
    VIDEO = "video", _("Video")


class Scope(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    ME = "me", _("Me")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One requested output set. Parameters are normalized; ``request_key`` makes POST idempotent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # sha256 of kind + requester + normalized parameters (docs/adr/0014-media-jobs-and-rendering.md).
    request_key = models.CharField(max_length=64, unique=True)
    requested_by = models.UUIDField()
    requester_name = models.CharField(max_length=150, blank=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    language = models.CharField(max_length=8)
    params: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    warnings: models.JSONField[list[str], list[str]] = models.JSONField(default=list, blank=True)
    # {"pdf": {"key": ..., "content_type": ..., "size": ...}, ...}
    outputs: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        default=dict, blank=True
    )
    # Facts about the result shown to the client (pages, duration, counts).
    details: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        default=dict, blank=True
    )
    # Each claim by a worker is a new attempt; its number fences that worker's
    # writes (docs/adr/0039-dead-workers-and-the-reaper.md).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Written by the running attempt every MEDIA_HEARTBEAT_SECONDS; for a
    # queued job waiting for a retry, the time that retry is due.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Attempts whose worker died (heartbeat stopped); bounded by MEDIA_MAX_WORKER_LOSSES.
    worker_losses = models.PositiveSmallIntegerField(default=0)
    # Monthly reports are created by the beat task for a subscriber.
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["requested_by", "kind", "-created_at"], name="job_owner_kind_created"
            ),
            # The reaper's sweep: running (or retry-waiting) jobs by heartbeat.
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"


class ReportSubscription(models.Model):
    """An owner who gets last month's organization report on the 1st of every month."""

    user_id = models.UUIDField(unique=True)
    user_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=8, default="pt-br")
    formats: models.JSONField[list[str], list[str]] = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"monthly report for {self.user_id}"
