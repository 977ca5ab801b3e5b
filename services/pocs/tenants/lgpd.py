"""pocs' part of an organization's export and purge (ADR 0044).

Files: every object under ``pocs/`` (attachments). Public rows: the search
sweep's pending documents. Extra purge work: the organization's documents in
the shared search index (routed by tenant id).
"""

from __future__ import annotations

import json
import uuid

from pocdex_shared.lgpd import register_service_data


def delete_search_documents(tenant_id: uuid.UUID) -> None:
    """Delete the organization's documents in pages (no delete-by-query: it is an
    optional OpenSearch module), refreshing so the next page never repeats one."""
    from opensearchpy.exceptions import NotFoundError

    from search.client import alias, client

    routing = str(tenant_id)
    query = {"query": {"term": {"tenant_id": routing}}, "_source": False, "size": 500}
    try:
        while True:
            hits = client().search(index=alias(), body=query, routing=routing)["hits"]["hits"]
            if not hits:
                return
            actions = "".join(
                json.dumps(
                    {"delete": {"_index": hit["_index"], "_id": hit["_id"], "routing": routing}}
                )
                + "\n"
                for hit in hits
            )
            client().bulk(body=actions, params={"refresh": "true"})
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
