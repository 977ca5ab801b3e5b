"""Dojos, their participants, the sequenced event log and the code snapshots.

A dojo row holds the live state of its session (the code, the revision, the
roles and the timer) and the last event sequence number. Every change to that
state happens in one transaction that locks the row, appends an event with the
next sequence number and updates the state; the event log is what clients
resume from and what replay reads (docs/protocol/dojo-websocket.md).
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class DojoStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


class Visibility(models.TextChoices):
    TEAM = "team", _("Everyone in the organization")
    INVITED = "invited", _("Only invited members")


class TestStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not run yet")
    RED = "red", _("Red")
    GREEN = "green", _("Green")


class Dojo(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    kata = models.TextField(blank=True, default="")
    language = models.CharField(max_length=64)
    rotation_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    scheduled_at = models.DateTimeField()
    poc_id = models.UUIDField(null=True, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    invitees = models.JSONField(default=list, blank=True)
    copiloto_may_edit = models.BooleanField(default=False)
    facilitator_id = models.UUIDField()
    facilitator_name = models.CharField(max_length=150, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=DojoStatus.choices, default=DojoStatus.SCHEDULED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Live state, changed only under the row lock (dojos.engine).
    last_seq = models.BigIntegerField(default=0)
    revision = models.IntegerField(default=0)
    document = models.TextField(blank=True, default="")
    piloto_id = models.UUIDField(null=True, blank=True)
    copiloto_id = models.UUIDField(null=True, blank=True)
    queue = models.JSONField(default=list, blank=True)
    turn_started_at = models.DateTimeField(null=True, blank=True)
    turn_deadline = models.DateTimeField(null=True, blank=True)
    paused_remaining_ms = models.IntegerField(null=True, blank=True)
    test_status = models.CharField(
        max_length=8, choices=TestStatus.choices, default=TestStatus.UNKNOWN
    )
    # The fencing token of the instance that sequences the dojo's commands
    # (dojos.owner, ADR 0042): only ever raised; a batch writes only under it.
    owner_epoch = models.BigIntegerField(default=0)

    retrospective = models.TextField(blank=True, default="")
    retrospective_updated_at = models.DateTimeField(null=True, blank=True)
    retrospective_attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="dojo_status_scheduled"),
            models.Index(fields=["started_at"], name="dojo_started"),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """Someone who joined a dojo, with what they did in it."""

    dojo = models.ForeignKey(Dojo, on_delete=models.CASCADE, related_name="participants")
    user_id = models.UUIDField()
    name = models.CharField(max_length=150, blank=True, default="")
    joined_at = models.DateTimeField(auto_now_add=True)
    seconds_as_piloto = models.IntegerField(default=0)
    turns_as_piloto = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dojo", "user_id"], name="participant_once_per_dojo")
        ]
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return self.name or str(self.user_id)


class DojoEvent(models.Model):
    """One sequenced server event. ``revision`` is set on code operations only."""

    dojo = models.ForeignKey(Dojo, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    actor_id = models.UUIDField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    revision = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # The command that produced it, as its owner received it (dojos.owner): a
    # command sent again after its owner died is recognized, not applied twice.
    request = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dojo", "seq"], name="event_seq_unique"),
            models.UniqueConstraint(
                fields=["dojo", "revision"],
                condition=models.Q(revision__isnull=False),
                name="event_revision_unique",
            ),
        ]
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind}"


class Snapshot(models.Model):
    """The code at one revision, so replay and late joiners need not apply every operation."""

    dojo = models.ForeignKey(Dojo, on_delete=models.CASCADE, related_name="snapshots")
    revision = models.IntegerField()
    seq = models.BigIntegerField()
    document = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dojo", "revision"], name="snapshot_revision_unique")
        ]
        ordering = ["revision"]

    def __str__(self) -> str:
        return f"revision {self.revision}"


class Connection(models.Model):
    """One open WebSocket (presence across instances).

    It is alive while it is younger than ``DOJO_PRESENCE_TTL_SECONDS`` or its
    daphne instance keeps its ``Instance`` row in this schema fresh. A
    connection whose instance died stops being refreshed with it; after the
    TTL the next sweep removes it and announces the departure if it was that
    person's last connection.
    """

    channel_name = models.CharField(max_length=200, primary_key=True)
    dojo = models.ForeignKey(Dojo, on_delete=models.CASCADE, related_name="connections")
    user_id = models.UUIDField()
    name = models.CharField(max_length=150, blank=True, default="")
    instance = models.CharField(max_length=100, blank=True, default="")
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["dojo", "user_id"], name="connection_dojo_user")]

    def __str__(self) -> str:
        return self.channel_name


class Instance(models.Model):
    """A daphne instance serving connections of this organization, and its last heartbeat.

    One row per instance, refreshed every ``DOJO_PRESENCE_REFRESH_SECONDS``
    however many connections it holds: the heartbeat writes one row, not one
    per connection (bench/dojo, docs/benchmarks.md).
    """

    name = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class RemovedMember(models.Model):
    """A person accounts removed from this organization (``member.removed``), and when.

    Dojo has no membership table: it trusts the access token, and a token
    issued before the removal stays valid for its lifetime. Tickets and sockets
    are refused to a token issued at or before ``removed_at``; a token issued
    later means the person was invited back.
    """

    user_id = models.UUIDField(primary_key=True)
    removed_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.user_id)
