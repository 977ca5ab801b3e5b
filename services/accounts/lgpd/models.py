"""Organization exports, pending deletions and the record of a purge (ADR 0044)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class OrganizationExport(models.Model):
    """One archive of everything an organization has, in its bucket."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    #: Services whose part is written (a resumed export skips them).
    parts_done = models.JSONField(default=list, blank=True)
    archive_key = models.CharField(max_length=200, blank=True, default="")
    error = models.CharField(max_length=200, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Last sign of life of the worker running it: a stale one is picked up again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="lgpd_export_status_beat")]

    def __str__(self) -> str:
        return f"export {self.id} of {self.organization_id} ({self.status})"


class OrganizationDeletion(models.Model):
    """An organization waiting for its purge; restoring it deletes this row."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="deletion"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    purge_after = models.DateTimeField(db_index=True)
    previous_status = models.CharField(max_length=16)
    purge_started_at = models.DateTimeField(null=True, blank=True)
    last_published_at = models.DateTimeField(null=True, blank=True)
    #: Services that confirmed their purge (``tenant.purge_confirmed``).
    confirmed = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"deletion of {self.organization_id} after {self.purge_after:%Y-%m-%d}"


class PurgeRecord(models.Model):
    """That an organization was purged, and when: no name, slug or person (ADR 0044)."""

    organization_id = models.UUIDField(unique=True)
    deletion_requested_at = models.DateTimeField()
    purged_at = models.DateTimeField()
    services = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.organization_id} purged {self.purged_at:%Y-%m-%d}"


class PersonExport(models.Model):
    """One archive of a person's own data, in the platform's people bucket (ADR 0047)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_exports"
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    archive_key = models.CharField(max_length=200, blank=True, default="")
    error = models.CharField(max_length=200, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: When the archive is deleted (the link's lifetime after completion).
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="lgpd_pexport_status_beat")]

    def __str__(self) -> str:
        return f"personal export {self.id} ({self.status})"
