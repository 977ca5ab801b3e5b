"""pocs' part of an organization's export and purge (ADR 0044).

Files: every object under ``pocs/`` (attachments). Public rows: the search
sweep's pending documents. Extra purge work: the organization's documents in
the shared search index (routed by tenant id).
"""

from __future__ import annotations

import uuid

from pocdex_shared.lgpd import register_service_data


def delete_search_documents(tenant_id: uuid.UUID) -> None:
    from opensearchpy.exceptions import NotFoundError

    from search.client import alias, client

    try:
        client().delete_by_query(
            index=alias(),
            body={"query": {"term": {"tenant_id": str(tenant_id)}}},
            params={"refresh": "true", "conflicts": "proceed"},
        )
    except NotFoundError:
        return  # no index yet: nothing indexed


def register() -> None:
    from search.models import PendingDocument

    register_service_data(
        file_prefixes=("pocs/",),
        public_rows=((PendingDocument, "tenant_id"),),
        cleanup=delete_search_documents,
        exclude_models=("integrations.webhooksecret",),
    )
