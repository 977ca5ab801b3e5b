"""Reads of the registry. Visibility is applied here and nowhere else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Func, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import conflict
from vocabulary.catalog import catalog

from . import storage
from .models import Attachment, AttachmentState, Poc, Tag, Visibility
from .normalize import tag_slug
from .rules import attachment_not_found, poc_not_found

ORDERINGS = ("-updated_at", "-created_at", "name")


def live_pocs() -> QuerySet[Poc]:
    """Every POC not deleted (quota, counts), regardless of who asks."""
    return Poc.objects.filter(deleted_at__isnull=True)


def pocs_used() -> int:
    """What counts against the ``pocs`` limit: the live POCs (deleted ones are free)."""
    return live_pocs().count()


def attachment_bytes_used() -> int:
    """What counts against ``attachment_bytes``: every attachment, pending uploads
    included (their bytes are promised), and those of deleted POCs still restorable."""
    return int(Attachment.objects.aggregate(total=Sum("size"))["total"] or 0)


def _visible_q(actor: Caller, prefix: str = "") -> Q:
    return Q(**{f"{prefix}visibility": Visibility.TEAM}) | Q(**{f"{prefix}author_id": actor.id})


def visible_pocs(*, actor: Caller) -> QuerySet[Poc]:
    return live_pocs().filter(_visible_q(actor))


@dataclass(frozen=True)
class PocFilters:
    statuses: Sequence[str] = ()
    languages: Sequence[str] = ()  # vocabulary slugs, all required
    tags: Sequence[str] = ()  # tag slugs, all required
    author: uuid.UUID | None = None
    visibility: str | None = None
    created_from: date | None = None
    created_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def poc_list(*, actor: Caller, filters: PocFilters) -> QuerySet[Poc]:
    queryset = visible_pocs(actor=actor)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.languages:
        queryset = queryset.filter(languages__contains=list(filters.languages))
    for slug in filters.tags:
        queryset = queryset.filter(tags__slug=slug)
    if filters.author is not None:
        queryset = queryset.filter(author_id=filters.author)
    if filters.visibility:
        queryset = queryset.filter(visibility=filters.visibility)
    if filters.created_from:
        queryset = queryset.filter(created_at__gte=_start_of(filters.created_from))
    if filters.created_to:
        queryset = queryset.filter(created_at__lt=_start_of(filters.created_to + timedelta(days=1)))
    return queryset.prefetch_related("tags")


def poc_get(*, actor: Caller, poc_id: uuid.UUID) -> Poc:
    poc = visible_pocs(actor=actor).prefetch_related("tags").filter(id=poc_id).first()
    if poc is None:
        raise poc_not_found()
    return poc


def poc_list_deleted(*, actor: Caller) -> QuerySet[Poc]:
    """Deleted POCs this member could restore (author, contributor, or admin for team POCs)."""
    mine = Q(author_id=actor.id) | Q(contributors__contains=[actor.id])
    if actor.is_admin:
        mine |= Q(visibility=Visibility.TEAM)
    return (
        Poc.objects.filter(deleted_at__isnull=False)
        .filter(_visible_q(actor))
        .filter(mine)
        .prefetch_related("tags")
    )


# ------------------------------------------------------------------ vocabulary usage


def language_usage(*, actor: Caller, prefix: str = "") -> list[dict[str, Any]]:
    """Every vocabulary entry (matching ``prefix``) with its count among visible POCs."""
    counts = dict(
        visible_pocs(actor=actor)
        .annotate(slug=Func(F("languages"), function="unnest"))
        .values_list("slug")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("slug", "n")
    )
    vocabulary = catalog()
    return [
        {
            "id": entry.slug,
            "slug": entry.slug,
            "name": entry.name,
            "kind": entry.kind,
            "count": counts.get(entry.slug, 0),
        }
        for entry in vocabulary.entries.values()
        if not prefix or vocabulary.matches_prefix(entry, prefix)
    ]


def tag_usage(*, actor: Caller, prefix: str = "") -> list[dict[str, Any]]:
    """Tags in use by POCs the member can see, with their counts (never others' private tags)."""
    visible = Q(pocs__deleted_at__isnull=True) & _visible_q(actor, prefix="pocs__")
    tags = Tag.objects.annotate(count=Count("pocs", filter=visible)).filter(count__gt=0)
    if prefix and (slug_prefix := tag_slug(prefix)):
        tags = tags.filter(slug__startswith=slug_prefix)
    return [
        {"id": tag.pk, "slug": tag.slug, "label": tag.label, "count": tag.count} for tag in tags
    ]


# ------------------------------------------------------------------ attachments


def attachment_list(*, actor: Caller, poc_id: uuid.UUID) -> QuerySet[Attachment]:
    poc = poc_get(actor=actor, poc_id=poc_id)
    return Attachment.objects.filter(poc=poc)


def attachment_download(
    *, actor: Caller, poc_id: uuid.UUID, attachment_id: uuid.UUID
) -> tuple[Attachment, storage.PresignedRequest]:
    poc = poc_get(actor=actor, poc_id=poc_id)
    attachment = Attachment.objects.filter(id=attachment_id, poc=poc).first()
    if attachment is None:
        raise attachment_not_found()
    if attachment.state != AttachmentState.READY:
        raise conflict("attachment_not_ready", _("This file has not finished uploading."))
    return attachment, storage.presigned_download(actor.tenant_id, attachment)


# ------------------------------------------------------------------ for other services


def service_poc_list(
    *,
    author: uuid.UUID | None = None,
    viewer: uuid.UUID | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Poc]:
    """Live POCs of the current schema created or started in ``[start, end]``.

    ``viewer`` applies the members' rule (team POCs and the viewer's own private
    ones); without a viewer, only team POCs.
    """
    visible = Q(visibility=Visibility.TEAM)
    if viewer is not None:
        visible |= Q(author_id=viewer)
    queryset = live_pocs().filter(visible)
    if author is not None:
        queryset = queryset.filter(author_id=author)
    if start or end:
        created, started = Q(), Q(started_on__isnull=False)
        if start:
            created &= Q(created_at__gte=_start_of(start))
            started &= Q(started_on__gte=start)
        if end:
            created &= Q(created_at__lt=_start_of(end + timedelta(days=1)))
            started &= Q(started_on__lte=end)
        queryset = queryset.filter(created | started)
    return queryset.prefetch_related("tags")
