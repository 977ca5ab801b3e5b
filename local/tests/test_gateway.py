"""The gateway (nginx on 127.0.0.1:8000) routes as the Kubernetes ingress does.

Where a service is not running, a fake upstream takes its port and records what
the gateway forwards; where it runs, the gateway's JSON access log says which
upstream served the request (found by its X-Request-ID).
"""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

import pytest
import requests

from .conftest import VAR, port_open, wait_until

GATEWAY = "http://127.0.0.1:8000"
SERVICE_PORTS = {"accounts": 8101, "pocs": 8102, "dojo": 8103, "media": 8104}
ACCESS_LOG = VAR / "log" / "gateway-access.log"

ROUTES = [
    ("/api/v1/signup", "accounts"),
    ("/api/v1/auth/token", "accounts"),
    ("/api/v1/auth/refresh", "accounts"),
    ("/api/v1/me", "accounts"),
    ("/api/v1/members/42", "accounts"),
    ("/api/v1/invitations/abc/accept", "accounts"),
    ("/api/v1/devices", "accounts"),
    ("/api/v1/organization/exports", "accounts"),
    ("/.well-known/jwks.json", "accounts"),
    ("/.well-known/assetlinks.json", "accounts"),
    ("/.well-known/apple-app-site-association", "accounts"),
    ("/api/v1/me/exports", "accounts"),
    ("/admin/", "accounts"),
    ("/static/admin/css/base.css", "accounts"),
    ("/api/v1/pocs", "pocs"),
    ("/api/v1/pocs/7/attachments", "pocs"),
    ("/api/v1/search/pocs?q=django", "pocs"),
    ("/api/v1/search/suggest?q=dj", "pocs"),
    ("/api/v1/languages", "pocs"),
    ("/api/v1/tags", "pocs"),
    ("/api/v1/integrations/git/github/webhook", "pocs"),
    ("/api/v1/dojos", "dojo"),
    ("/api/v1/dojos/5/replay", "dojo"),
    ("/api/v1/reports", "media"),
    ("/api/v1/videos/9", "media"),
]

REWRITES = [
    (f"/{kind}/{service}", service, f"/{kind}")
    for service in SERVICE_PORTS
    for kind in ("healthz", "readyz", "api/schema", "api/docs")
]


def get(path: str, **kwargs: Any) -> requests.Response:
    request_id = kwargs.pop("request_id", None) or f"test-{uuid.uuid4()}"
    headers = {"X-Request-ID": request_id, **kwargs.pop("headers", {})}
    return requests.get(
        GATEWAY + path, headers=headers, timeout=10, allow_redirects=False, **kwargs
    )


def access_log_entry(request_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def look() -> bool:
        for line in ACCESS_LOG.read_text().splitlines()[-500:]:
            entry = json.loads(line)
            if entry["request_id"] == request_id:
                found.update(entry)
                return True
        return False

    assert wait_until(look), f"no access log line for {request_id}"
    return found


def assert_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return dict(error)


@pytest.fixture(autouse=True)
def gateway_is_up() -> None:
    if not port_open(8000):
        pytest.fail("the gateway does not listen on 127.0.0.1:8000: run make run first")


@pytest.mark.parametrize(("path", "service"), ROUTES)
def test_each_api_route_reaches_its_service(path: str, service: str) -> None:
    request_id = f"route-{uuid.uuid4()}"
    response = get(path, request_id=request_id)
    entry = access_log_entry(request_id)
    assert entry["service"] == service
    if response.status_code == 503:
        assert_error(response, 503, "service_unavailable")
        assert response.json()["error"]["service"] == service
    else:
        assert entry["upstream"].endswith(f":{SERVICE_PORTS[service]}") or service == "dojo"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/pocsx", "/api/v1/meta", "/metrics", "/api/schema", "/api/schema/billing", "/nope"],
)
def test_unknown_paths_get_a_json_404_from_the_gateway(path: str) -> None:
    response = get(path)
    assert_error(response, 404, "not_found")
    assert response.headers["X-Request-ID"]


def test_a_request_id_is_kept_when_given_and_made_when_absent() -> None:
    assert get("/nope", request_id="given-id-123").headers["X-Request-ID"] == "given-id-123"
    made = requests.get(GATEWAY + "/nope", timeout=5).headers["X-Request-ID"]
    assert len(made) == 32


def test_forwarded_headers_reach_the_service(fake_upstream: Any) -> None:
    upstream = fake_upstream(SERVICE_PORTS["media"])
    response = get("/api/v1/reports?year=2026", request_id="fwd-1")
    assert response.status_code == 200
    seen = upstream.requests[-1]
    assert seen["path"] == "/api/v1/reports?year=2026"
    headers = seen["headers"]
    assert headers["host"] == "127.0.0.1:8000"
    assert headers["x-forwarded-host"] == "127.0.0.1:8000"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-request-id"] == "fwd-1"
    # Keep-alive towards the services: no "Connection: close" from the gateway.
    assert headers.get("connection", "").lower() != "close"
    assert response.headers["X-Request-ID"] == "fwd-1"


@pytest.mark.parametrize(("path", "service", "upstream_path"), REWRITES)
def test_schema_docs_and_probes_are_rewritten_to_the_service_path(
    path: str, service: str, upstream_path: str, fake_upstream: Any
) -> None:
    port = SERVICE_PORTS[service]
    if port_open(port):
        # The real service runs: it must have answered its own path, not the gateway.
        request_id = f"rewrite-{uuid.uuid4()}"
        response = get(path, request_id=request_id)
        entry = access_log_entry(request_id)
        assert entry["service"] == service
        # dojo runs two instances behind one upstream: either may answer.
        instances = {port, 8113} if service == "dojo" else {port}
        assert entry["upstream"] in {f"127.0.0.1:{p}" for p in instances}
        assert response.status_code != 404, f"{service} does not serve {upstream_path}"
        return
    fakes = [fake_upstream(port)]
    if service == "dojo" and not port_open(8113):
        fakes.append(fake_upstream(8113))
    response = get(path + "?format=json")
    assert response.status_code == 200
    seen = [request for fake in fakes for request in fake.requests]
    assert len(seen) == 1
    assert seen[0]["path"] == upstream_path + "?format=json"
    assert seen[0]["headers"]["x-forwarded-prefix"] == path


def test_a_service_that_is_down_gets_a_json_503_naming_it() -> None:
    down = [name for name, port in SERVICE_PORTS.items() if not port_open(port)]
    if not down:
        pytest.skip("every service is running, none is down")
    service = down[-1]
    path = {
        "accounts": "/api/v1/me",
        "pocs": "/api/v1/tags",
        "dojo": "/api/v1/dojos",
        "media": "/api/v1/videos",
    }[service]
    if service == "dojo" and port_open(8113):
        pytest.skip("the second dojo instance still answers")
    error = assert_error(get(path), 503, "service_unavailable")
    assert error["service"] == service


def test_bodies_over_10_mb_get_a_json_413() -> None:
    response = requests.post(
        GATEWAY + "/api/v1/pocs", data=b"x" * (10 * 1024 * 1024 + 1), timeout=30
    )
    assert_error(response, 413, "payload_too_large")


def test_bodies_under_10_mb_pass(fake_upstream: Any) -> None:
    upstream = fake_upstream(SERVICE_PORTS["media"])
    response = requests.post(GATEWAY + "/api/v1/videos", data=b"x" * (9 * 1024 * 1024), timeout=30)
    assert response.status_code == 200
    assert upstream.requests[-1]["body_size"] == 9 * 1024 * 1024


def test_dojo_rest_is_balanced_over_both_daphne_instances(fake_upstream: Any) -> None:
    first, second = fake_upstream(8103), fake_upstream(8113)
    for _ in range(6):
        assert get("/api/v1/dojos").status_code == 200
    assert first.requests and second.requests


def test_dojo_stays_available_when_one_instance_is_down(fake_upstream: Any) -> None:
    if port_open(8113):
        pytest.skip("the second dojo instance is running")
    first = fake_upstream(8103)
    for _ in range(3):
        assert get("/api/v1/dojos/1").status_code == 200
    assert len(first.requests) == 3


def test_websocket_upgrade_is_forwarded_to_dojo(fake_upstream: Any) -> None:
    upstream = fake_upstream(8103)
    if not port_open(8113):
        fake_upstream(8113)
    with socket.create_connection(("127.0.0.1", 8000), timeout=5) as sock:
        sock.sendall(
            b"GET /ws/dojos/1?ticket=t HTTP/1.1\r\nHost: localhost:8000\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        status_line = sock.recv(1024).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 101 Switching Protocols"
    seen = upstream.requests[-1] if upstream.requests else None
    if seen is not None:  # the first instance took it (else the second did)
        assert seen["path"] == "/ws/dojos/1?ticket=t"
        assert seen["headers"]["upgrade"] == "websocket"
        assert seen["headers"]["connection"].lower() == "upgrade"


def test_tenant_hosts_send_every_page_to_accounts() -> None:
    request_id = f"tenant-{uuid.uuid4()}"
    response = get("/", headers={"Host": "acme.localhost:8000"}, request_id=request_id)
    entry = access_log_entry(request_id)
    assert entry["service"] == "accounts"
    assert entry["host"] == "acme.localhost"
    if response.status_code == 503:
        assert_error(response, 503, "service_unavailable")


def test_tenant_hosts_forward_their_host_header(fake_upstream: Any) -> None:
    upstream = fake_upstream(SERVICE_PORTS["accounts"])
    assert get("/members/", headers={"Host": "acme.localhost:8000"}).status_code == 200
    assert upstream.requests[-1]["headers"]["host"] == "acme.localhost:8000"


def test_the_access_log_is_json_with_the_request_id() -> None:
    get("/nope", request_id="log-check-1")
    entry = access_log_entry("log-check-1")
    assert entry["status"] == 404
    assert entry["uri"] == "/nope"
