"""The OpenSearch client and the names of the index."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

#: What "OpenSearch is not there right now" looks like from the client.
UNAVAILABLE = (OpenSearchConnectionError, ConnectionTimeout)


@lru_cache(maxsize=4)
def _client(url: str, timeout: float, pool_size: int) -> OpenSearch:
    # One pooled client per process and address, its pool as large as the threads
    # that share it (urllib3 keeps 1 connection by default: the others would
    # connect and be discarded on every request). No client-side retries: callers
    # decide (the web answers 503 at once, tasks retry with backoff).
    return OpenSearch(
        hosts=[url],
        timeout=timeout,
        max_retries=0,
        retry_on_timeout=False,
        pool_maxsize=pool_size,
    )


def client() -> OpenSearch:
    return _client(
        settings.OPENSEARCH_URL,
        float(settings.SEARCH_TIMEOUT_SECONDS),
        int(settings.SEARCH_CLIENT_POOL_SIZE),
    )


def alias() -> str:
    return str(settings.SEARCH_INDEX_ALIAS)


def is_unavailable(exc: BaseException) -> bool:
    """Connection refused, timeouts, and 5xx answers such as a red cluster (503)."""
    if isinstance(exc, UNAVAILABLE):
        return True
    return (
        isinstance(exc, TransportError)
        and isinstance(exc.status_code, int)
        and exc.status_code >= 500
    )
