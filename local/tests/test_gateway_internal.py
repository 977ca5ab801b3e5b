"""The gateway refuses service-to-service APIs and metrics on every host.

``/internal/...`` (service tokens, the organization list) and ``/metrics`` are
for callers inside the cluster. On a tenant host (``<slug>.localhost``) every
path not in the routing table goes to accounts, so without an explicit refusal
both were reachable from outside. The answer must be the gateway's own JSON
404 ("No route for this path."), whatever spelling of the path is sent.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from .test_gateway import GATEWAY, gateway_is_up  # noqa: F401 (autouse fixture)

HOSTS = ["localhost:8000", "acme.localhost:8000", "127.0.0.1:8000"]
PATHS = [
    ("GET", "/internal/v1/tenants"),
    ("GET", "/internal/v1/tenants?limit=500"),
    ("POST", "/internal/v1/service-tokens"),
    ("GET", "/internal/v1/pocs/stats"),
    ("GET", "/internal"),
    ("GET", "/metrics"),
    ("GET", "/metrics/"),
    ("GET", "/metrics?name[]=django_http_requests_total"),
    # Other spellings that reach the same Django route.
    ("GET", "//internal/v1/tenants"),
    ("GET", "/%69nternal/v1/tenants"),
    ("GET", "/%6Detrics"),
    ("GET", "/api/v1/../../internal/v1/tenants"),
    ("GET", "/admin/../metrics"),
    ("GET", "/INTERNAL/v1/tenants"),
]
NO_ROUTE = {"error": {"code": "not_found", "message": "No route for this path."}}


def send(method: str, path: str, host: str) -> tuple[int, str, bytes]:
    """The raw path as given (no client-side normalization), with this Host."""
    target = urlsplit(GATEWAY)
    connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=10)
    try:
        body = b'{"client": "pocs", "secret": "guess"}' if method == "POST" else None
        headers = {"Host": host, "Content-Type": "application/json"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize(("method", "path"), PATHS)
def test_internal_apis_and_metrics_are_refused_by_the_gateway(
    method: str, path: str, host: str
) -> None:
    status, content_type, body = send(method, path, host)

    assert (status, content_type) == (404, "application/json"), body[:300]
    assert json.loads(body) == NO_ROUTE


@pytest.mark.parametrize("host", HOSTS)
def test_public_routes_that_mention_internal_or_metrics_still_reach_their_service(
    host: str,
) -> None:
    """Only the first path segment is refused: a search for those words is pocs' to answer."""
    status, _content_type, body = send("GET", "/api/v1/search/pocs?q=internal+metrics", host)

    assert status == 401, body[:300]
    assert json.loads(body)["error"]["code"] == "not_authenticated"
