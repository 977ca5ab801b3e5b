"""The OpenSearch client and the names of the index."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from django.conf import settings
from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

#: What "OpenSearch is not there right now" looks like from the client.
UNAVAILABLE = (OpenSearchConnectionError, ConnectionTimeout)


#: SigV4's service name for Amazon OpenSearch Service domains.
SIGV4_SERVICE = "es"


def client_options(
    url: str,
    timeout: float,
    pool_size: int,
    *,
    auth: str = "none",
    region: str = "",
    ca_bundle: str = "",
) -> dict[str, Any]:
    """The ``OpenSearch(...)`` arguments for this configuration.

    One pooled client per process and address, its pool as large as the threads
    that share it (urllib3 keeps 1 connection by default: the others would
    connect and be discarded on every request). No client-side retries: callers
    decide (the web answers 503 at once, tasks retry with backoff).

    Over https the server's certificate is always verified (against
    ``ca_bundle`` when given, else the system's roots). With ``auth="sigv4"``
    (Amazon OpenSearch Service, fine-grained access with the pod's IAM role
    mapped) every request is signed with the role's credentials, which boto3
    refreshes. The signer is opensearch-py's AWSV4Signer in its urllib3 form: the
    same transport and pool as locally, and unlike the requests transport it
    cannot have ``ca_certs`` replaced by a ``REQUESTS_CA_BUNDLE`` in the
    environment.
    """
    options: dict[str, Any] = {
        "hosts": [url],
        "timeout": timeout,
        "max_retries": 0,
        "retry_on_timeout": False,
        "pool_maxsize": pool_size,
    }
    if url.startswith("https://"):
        options.update(use_ssl=True, verify_certs=True, ssl_show_warn=True)
        if ca_bundle:
            options["ca_certs"] = ca_bundle
    if auth == "sigv4":
        credentials = boto3.session.Session().get_credentials()
        if credentials is None:
            raise RuntimeError("OPENSEARCH_AUTH=sigv4 but boto3 finds no AWS credentials")
        options["http_auth"] = Urllib3AWSV4SignerAuth(credentials, region, SIGV4_SERVICE)
    return options


@lru_cache(maxsize=4)
def _client(
    url: str, timeout: float, pool_size: int, auth: str, region: str, ca_bundle: str
) -> OpenSearch:
    return OpenSearch(
        **client_options(url, timeout, pool_size, auth=auth, region=region, ca_bundle=ca_bundle)
    )


def client() -> OpenSearch:
    return _client(
        settings.OPENSEARCH_URL,
        float(settings.SEARCH_TIMEOUT_SECONDS),
        int(settings.SEARCH_CLIENT_POOL_SIZE),
        str(getattr(settings, "OPENSEARCH_AUTH", "none")),
        str(getattr(settings, "OPENSEARCH_REGION", "")),
        str(getattr(settings, "OPENSEARCH_CA_BUNDLE", "")),
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
