"""Creating the index and rebuilding it from PostgreSQL behind the alias.

A rebuild creates a new concrete index ``<alias>-<timestamp>``, bulk-loads every
organization's live POCs into it, then moves the alias in one atomic
``_aliases`` call and deletes the indices it pointed at before. Searches never
see a half-built index. Writes that happen while it loads go to the old index:
every POC changed since the rebuild started is synced again after the swap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection as _connection
from django.db.models import Q
from django.utils import timezone
from opensearchpy import NotFoundError
from opensearchpy.helpers import streaming_bulk

from pocdex_shared.tenancy.scope import Require, TenantUnavailable, tenant_scope
from registry.models import Poc
from tenants.models import Tenant

from .client import alias, client
from .documents import index_body
from .sync import _index_action, sync

logger = logging.getLogger(__name__)
# django-tenants' wrapper: schema_name, tenant, set_schema_to_public().
connection: Any = _connection


def new_index_name() -> str:
    return f"{alias()}-{timezone.now().strftime('%Y%m%d%H%M%S%f')}"


def create_index(name: str) -> None:
    client().indices.create(
        index=name,
        body=index_body(
            shards=settings.SEARCH_INDEX_SHARDS, replicas=settings.SEARCH_INDEX_REPLICAS
        ),
    )


def current_indices() -> list[str]:
    es = client()
    if not es.indices.exists_alias(name=alias()):
        return []
    try:
        return sorted(es.indices.get_alias(name=alias()))
    except NotFoundError:  # removed in between
        return []


def ensure_index() -> str:
    """The alias and an (empty) index behind it, created if missing. Idempotent."""
    existing = current_indices()
    if existing:
        return existing[0]
    name = new_index_name()
    create_index(name)
    client().indices.put_alias(index=name, name=alias())
    return name


def _all_actions() -> Iterator[dict[str, Any]]:
    for tenant in Tenant.objects.exclude(schema_name=connection.schema_name).order_by("id"):
        tenant_id = str(tenant.id)
        try:
            with tenant_scope(tenant=tenant, require=Require.LIVE):
                live = Poc.objects.filter(deleted_at__isnull=True).prefetch_related("tags")
                for poc in live.order_by("id").iterator(chunk_size=1000):
                    yield _index_action(poc, tenant_id)
        except TenantUnavailable:
            continue  # still provisioning (no POC yet), or gone since the list was read


@dataclass(frozen=True)
class RebuildResult:
    index: str
    documents: int
    removed: list[str]


def rebuild() -> RebuildResult:
    connection.set_schema_to_public()
    started = timezone.now()
    name = new_index_name()
    create_index(name)
    es = client()
    documents = 0
    try:
        # Replicas and refreshes are pointless while loading; set back before the swap.
        es.indices.put_settings(index=name, body={"index": {"refresh_interval": "-1"}})
        for ok, item in streaming_bulk(es, _all_actions(), index=name, chunk_size=1000):
            if not ok:
                raise RuntimeError(f"document not indexed: {item}")
            documents += 1
        es.indices.put_settings(index=name, body={"index": {"refresh_interval": "1s"}})
        es.indices.refresh(index=name)
    except BaseException:
        es.indices.delete(index=name, ignore_unavailable=True)
        raise
    old = current_indices()
    actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": alias()}} for i in old]
    actions.append({"add": {"index": name, "alias": alias()}})
    es.indices.update_aliases(body={"actions": actions})
    for index in old:
        es.indices.delete(index=index, ignore_unavailable=True)
    _resync_changed_since(started)
    logger.info("search index rebuilt", extra={"index": name, "documents": documents})
    return RebuildResult(index=name, documents=documents, removed=old)


def _resync_changed_since(started: Any) -> None:
    for tenant in Tenant.objects.exclude(schema_name=connection.schema_name):
        try:
            with tenant_scope(tenant=tenant, require=Require.LIVE):
                changed = list(
                    Poc.objects.filter(
                        Q(updated_at__gte=started) | Q(deleted_at__gte=started)
                    ).values_list("id", flat=True)
                )
        except TenantUnavailable:
            continue
        if changed:
            sync(tenant, changed)
