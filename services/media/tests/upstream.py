"""accounts, pocs and dojo as media sees them, over real HTTP, serving the test's own data.

Media reads its data through three internal contracts: a service token from
accounts (``POST /internal/v1/service-tokens``), an organization's POCs from
pocs and its dojos from dojo (``GET /internal/v1/tenants/<id>/pocs|dojos``,
cursor pages). These servers answer them in the test process, each on its own
local port, from what the test registered: media's HTTP client, its service
tokens, paging, retries and failure handling all run for real, and the tests
need no other service running. The services' own behaviour behind those
routes (visibility, filters) is tested in their suites; the whole chain through
the real services is the end-to-end test ``tests/e2e/test_media_journey.py``.

Filters follow the contracts in ``services/pocs/README.md`` and dojo's
internal API: POCs created *or* started in [from, to], a viewer's visibility
(team POCs and their own private ones), one author; dojos started in [from, to]
with one participant. A tenant nobody registered is ``404 tenant_not_found``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

SERVICE_TOKENS = "/internal/v1/service-tokens"
_COLLECTION = re.compile(r"^/internal/v1/tenants/(?P<tenant>[0-9a-f-]{36})/(?P<what>pocs|dojos)$")


def closed_port_url() -> str:
    """``http://127.0.0.1:<port>`` where nothing listens: a real connection refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Data:
    """What the stand-ins know, shared by the three servers."""

    pocs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dojos: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> audience
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_tenant(self, tenant_id: uuid.UUID | str) -> None:
        with self.lock:
            self.pocs.setdefault(str(tenant_id), [])
            self.dojos.setdefault(str(tenant_id), [])


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _within(day: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _select_pocs(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    start, end = _day(query.get("from")), _day(query.get("to"))
    viewer, author = query.get("viewer"), query.get("author")
    found = [
        item
        for item in items
        if (
            _within(_day(item["created_at"]), start, end)
            or _within(_day(item["started_on"]), start, end)
        )
        and (item["visibility"] == "team" or (viewer and item["author"]["id"] == viewer))
        and (not author or item["author"]["id"] == author)
    ]
    return sorted(found, key=lambda item: (item["created_at"], item["id"]))


def _select_dojos(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    start, end = _day(query.get("from")), _day(query.get("to"))
    participant = query.get("participant")
    found = [
        item
        for item in items
        if _within(_day(item["started_at"]), start, end)
        and (not participant or any(p["user_id"] == participant for p in item["participants"]))
    ]
    return sorted(found, key=lambda item: (item["started_at"], item["id"]))


def _page(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    offset = int(query.get("cursor") or 0)
    limit = int(query.get("limit") or 20)
    rest = items[offset : offset + limit]
    more = offset + limit < len(items)
    return {"results": rest, "next": str(offset + limit) if more else None}


class _Handler(BaseHTTPRequestHandler):
    service = ""  # "accounts", "pocs" or "dojo"
    data: Data

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _answer(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, code: str) -> None:
        self._answer(status, {"error": {"code": code, "message": code}})

    def do_POST(self) -> None:
        if self.service != "accounts" or self.path != SERVICE_TOKENS:
            return self._error(404, "not_found")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if body.get("client") != "media" or not body.get("secret"):
            return self._error(401, "invalid_client")
        token = secrets.token_urlsafe(24)
        with self.data.lock:
            self.data.tokens[token] = str(body.get("audience"))
        return self._answer(200, {"access": token, "expires_in": 300, "token_type": "Bearer"})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        match = _COLLECTION.match(url.path)
        what = match["what"] if match else ""
        if not match or (self.service, what) not in {("pocs", "pocs"), ("dojo", "dojos")}:
            return self._error(404, "not_found")
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.data.lock:
            audience = self.data.tokens.get(token)
            store = self.data.pocs if what == "pocs" else self.data.dojos
            items = list(store.get(match["tenant"], []))
            known = match["tenant"] in store
        if audience != self.service:
            return self._error(401, "token_invalid")
        if not known:
            return self._error(404, "tenant_not_found")
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        chosen = _select_pocs(items, query) if what == "pocs" else _select_dojos(items, query)
        return self._answer(200, _page(chosen, query))


class Upstream:
    """The three stand-ins, each on a port of its own (a route one lacks is a real 404)."""

    def __init__(self) -> None:
        self.data = Data()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        for service in ("accounts", "pocs", "dojo"):
            handler = type(
                f"{service}Handler", (_Handler,), {"service": service, "data": self.data}
            )
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers[service] = server

    def url(self, service: str) -> str:
        host, port = self._servers[service].server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()

    # ------------------------------------------------------------ the data

    def add_poc(self, tenant_id: uuid.UUID | str, author: Any, **fields: Any) -> dict[str, Any]:
        """A POC as pocs lists it, created now; ``author`` has ``id`` and ``name``."""
        now = dt.datetime.now(dt.UTC).isoformat()

        def entry(name: str) -> dict[str, str]:
            return {"slug": name.lower(), "name": name, "kind": "language"}

        item = {
            "id": str(uuid.uuid4()),
            "name": fields.get("name") or "POC",
            "summary": fields.get("summary", ""),
            "status": fields.get("status", "idea"),
            "outcome": fields.get("outcome", ""),
            "learnings": fields.get("learnings", ""),
            "languages": [entry(name) for name in fields.get("languages", [])],
            "frameworks": [],
            "tags": [{"slug": tag.lower(), "label": tag} for tag in fields.get("tags", [])],
            "author": {"id": str(author.id), "name": author.name},
            "contributors": [],
            "started_on": fields.get("started_on"),
            "finished_on": fields.get("finished_on"),
            "created_at": now,
            "updated_at": now,
            "visibility": fields.get("visibility", "team"),
        }
        with self.data.lock:
            self.data.pocs.setdefault(str(tenant_id), []).append(item)
        return item

    def add_dojo(
        self,
        tenant_id: uuid.UUID | str,
        people: list[Any],
        *,
        title: str,
        language: str,
        minutes: int = 30,
    ) -> dict[str, Any]:
        """A dojo that started now and ran ``minutes``, with ``people`` taking turns."""
        started = dt.datetime.now(dt.UTC)
        seconds = minutes * 60 // max(1, len(people))
        item = {
            "id": str(uuid.uuid4()),
            "title": title,
            "language": language,
            "status": "ended",
            "started_at": started.isoformat(),
            "ended_at": (started + dt.timedelta(minutes=minutes)).isoformat(),
            "poc_id": None,
            "participants": [
                {"user_id": str(p.id), "name": p.name, "seconds_as_piloto": seconds, "rotations": 1}
                for p in people
            ],
            "operations": 1,
            "messages": 0,
        }
        with self.data.lock:
            self.data.dojos.setdefault(str(tenant_id), []).append(item)
        return item


def serving() -> Iterator[Upstream]:
    upstream = Upstream()
    try:
        yield upstream
    finally:
        upstream.close()
