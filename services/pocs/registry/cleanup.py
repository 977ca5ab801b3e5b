"""Sweeps over every organization's schema: purging deleted POCs, dropping abandoned uploads.

* ``purge_deleted_pocs``: POCs soft-deleted more than ``POC_RESTORE_WINDOW_DAYS``
  ago (they can no longer be restored) go for good: their attachment objects
  (every object under ``pocs/<poc id>/``, so a partial or orphaned upload goes
  too), their rows (attachments, tags links, push activity and learning notes
  cascade) and their search documents.
* ``remove_abandoned_uploads``: attachment rows still ``pending`` after
  ``ATTACHMENT_UPLOAD_GRACE_HOURS`` (the presigned PUT expired long ago), with
  whatever partial object the client left; and, for completed attachments whose
  presigned PUT has expired, whatever a PUT after the completion wrote to the
  upload key (the file itself is at its final key, which clients cannot write).

Order matters: objects first, rows after. A failure to delete an object keeps
the row, so the next sweep tries again and no object is ever left without a
row pointing at it. Search documents are removed through the sync machinery
(``search.sync``): the deletion records a pending row in the same transaction,
so an OpenSearch outage only delays the document's removal to the catch-up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.db import connection as _connection
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from pocdex_shared.tenancy.scope import Require, tenant_scope
from tenants.models import Tenant

from . import storage
from .models import Attachment, AttachmentState, Poc

logger = logging.getLogger(__name__)
# django-tenants' wrapper: set_schema_to_public().
connection: Any = _connection

BATCH = 200


def tenants_with_schemas() -> Iterator[Tenant]:
    """Every organization whose schema exists (a replica still provisioning is skipped)."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        schemas = {row[0] for row in cursor.fetchall()}
    public = get_public_schema_name()
    for tenant in Tenant.objects.exclude(schema_name=public).order_by("schema_name"):
        if tenant.schema_name in schemas:
            yield tenant


@dataclass
class PurgeReport:
    dry_run: bool = False
    tenants: int = 0  # organizations that had something to purge
    pocs: int = 0
    attachments: int = 0
    objects: int = 0
    documents: int = 0  # search documents deleted now (the others were gone already)
    kept: list[str] = field(default_factory=list)  # POC ids kept: an object could not be deleted


def purge_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.POC_RESTORE_WINDOW_DAYS)


def purge_deleted_pocs(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Purge, in every organization, the POCs deleted before the restore window."""
    cutoff = purge_cutoff(now)
    report = PurgeReport(dry_run=dry_run)
    for tenant in tenants_with_schemas():
        if _purge_tenant(tenant, cutoff, report):
            report.tenants += 1
    return report


def _purge_tenant(tenant: Tenant, cutoff: datetime, report: PurgeReport) -> bool:
    skip: set[uuid.UUID] = set()
    found = False
    while True:
        with tenant_scope(tenant=tenant, require=Require.ANY):
            ids = list(
                Poc.objects.filter(deleted_at__lt=cutoff)
                .exclude(id__in=skip)
                .order_by("deleted_at", "id")
                .values_list("id", flat=True)[:BATCH]
            )
            if not ids:
                return found
            found = True
            attachments = Attachment.objects.filter(poc_id__in=ids).count()
        if report.dry_run:
            report.pocs += len(ids)
            report.attachments += attachments
            report.objects += sum(
                len(storage.keys_under(tenant.id, storage.poc_prefix(i))) for i in ids
            )
            skip.update(ids)
            continue
        removable = []
        for poc_id in ids:
            try:
                report.objects += storage.delete_under(tenant.id, storage.poc_prefix(poc_id))
            except ClientError:
                logger.warning(
                    "purge: attachment objects not deleted, POC kept for the next sweep",
                    extra={"tenant": str(tenant.id), "poc": str(poc_id)},
                    exc_info=True,
                )
                report.kept.append(str(poc_id))
                skip.add(poc_id)
            else:
                removable.append(poc_id)
        purged, attachments = _delete_rows(tenant, removable, cutoff)
        report.pocs += len(purged)
        report.attachments += attachments
        report.documents += _remove_documents(tenant, purged)
        skip.update(removable)


def _delete_rows(
    tenant: Tenant, ids: list[uuid.UUID], cutoff: datetime
) -> tuple[list[uuid.UUID], int]:
    """Delete the POC rows (still deleted before ``cutoff``) and record their pending documents."""
    from search.sync import record_pending

    if not ids:
        return [], 0
    with tenant_scope(tenant=tenant, require=Require.ANY), transaction.atomic():
        doomed = list(
            Poc.objects.select_for_update()
            .filter(id__in=ids, deleted_at__lt=cutoff)
            .values_list("id", flat=True)
        )
        attachments = Attachment.objects.filter(poc_id__in=doomed).count()
        Poc.objects.filter(id__in=doomed).delete()
        for poc_id in doomed:
            record_pending(tenant_id=tenant.id, schema_name=tenant.schema_name, poc_id=poc_id)
    return doomed, attachments


def _remove_documents(tenant: Tenant, ids: list[uuid.UUID]) -> int:
    """Delete the search documents now; on failure the pending rows leave it to the catch-up."""
    from search.client import is_unavailable
    from search.sync import sync

    if not ids:
        return 0
    try:
        return sync(tenant, ids)
    except Exception as exc:
        level = logging.INFO if is_unavailable(exc) else logging.WARNING
        logger.log(level, "purge: search documents left to the catch-up", exc_info=True)
        return 0


# ------------------------------------------------------------------ abandoned uploads


@dataclass
class UploadsReport:
    dry_run: bool = False
    attachments: int = 0
    objects: int = 0
    kept: list[str] = field(default_factory=list)


def upload_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(hours=settings.ATTACHMENT_UPLOAD_GRACE_HOURS)


def remove_abandoned_uploads(
    *, now: datetime | None = None, dry_run: bool = False
) -> UploadsReport:
    """Remove attachments never completed within the grace period, with any partial object."""
    cutoff = upload_cutoff(now)
    report = UploadsReport(dry_run=dry_run)
    for tenant in tenants_with_schemas():
        with tenant_scope(tenant=tenant, require=Require.ANY):
            stale = list(
                Attachment.objects.filter(state=AttachmentState.PENDING, created_at__lt=cutoff)
                .order_by("created_at")
                .values_list("id", "key", "upload_key")
            )
            for attachment_id, key, upload_key in stale:
                _remove_upload(tenant, attachment_id, [upload_key, key], cutoff, report)
            _remove_late_uploads(tenant, now or timezone.now(), report)
    return report


def _remove_late_uploads(tenant: Tenant, now: datetime, report: UploadsReport) -> None:
    """Delete the upload key of completed attachments whose presigned PUT has expired.

    Completion deleted it already; a PUT with the same URL afterwards writes it
    again (never the final key). Once the URL has expired nothing can, so the key
    is deleted one last time and forgotten.
    """
    expired = now - timedelta(seconds=settings.ATTACHMENT_UPLOAD_URL_SECONDS)
    done = list(
        Attachment.objects.filter(state=AttachmentState.READY, created_at__lt=expired)
        .exclude(upload_key="")
        .values_list("id", "upload_key")
    )
    for attachment_id, upload_key in done:
        if report.dry_run:
            report.objects += storage.stored_size(tenant.id, upload_key) is not None
            continue
        try:
            if storage.stored_size(tenant.id, upload_key) is not None:
                storage.delete_object(tenant.id, upload_key)
                report.objects += 1
        except ClientError:
            logger.warning(
                "late upload: object not deleted, left for the next sweep",
                extra={"tenant": str(tenant.id), "key": upload_key},
                exc_info=True,
            )
            continue
        Attachment.objects.filter(id=attachment_id).update(upload_key="")


def _remove_upload(
    tenant: Tenant,
    attachment_id: uuid.UUID,
    keys: list[str],
    cutoff: datetime,
    report: UploadsReport,
) -> None:
    present = [
        key
        for key in dict.fromkeys(keys)
        if key and storage.stored_size(tenant.id, key) is not None
    ]
    if report.dry_run:
        report.attachments += 1
        report.objects += len(present)
        return
    with transaction.atomic():
        # Locked and checked again: a completion that raced in keeps its file.
        row = (
            Attachment.objects.select_for_update(skip_locked=True)
            .filter(id=attachment_id, state=AttachmentState.PENDING, created_at__lt=cutoff)
            .first()
        )
        if row is None:
            return
        for key in present:
            try:
                storage.delete_object(tenant.id, key)
            except ClientError:
                logger.warning(
                    "abandoned upload: object not deleted, row kept for the next sweep",
                    extra={"tenant": str(tenant.id), "key": key},
                    exc_info=True,
                )
                report.kept.append(str(attachment_id))
                return
            report.objects += 1
        row.delete()
        report.attachments += 1
