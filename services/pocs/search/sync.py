"""Keeping the index in step with the database, which is the source of truth.

1. A POC write saves the POC; ``post_save`` records a ``PendingDocument`` in
   the same transaction (``record_pending_on_save``).
2. After commit, ``registry.signals.poc_changed`` queues ``search.sync_poc``
   on ``pocs.search``; the task reads the POC in its tenant's schema and writes
   or deletes its document, then clears the pending row unless a newer change
   arrived meanwhile. It retries with backoff while OpenSearch is unreachable.
3. ``search.catch_up`` (Celery beat) syncs every pending row older than a grace
   period: what exhausted its retries, or whose message was lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection as _connection
from django.utils import timezone
from opensearchpy.helpers import bulk

from pocdex_shared.queues import queue
from pocdex_shared.tenancy.scope import Require, tenant_scope
from registry.models import Poc
from tenants.models import Tenant

from .client import alias, client, is_unavailable
from .documents import to_source
from .models import PendingDocument

logger = logging.getLogger(__name__)
# django-tenants' wrapper: schema_name, tenant, set_schema_to_public().
connection: Any = _connection

SYNC_TASK = "search.sync_poc"
CATCH_UP_TASK = "search.catch_up"
QUEUE = queue("pocs", "search")
CATCH_UP_BATCH = 500

_UPSERT_PENDING = """
INSERT INTO public.search_pendingdocument (tenant_id, schema_name, poc_id, version, changed_at)
VALUES (%s, %s, %s, 1, clock_timestamp())
ON CONFLICT (tenant_id, poc_id) DO UPDATE
SET version = search_pendingdocument.version + 1, changed_at = EXCLUDED.changed_at
"""


def record_pending(*, tenant_id: uuid.UUID | str, schema_name: str, poc_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_PENDING, [str(tenant_id), schema_name, str(poc_id)])


def record_pending_on_save(sender: type[Poc], instance: Poc, **kwargs: Any) -> None:
    """``post_save`` of ``Poc``: runs inside the writing transaction."""
    tenant = getattr(connection, "tenant", None)
    tenant_id = getattr(tenant, "id", None)
    if tenant_id is None:
        tenant_id = (
            Tenant.objects.filter(schema_name=connection.schema_name)
            .values_list("id", flat=True)
            .first()
        )
    if tenant_id is None:  # the template schema, say: nobody searches it
        return
    record_pending(tenant_id=tenant_id, schema_name=connection.schema_name, poc_id=instance.id)


def enqueue(poc_id: uuid.UUID, tenant_id: uuid.UUID | str) -> None:
    """Queue the sync of one POC; never raises (the write has already succeeded)."""
    try:
        sync_poc.apply_async(args=[str(tenant_id), str(poc_id)], queue=QUEUE)
    except Exception:
        # The pending row is there: the catch-up sweep will index it.
        logger.warning("search sync not queued", extra={"poc": str(poc_id)}, exc_info=True)


# ---------------------------------------------------------------- writing documents


def _actions(tenant: Tenant, poc_ids: Iterable[uuid.UUID | str]) -> Iterator[dict[str, Any]]:
    """Bulk actions bringing the documents of ``poc_ids`` to the database's state."""
    wanted = {str(p) for p in poc_ids}
    tenant_id = str(tenant.id)
    # Upkeep of the index: a suspended organization's documents follow its rows too.
    with tenant_scope(tenant=tenant, require=Require.LIVE):
        live = Poc.objects.filter(id__in=wanted, deleted_at__isnull=True).prefetch_related("tags")
        for poc in live:
            wanted.discard(str(poc.id))
            yield _index_action(poc, tenant_id)
    for poc_id in wanted:  # gone or soft-deleted: no document
        yield {"_op_type": "delete", "_id": poc_id, "_routing": tenant_id}


def _index_action(poc: Poc, tenant_id: str) -> dict[str, Any]:
    return {
        "_op_type": "index",
        "_id": str(poc.id),
        "_routing": tenant_id,
        "_source": to_source(poc, tenant_id=tenant_id),
    }


def write_documents(
    tenant: Tenant, poc_ids: Iterable[uuid.UUID | str], *, refresh: bool = False
) -> int:
    """Index or delete the documents of ``poc_ids``; returns how many actions succeeded.

    A missing document on delete is fine. Raises when OpenSearch is unreachable
    or the alias does not exist (``require_alias``: never auto-create an index
    with guessed mappings).
    """
    ok, errors = bulk(
        client(),
        _actions(tenant, poc_ids),
        index=alias(),
        require_alias=True,
        refresh=refresh,
        raise_on_error=False,
        raise_on_exception=True,
    )
    failures = [e for e in errors if not ("delete" in e and e["delete"].get("status") == 404)]
    if failures:
        raise RuntimeError(f"{len(failures)} documents were not written: {failures[:3]}")
    return ok


def _clear_pending(tenant: Tenant, versions: dict[str, int]) -> None:
    """Remove pending rows whose version is still the one read before writing."""
    for poc_id, version in versions.items():
        PendingDocument.objects.filter(tenant_id=tenant.id, poc_id=poc_id, version=version).delete()


def _pending_versions(tenant: Tenant, poc_ids: Iterable[str]) -> dict[str, int]:
    rows = PendingDocument.objects.filter(tenant_id=tenant.id, poc_id__in=list(poc_ids))
    return {str(poc_id): version for poc_id, version in rows.values_list("poc_id", "version")}


def sync(tenant: Tenant, poc_ids: Iterable[uuid.UUID | str]) -> int:
    ids = [str(p) for p in poc_ids]
    connection.set_schema_to_public()
    versions = _pending_versions(tenant, ids)
    written = write_documents(tenant, ids)
    _clear_pending(tenant, versions)
    return written


@shared_task(name=SYNC_TASK, bind=True, max_retries=8, acks_late=True)
def sync_poc(task: Any, tenant_id: str, poc_id: str) -> bool:
    tenant = Tenant.objects.filter(id=tenant_id).first()
    if tenant is None:
        return False
    try:
        sync(tenant, [poc_id])
    except Exception as exc:
        if not is_unavailable(exc):
            # Not something waiting helps with; the pending row stays for the sweep.
            logger.warning("search sync failed", extra={"poc": poc_id}, exc_info=True)
            return False
        # 1, 2, 4 … 60 s; after the last retry the pending row is the safety net.
        raise task.retry(exc=exc, countdown=min(2**task.request.retries, 60)) from None
    return True


# ---------------------------------------------------------------- catching up


def catch_up(*, older_than: timedelta | None = None, limit: int = CATCH_UP_BATCH) -> int:
    """Sync pending rows changed before ``now - older_than``; returns how many POCs were synced."""
    if older_than is None:
        older_than = timedelta(seconds=settings.SEARCH_CATCH_UP_GRACE_SECONDS)
    connection.set_schema_to_public()
    cutoff: datetime = timezone.now() - older_than
    rows = list(
        PendingDocument.objects.filter(changed_at__lte=cutoff)
        .order_by("changed_at")
        .values_list("tenant_id", "poc_id")[:limit]
    )
    by_tenant: dict[uuid.UUID, list[str]] = {}
    for tenant_id, poc_id in rows:
        by_tenant.setdefault(tenant_id, []).append(str(poc_id))
    synced = 0
    for tenant in Tenant.objects.filter(id__in=list(by_tenant)):
        ids = by_tenant.pop(tenant.id)
        sync(tenant, ids)
        synced += len(ids)
    # Rows of organizations this service no longer knows: nothing to index.
    for tenant_id in by_tenant:
        PendingDocument.objects.filter(tenant_id=tenant_id).delete()
    return synced


@shared_task(name=CATCH_UP_TASK, ignore_result=True)
def catch_up_task() -> int:
    try:
        return catch_up()
    except Exception as exc:
        if is_unavailable(exc):
            logger.info("search catch-up skipped: OpenSearch unavailable")
            return 0
        raise
