"""pocs' internal Git webhook routes as accounts sees them, over real HTTP, in the test process.

Accounts reads and rotates an organization's Git webhook secrets through pocs'
internal API (``/internal/v1/tenants/<id>/git-webhooks`` and ``.../<provider>/rotate``)
with a service token it signs. This server answers that contract on a local port
for the organizations a test registered, checking the token as pocs does
(accounts' key, issuer, audience ``pocdex-pocs``, type ``service``, caller
accounts), so accounts' client, token and failure handling run for real without
pocs running. pocs' own side is tested in its suite
(``tests/test_git_webhook_secrets_internal.py``).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.conf import settings

from pocdex_shared.jwt import InvalidToken, StaticKeySource, TokenVerifier
from tokens.keys import signing_key

_ROUTE = re.compile(
    r"^/internal/v1/tenants/(?P<tenant>[0-9a-f-]{36})/git-webhooks(?:/(?P<provider>[a-z]+)/rotate)?$"
)


@dataclass
class PocsStandIn:
    verifier: TokenVerifier
    url: str = ""
    # tenant id -> provider -> (secret, created_at, actor)
    secrets: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_organization(self, tenant_id: Any) -> None:
        with self.lock:
            self.secrets.setdefault(str(tenant_id), {})


def _handler(stand_in: PocsStandIn) -> type[BaseHTTPRequestHandler]:
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

        def _authorized(self) -> bool:
            scheme, _sep, raw = self.headers.get("Authorization", "").partition(" ")
            try:
                token = (
                    stand_in.verifier.verify(raw.strip()) if scheme.lower() == "bearer" else None
                )
            except InvalidToken:
                token = None
            if token is None:
                self._send(401, {"error": {"code": "not_authenticated", "message": "token"}})
                return False
            if token.subject != "service:accounts":
                self._send(403, {"error": {"code": "permission_denied", "message": "accounts"}})
                return False
            return True

        def _route(self, method: str) -> tuple[str, str | None] | None:
            match = _ROUTE.match(self.path)
            if match is None or (method == "POST") != (match["provider"] is not None):
                self._send(404, {"error": {"code": "not_found", "message": "no such route"}})
                return None
            if not self._authorized():
                return None
            with stand_in.lock:
                stand_in.calls.append((method, match["tenant"]))
                known = match["tenant"] in stand_in.secrets
            if not known:
                self._send(404, {"error": {"code": "tenant_not_found", "message": "unknown"}})
                return None
            return match["tenant"], match["provider"]

        def _url(self, tenant: str, provider: str) -> str:
            return (
                f"http://pocs.test/api/v1/integrations/git/{provider}/webhook?organization={tenant}"
            )

        def do_GET(self) -> None:
            routed = self._route("GET")
            if routed is None:
                return
            tenant, _provider = routed
            with stand_in.lock:
                stored = dict(stand_in.secrets[tenant])
            rows = [
                {
                    "provider": provider,
                    "configured": provider in stored,
                    "created_at": stored[provider][1] if provider in stored else None,
                    "webhook_url": self._url(tenant, provider),
                }
                for provider in ("github", "gitlab")
            ]
            self._send(200, {"results": rows})

        def do_POST(self) -> None:
            routed = self._route("POST")
            if routed is None:
                return
            tenant, provider = routed
            assert provider is not None
            if provider not in ("github", "gitlab"):
                self._send(404, {"error": {"code": "provider_not_supported", "message": "no"}})
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            secret = secrets.token_urlsafe(32)
            with stand_in.lock:
                stand_in.secrets[tenant][provider] = (
                    secret,
                    datetime.now(UTC).isoformat(),
                    str(body["actor"]),
                )
            url = self._url(tenant, provider)
            self._send(201, {"provider": provider, "secret": secret, "webhook_url": url})

    return Handler


@contextmanager
def pocs_stand_in() -> Iterator[PocsStandIn]:
    """pocs' Git webhook routes on a local port, until the block ends."""
    kid, key = signing_key()
    verifier = TokenVerifier(
        key_source=StaticKeySource({kid: key}),
        issuer=settings.JWT_ISSUER,
        audience="pocdex-pocs",
        token_type="service",
    )
    stand_in = PocsStandIn(verifier=verifier)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
