"""Reads of the organization's audit trail (the tenant schema the console entered)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from identity.models import User


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(
    *,
    actor_id: uuid.UUID | None = None,
    action: str = "",
    since: date | None = None,
    until: date | None = None,
    before_id: int | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first; ``since``/``until`` are whole days in the project's time zone, inclusive.

    ``before_id`` is the cursor: the entries older than the last one of the previous page.
    """
    entries = AuditEntry.objects.order_by("-id")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(created_at__gte=_start_of(since))
    if until is not None:
        entries = entries.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    if before_id is not None:
        entries = entries.filter(id__lt=before_id)
    return entries


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None


def audit_page(entries: QuerySet[AuditEntry], *, size: int) -> AuditPage:
    """One page and the cursor of the next one (``None`` on the last page)."""
    rows = list(entries[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(entries=rows, next_before=rows[-1].id if more and rows else None)


def people_named(ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    return {user.id: user for user in User.objects.filter(id__in=ids)}
