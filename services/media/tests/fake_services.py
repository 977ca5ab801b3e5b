"""A hand-written stand-in for the internal APIs media reads, as one small HTTP server.

What it implements, to the letter of the specs media codes against
(services/media/README.md, "Data from other services"):

* accounts ``POST /internal/v1/service-tokens`` (client credentials → a token
  for one audience);
* pocs ``GET /internal/v1/tenants/{id}/pocs?author=&viewer=&from=&to=&limit=&cursor=``;
* dojo ``GET /internal/v1/tenants/{id}/dojos?participant=&from=&to=&limit=&cursor=``,
  or a 404 for every dojo route while ``dojo_enabled`` is False (the service
  is not deployed yet).

It exists because the tests must run media alone and control what the other
services answer; the end-to-end test (tests/e2e/test_media_journey.py) runs
against the real services. Calls without the right token get 401.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

_ROUTE = re.compile(r"^/internal/v1/tenants/(?P<tenant>[0-9a-f-]{36})/(?P<what>pocs|dojos)$")


@dataclass
class FakeServices:
    client_secret: str
    pocs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dojos: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dojo_enabled: bool = False
    pocs_down: bool = False
    tokens: dict[str, str] = field(default_factory=dict)  # token -> audience
    calls: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                if self.path != "/internal/v1/service-tokens":
                    return self._json(404, {"error": {"code": "not_found"}})
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body.get("client") != "media" or body.get("secret") != fake.client_secret:
                    return self._json(401, {"error": {"code": "invalid_client"}})
                token = secrets.token_hex(16)
                fake.tokens[token] = body["audience"]
                return self._json(200, {"access": token, "expires_in": 300})

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                match = _ROUTE.match(parsed.path)
                fake.calls.append(self.path)
                if match is None or (match["what"] == "dojos" and not fake.dojo_enabled):
                    return self._json(404, {"error": {"code": "not_found"}})
                if match["what"] == "pocs" and fake.pocs_down:
                    return self._json(503, {"error": {"code": "unavailable"}})
                audience = "pocs" if match["what"] == "pocs" else "dojo"
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if fake.tokens.get(token) != audience:
                    return self._json(401, {"error": {"code": "invalid_token"}})
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                items = fake._select(match["tenant"], match["what"], query)
                start = int(query.get("cursor") or 0)
                limit = int(query.get("limit") or 100)
                page = items[start : start + limit]
                following = str(start + limit) if start + limit < len(items) else None
                return self._json(200, {"results": page, "next": following})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _select(self, tenant: str, what: str, query: dict[str, str]) -> list[dict[str, Any]]:
        start, end = query.get("from", "0000"), query.get("to", "9999")
        if what == "pocs":
            out = []
            for poc in self.pocs.get(tenant, []):
                day = (poc.get("started_on") or poc["created_at"])[:10]
                if not start <= day <= end:
                    continue
                if query.get("author") and poc["author"]["id"] != query["author"]:
                    continue
                if poc.get("visibility") == "private" and poc["author"]["id"] != query.get(
                    "viewer"
                ):
                    continue
                out.append(poc)
            return out
        out = []
        for dojo in self.dojos.get(tenant, []):
            if not start <= dojo["started_at"][:10] <= end:
                continue
            participant = query.get("participant")
            if participant and all(p["user_id"] != participant for p in dojo["participants"]):
                continue
            out.append(dojo)
        return out
