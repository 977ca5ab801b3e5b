"""POCs, their tags and attachments (tenant schema: one set of tables per organization)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class PocStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")


class PocOutcome(models.TextChoices):
    NONE = "", _("Not known yet")
    VALIDATED = "validated", _("Validated")
    INVALIDATED = "invalidated", _("Invalidated")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class Visibility(models.TextChoices):
    TEAM = "team", _("Team")
    PRIVATE = "private", _("Private")


class RepositoryHost(models.TextChoices):
    NONE = "", _("No repository")
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    BITBUCKET = "bitbucket", "Bitbucket"
    OTHER = "other", _("Other")


class Tag(models.Model):
    """A tag as normalized (``slug``) with the label it was first written with."""

    slug: models.CharField[str, str] = models.CharField(max_length=50, unique=True)
    label: models.CharField[str, str] = models.CharField(max_length=50)
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.slug


class Poc(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name: models.CharField[str, str] = models.CharField(_("name"), max_length=200)
    summary: models.CharField[str, str] = models.CharField(_("summary"), max_length=500, blank=True)
    description: models.TextField[str, str] = models.TextField(_("description"), blank=True)
    status: models.CharField[str, str] = models.CharField(
        _("status"), max_length=16, choices=PocStatus.choices, default=PocStatus.IDEA
    )
    hypothesis: models.TextField[str, str] = models.TextField(_("hypothesis"), blank=True)
    outcome: models.CharField[str, str] = models.CharField(
        _("outcome"), max_length=16, choices=PocOutcome.choices, blank=True, default=""
    )
    learnings: models.TextField[str, str] = models.TextField(_("learnings"), blank=True)
    # Vocabulary slugs (public ``vocabulary.Technology``), in the order given.
    languages = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField(
        Tag, related_name="pocs", blank=True
    )
    repository_url: models.URLField[str, str] = models.URLField(
        _("repository URL"), max_length=500, blank=True
    )
    repository_host: models.CharField[str, str] = models.CharField(
        max_length=16, choices=RepositoryHost.choices, blank=True, default=""
    )
    # [{"title": str, "url": str}], https only.
    links = models.JSONField(default=list, blank=True)
    started_on: models.DateField[date | None, date | None] = models.DateField(null=True, blank=True)
    finished_on: models.DateField[date | None, date | None] = models.DateField(
        null=True, blank=True
    )
    visibility: models.CharField[str, str] = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    # People live in accounts: ids from the access token, the name as it was then.
    author_id = models.UUIDField(db_index=True)
    author_name: models.CharField[str, str] = models.CharField(max_length=150, blank=True)
    contributors = ArrayField(models.UUIDField(), default=list, blank=True)
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    updated_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now=True)
    deleted_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        verbose_name = _("POC")
        verbose_name_plural = _("POCs")
        indexes = [
            models.Index(fields=["-updated_at", "id"], name="poc_updated"),
            models.Index(fields=["-created_at", "id"], name="poc_created"),
            models.Index(fields=["name", "id"], name="poc_name"),
            GinIndex(fields=["languages"], name="poc_languages"),
            GinIndex(fields=["contributors"], name="poc_contributors"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finished_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(finished_on__gte=models.F("started_on")),
                name="poc_finished_after_started",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AttachmentState(models.TextChoices):
    PENDING = "pending", _("Waiting for the upload")
    READY = "ready", _("Uploaded")


class Attachment(models.Model):
    """A file in the organization's bucket, uploaded by the client with a presigned URL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poc: models.ForeignKey[Poc, Poc] = models.ForeignKey(
        Poc, on_delete=models.CASCADE, related_name="attachments"
    )
    filename: models.CharField[str, str] = models.CharField(max_length=255)
    content_type: models.CharField[str, str] = models.CharField(max_length=100)
    size: models.PositiveBigIntegerField[int, int] = models.PositiveBigIntegerField()
    # The final key, written by the service only; ``upload_key`` is what the
    # client's presigned PUT writes (empty for uploads started before it existed,
    # and once the sweep has removed whatever a late PUT left there).
    key: models.CharField[str, str] = models.CharField(max_length=400, unique=True)
    upload_key: models.CharField[str, str] = models.CharField(
        max_length=400, blank=True, default=""
    )
    # SHA-256 of the stored object, read back at completion (empty while pending).
    sha256: models.CharField[str, str] = models.CharField(max_length=64, blank=True, default="")
    state: models.CharField[str, str] = models.CharField(
        max_length=16, choices=AttachmentState.choices, default=AttachmentState.PENDING
    )
    uploaded_by = models.UUIDField()
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    completed_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["poc", "created_at"], name="attachment_poc_created")]

    def __str__(self) -> str:
        return self.filename


class Person(models.Model):
    """A member as pocs last saw them, so that POCs show names and not only ids.

    People live in accounts; this is a per-organization directory filled from
    the ``name`` claim of their access tokens whenever they use pocs, and marked
    removed by accounts' ``member.removed`` event (docs/adr/0012). The name is
    kept after removal: their POCs still say who wrote them.
    """

    id = models.UUIDField(primary_key=True)
    name: models.CharField[str, str] = models.CharField(max_length=150)
    seen_at: models.DateTimeField[datetime, datetime] = models.DateTimeField()
    removed_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class LearningNote(models.Model):
    """Text another service appended to a POC's learnings (a dojo retrospective, say).

    One row per ``(source, source_id)``: the same note sent twice is appended once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poc: models.ForeignKey[Poc, Poc] = models.ForeignKey(
        Poc, on_delete=models.CASCADE, related_name="learning_notes"
    )
    source: models.CharField[str, str] = models.CharField(max_length=32)
    source_id = models.UUIDField()
    author_id = models.UUIDField(null=True, blank=True)
    text: models.TextField[str, str] = models.TextField()
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("learning note")
        verbose_name_plural = _("learning notes")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="learning_note_source")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"
