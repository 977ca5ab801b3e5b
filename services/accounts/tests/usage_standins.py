"""pocs, dojo and media as accounts sees them for usage, over real HTTP, serving the test's data.

Accounts reads an organization's usage through one internal contract:
``GET /internal/v1/tenants/<id>/usage`` on each service, with a service token
accounts signs for that service's audience (``pocdex_shared.usage``). These
servers answer it in the test process, each on its own local port, from what the
test registered: accounts' concurrent client, its tokens, timeouts, cache and
failure handling all run for real, and the tests need no other service running.
The services' own counting behind the route is tested in their suites
(``tests/test_usage.py`` of pocs, dojo and media); the whole chain through the
real services is the end-to-end test ``tests/e2e/test_usage_journey.py``.

A token is checked as the services check it (``TokenVerifier``: accounts' key,
issuer, audience ``pocdex-<service>``, type ``service``); a caller other than
accounts gets 403, an organization nobody registered ``404 tenant_not_found``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.conf import settings

from pocdex_shared.jwt import InvalidToken, StaticKeySource, TokenVerifier
from tokens.keys import signing_key

#: How long a held answer waits at most (far beyond any timeout the tests set).
HOLD_DEADLINE_SECONDS = 30.0

_USAGE = re.compile(r"^/internal/v1/tenants/(?P<tenant>[0-9a-f-]{36})/usage$")

#: The limits each service answers, as the real services register them.
LIMITS = {
    "pocs": ("pocs", "attachment_bytes"),
    "dojo": ("dojos_per_month",),
    "media": ("reports_per_month", "videos_per_month"),
}


@dataclass
class StandIn:
    """One service: its answers by tenant, and the tenants it was asked about."""

    service: str
    verifier: TokenVerifier
    usage: dict[str, dict[str, dict[str, int | None]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    #: Set: every answer waits until it is cleared (a service too slow to answer).
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        self.released.clear()
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()
        self.released.set()

    def set(self, tenant_id: Any, **used_and_limits: tuple[int, int | None]) -> None:
        """``set(org.id, pocs=(3, 200), attachment_bytes=(0, 1024))``: (used, limit)."""
        with self.lock:
            answer = self.usage.setdefault(str(tenant_id), {})
            for name, (used, limit) in used_and_limits.items():
                assert name in LIMITS[self.service], name
                answer[name] = {"used": used, "limit": limit}

    def times_asked(self, tenant_id: Any) -> int:
        with self.lock:
            return self.asked.count(str(tenant_id))


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            match = _USAGE.match(self.path)
            if match is None:
                self._send(404, {"error": {"code": "not_found", "message": "no such route"}})
                return
            scheme, _sep, raw = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer":
                self._send(401, {"error": {"code": "not_authenticated", "message": "no token"}})
                return
            try:
                token = stand_in.verifier.verify(raw.strip())
            except InvalidToken as error:
                self._send(401, {"error": {"code": str(error), "message": "invalid token"}})
                return
            if token.subject != "service:accounts":
                self._send(403, {"error": {"code": "permission_denied", "message": "accounts"}})
                return
            tenant = match["tenant"]
            if stand_in.holding.is_set():
                # Bounded, so a client that never gives up fails its test instead of hanging it.
                stand_in.released.wait(timeout=HOLD_DEADLINE_SECONDS)
            with stand_in.lock:
                stand_in.asked.append(tenant)
                usage = stand_in.usage.get(tenant)
            if usage is None:
                self._send(404, {"error": {"code": "tenant_not_found", "message": "unknown"}})
                return
            body = {"service": stand_in.service, "tenant_id": tenant, "plan": "?", "usage": usage}
            self._send(200, body)

    return Handler


@dataclass
class StandIns:
    services: dict[str, StandIn]

    def __getitem__(self, service: str) -> StandIn:
        return self.services[service]

    @property
    def urls(self) -> dict[str, str]:
        return {name: stand_in.url for name, stand_in in self.services.items()}


@contextmanager
def usage_stand_ins() -> Iterator[StandIns]:
    """The three services on local ports, until the block ends."""
    kid, key = signing_key()
    servers: list[ThreadingHTTPServer] = []
    stand_ins: dict[str, StandIn] = {}
    try:
        for service in LIMITS:
            verifier = TokenVerifier(
                key_source=StaticKeySource({kid: key}),
                issuer=settings.JWT_ISSUER,
                audience=f"pocdex-{service}",
                token_type="service",
            )
            stand_in = StandIn(service=service, verifier=verifier)
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
            stand_ins[service] = stand_in
        yield StandIns(stand_ins)
    finally:
        for stand_in in stand_ins.values():
            stand_in.release()
        for server in servers:
            server.shutdown()
            server.server_close()
