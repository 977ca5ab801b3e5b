"""Hostile input, class by class, against every operation of every service: never a 5xx.

Schemathesis (``test_fuzz_openapi.py``) generates what the schemas describe and
a little around it. The classes below are what attackers send on purpose and
what a schema-driven generator rarely reaches; each is generated here for every
operation of every public OpenAPI schema, through the gateway, as the owner of
a fresh organization:

* JSON bodies nested far beyond the interpreter's stack, and a field nested
  just beyond the parser's limit;
* Unicode digits (``²``, ``٣``, fullwidth one U+FF11), which ``str.isdigit`` accepts and
  ``int()`` partly does, in integer-like query parameters and body fields;
* huge numbers: 400-digit integers, ``1e999``, just past 64-bit;
* NUL characters in query parameters and body strings (PostgreSQL refuses them),
  and unpaired surrogates (``"\\ud800"``: valid JSON, not encodable as UTF-8);
* forged, truncated and oversized pagination cursors, including cursors that
  decode to deep or huge JSON;
* overlong strings (100,000 characters in bodies, 6,000 in queries).

The same classes go to the dojo WebSocket as frames and as connection
parameters: an error frame with a code, never ``internal_error`` and never a
close with 1011. Everything is deterministic (no randomness but a seeded one),
bounded (at most ``PER_CLASS`` targets per class and operation) and the
failures name the request that reproduces them.
"""

from __future__ import annotations

import base64
import json
import os
import random
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .conftest import GATEWAY, Gateway

SERVICES = ["accounts", "pocs", "dojo", "media"]
SEED = int(os.environ.get("POCDEX_FUZZ_SEED", "2026"))
PER_CLASS = 4
FRAMES_PER_SOCKET = 60
WS_BASE = GATEWAY.replace("http://", "ws://").replace("https://", "wss://")

pytestmark = pytest.mark.fuzz

UNICODE_DIGITS = ["²", "٣", "\uff11", "1²", "١٢٣"]  # \uff11: fullwidth one
HUGE_NUMBERS: list[Any] = [10**400, -(10**400), 2**63, -(2**63) - 1, 1.7976931348623157e308]
HUGE_QUERY = ["9" * 400, "-9223372036854775809", "1e999", "NaN", "Infinity"]
NUL = "fuzz\x00nul"
SURROGATE = "fuzz\ud800half"
_SURROGATE_MARK = "fuzz-surrogate-mark"
OVERLONG_BODY = "x" * 100_000
OVERLONG_QUERY = "x" * 6_000
DEEP_BODY = b"[" * 100_000 + b"]" * 100_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


FORGED_CURSORS = [
    "!!!",
    "A",
    "e30",
    _b64(b"[]"),
    _b64(b'{"o": "x", "v": [1]}'),
    _b64(b'{"o": null, "v": null}'),
    _b64(b'{"v": [1e999]}'),
    _b64(b'{"v": [' + b"1" * 1200 + b"]}"),
    _b64(b'{"v": ["\\u0000"]}'),
    _b64(b'{"v": ["\xb2"]}'),
    _b64(b"[" * 1000 + b"]" * 1000),
    _b64(b"\xff\xfe\x00garbage"),
    "A" * 5000,
]


@dataclass
class Case:
    service: str
    kind: str
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def describe(self) -> str:
        query = "&".join(f"{k}={quote(v[:40])}" for k, v in self.query.items())
        body = (self.body or b"")[:120]
        return f"[{self.kind}] {self.method} {self.path}{'?' + query if query else ''} {body!r}"


# ------------------------------------------------------------- schema reading


class Schema:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.rng = random.Random(SEED)

    def resolve(self, schema: dict[str, Any] | None) -> dict[str, Any]:
        for _ in range(20):
            if not schema or "$ref" not in schema:
                break
            target: Any = self.document
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            schema = target
        schema = dict(schema or {})
        for key in ("allOf", "oneOf", "anyOf"):
            if schema.get(key):
                merged: dict[str, Any] = {}
                for part in schema[key]:
                    merged.update(self.resolve(part))
                schema = {**merged, **{k: v for k, v in schema.items() if k != key}}
        return schema

    def example(
        self, schema: dict[str, Any] | None, depth: int = 0, *, required_only: bool = False
    ) -> Any:
        schema = self.resolve(schema)
        kind = schema.get("type")
        if schema.get("enum"):
            return schema["enum"][0]
        if kind == "object" or "properties" in schema:
            if depth > 4:
                return {}
            required = set(schema.get("required", []))
            return {
                name: self.example(sub, depth + 1, required_only=required_only)
                for name, sub in schema.get("properties", {}).items()
                if not self.resolve(sub).get("readOnly") and (name in required or not required_only)
            }
        if kind == "array":
            items = self.example(schema.get("items"), depth + 1, required_only=required_only)
            return [items] if depth <= 4 else []
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        return {
            "uuid": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "email": "fuzz@example.com",
            "date-time": "2030-01-01T00:00:00Z",
            "date": "2030-01-01",
            "uri": "https://example.com/fuzz",
        }.get(schema.get("format", ""), "fuzz")

    def leaves(self, schema: dict[str, Any] | None, path: tuple[str, ...] = ()) -> Iterator[Any]:
        """(path, type) of every scalar field of a body schema."""
        schema = self.resolve(schema)
        if schema.get("type") == "object" or "properties" in schema:
            if len(path) > 4:
                return
            for name, sub in schema.get("properties", {}).items():
                if not self.resolve(sub).get("readOnly"):
                    yield from self.leaves(sub, (*path, name))
        elif schema.get("type") == "array":
            yield from self.leaves(schema.get("items"), (*path, "0"))
        elif path:
            yield path, schema.get("type", "string")


def with_value(body: Any, path: tuple[str, ...], value: Any) -> Any:
    """A copy of ``body`` with ``value`` at ``path`` (list indexes as strings)."""
    body = json.loads(json.dumps(body))
    target = body
    for part in path[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    last = path[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def with_surrogate(body: Any) -> bytes:
    """``body`` encoded, where the marker string holds an unpaired surrogate escape."""
    return encode(body).replace(_SURROGATE_MARK.encode(), b"fuzz\\ud800half")


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


# ---------------------------------------------------------- case generation


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    ordered = sorted(
        document["paths"].items(),
        # Logging out last: it may end the session every other case runs in.
        key=lambda item: (item[0].endswith("/logout"), item[0]),
    )
    for path, item in ordered:
        if path.startswith("/internal/"):
            continue  # never routed by the gateway (local/tests/test_gateway_internal.py)
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield method.upper(), path, item[method]


def cases_for(
    service: str, method: str, template: str, operation: dict[str, Any], schema: Schema, ids: dict
) -> Iterator[Case]:
    params = [schema.resolve(p) for p in operation.get("parameters", [])]
    path = template
    for param in params:
        if param.get("in") == "path":
            value = ids.get(template.split("{")[0].rstrip("/"), schema.example(param.get("schema")))
            path = path.replace("{" + param["name"] + "}", quote(str(value)))
    query_params = [p for p in params if p.get("in") == "query"]
    base_query = {
        p["name"]: str(schema.example(p.get("schema"))) for p in query_params if p.get("required")
    }

    def case(kind: str, query: dict[str, str] | None = None, body: bytes | None = None) -> Case:
        return Case(service, kind, method, path, {**base_query, **(query or {})}, body)

    # Query parameters: every class on every parameter (bounded).
    for param in query_params[: PER_CLASS * 2]:
        name = param["name"]
        for value in UNICODE_DIGITS:
            yield case("unicode-digits", {name: value})
        for value in HUGE_QUERY:
            yield case("huge-number", {name: value})
        yield case("nul", {name: NUL})
        yield case("overlong", {name: OVERLONG_QUERY})
        if name == "cursor":
            for value in FORGED_CURSORS:
                yield case("forged-cursor", {name: value})

    content = operation.get("requestBody", {}).get("content", {})
    if method not in {"POST", "PUT", "PATCH"} and not content:
        return
    body_schema = content.get("application/json", {}).get("schema")
    base = schema.example(body_schema) if body_schema else {}
    yield case("deep-json", body=DEEP_BODY)
    yield case("deep-json", body=b'{"a":' * 40_000 + b"1" + b"}" * 40_000)
    leaves = list(schema.leaves(body_schema)) if body_schema else []
    if not isinstance(base, dict):
        return
    if leaves:
        yield case("deep-json", body=encode(with_value(base, leaves[0][0], nested(33))))
        yield case("deep-json", body=encode(with_value(base, leaves[0][0], nested(30))))
    numeric = [p for p, kind in leaves if kind in {"integer", "number"}][:PER_CLASS]
    strings = [p for p, kind in leaves if kind == "string"][:PER_CLASS]
    for leaf in numeric:
        for value in UNICODE_DIGITS:
            yield case("unicode-digits", body=encode(with_value(base, leaf, value)))
        for number in HUGE_NUMBERS:
            yield case("huge-number", body=encode(with_value(base, leaf, number)))
        yield case("huge-number", body=encode(with_value(base, leaf, 1)).replace(b"1", b"1e999"))
    for leaf in strings:
        yield case("unicode-digits", body=encode(with_value(base, leaf, UNICODE_DIGITS[0])))
        yield case("nul", body=encode(with_value(base, leaf, NUL)))
        yield case("surrogate", body=with_surrogate(with_value(base, leaf, _SURROGATE_MARK)))
        yield case("overlong", body=encode(with_value(base, leaf, OVERLONG_BODY)))
        yield case("huge-number", body=encode(with_value(base, leaf, 10**400)))


def created_ids(
    session: requests.Session, document: dict[str, Any], schema: Schema
) -> dict[str, str]:
    """One real resource per collection, so that the cases reach past the 404 of an id."""
    ids: dict[str, str] = {}
    for method, path, operation in operations(document):
        if method != "POST" or "{" in path or not operation.get("requestBody"):
            continue
        if not any("{" in other and other.startswith(path + "/") for other in document["paths"]):
            continue
        body_schema = operation["requestBody"].get("content", {}).get("application/json", {})
        for required_only in (False, True):
            body = schema.example(body_schema.get("schema"), required_only=required_only)
            response = session.post(GATEWAY + path, json=body, timeout=20)
            if response.status_code in (200, 201, 202) and "id" in response.json():
                ids[path] = str(response.json()["id"])
                break
    return ids


def send(session: requests.Session, case: Case) -> tuple[Case, int, str]:
    try:
        response = session.request(
            case.method,
            GATEWAY + case.path,
            params=case.query,
            data=case.body,
            headers={"Content-Type": "application/json"} if case.body is not None else {},
            timeout=30,
        )
    except requests.RequestException as exc:  # a dropped connection is a failure too
        return case, 599, f"{type(exc).__name__}: {exc}"
    return case, response.status_code, response.text[:300]


# ------------------------------------------------------------------ the tests


@pytest.fixture
def owner() -> dict[str, Any]:
    """A fresh organization per test: the accounts cases end by logging out."""
    gateway = Gateway()
    org = gateway.signup(organization_name="Hostile")
    access = str(org["tokens"]["access"])
    gateway.wait_active(access)
    for path in ("/api/v1/pocs", "/api/v1/dojos", "/api/v1/reports"):
        gateway.wait_served(access, path)
    return {"access": access, **org}


def authorized(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


class Sessions(threading.local):
    """One HTTP session per thread of the pool (a session is not thread-safe)."""

    def __init__(self, token: str) -> None:
        self.session = authorized(token)


@pytest.mark.parametrize("service", SERVICES)
def test_no_hostile_request_gets_a_server_error(service: str, owner: dict[str, Any]) -> None:
    session = authorized(owner["access"])
    document = session.get(f"{GATEWAY}/api/schema/{service}?format=json", timeout=30)
    assert document.status_code == 200, document.text[:500]
    document_json = document.json()
    schema = Schema(document_json)
    ids = created_ids(session, document_json, schema)
    cases = [
        case
        for method, path, operation in operations(document_json)
        for case in cases_for(service, method, path, operation, schema, ids)
    ]
    logout = [c for c in cases if c.path.endswith("/logout")]
    others = [c for c in cases if not c.path.endswith("/logout")]

    sessions = Sessions(owner["access"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: send(sessions.session, c), others))
    results += [send(session, c) for c in logout]

    assert {c.kind for c in cases} >= {"deep-json", "nul", "overlong"}, "no case generated"
    failures = [(c, status, text) for c, status, text in results if status >= 500]
    assert not failures, (
        f"{len(failures)} of {len(results)} hostile requests got a server error:\n"
        + ("\n".join(f"{status} {c.describe()}\n    {text}" for c, status, text in failures[:40]))
    )


HOSTILE_FRAME_VALUES: list[Any] = [
    *UNICODE_DIGITS, 10**400, -1, 2**63, 1e308, NUL, SURROGATE, nested(30),
]  # fmt: skip
FRAME_FIELDS = ["last_seq", "revision", "id", "op", "text", "status", "position", "index", "to"]
FRAME_TYPES = [
    "resume", "op", "cursor", "chat", "test_status", "pass", "pause", "resume_timer",
    "queue", "assign", "ping",
]  # fmt: skip


def hostile_frames() -> Iterator[str]:
    yield "[" * 30_000 + "]" * 30_000
    yield '{"type": "op", "revision": ' + "9" * 5000 + "}"
    yield '{"type": "resume", "last_seq": 1e999}'
    yield '{"type": "chat", "text": "\\u0000"}'
    for index, value in enumerate(HOSTILE_FRAME_VALUES):
        for kind in FRAME_TYPES:
            name = FRAME_FIELDS[(index + len(kind)) % len(FRAME_FIELDS)]
            yield json.dumps({"type": kind, "id": f"h{index}", name: value})


def test_no_hostile_dojo_socket_input_gets_a_server_error(owner: dict[str, Any]) -> None:
    gateway, token = Gateway(), owner["access"]
    dojo = gateway.post(
        "/api/v1/dojos",
        {"title": "Hostile", "language": "Python", "rotation_minutes": 5,
         "scheduled_at": "2030-01-01T19:00:00Z"},
        token,
    )  # fmt: skip
    assert dojo.status_code == 201, dojo.text
    dojo_id = dojo.json()["id"]
    assert gateway.post(f"/api/v1/dojos/{dojo_id}/start", None, token).status_code == 200

    def ticket() -> str:
        response = gateway.post(f"/api/v1/dojos/{dojo_id}/ticket", None, token)
        assert response.status_code == 201, response.text
        return str(response.json()["url"])

    failures: list[str] = []
    # Connection parameters.
    for value in [*UNICODE_DIGITS, "9" * 400, "-1", "%00", "1e999"]:
        url = f"{WS_BASE}{ticket()}&last_seq={quote(value, safe='%')}"
        try:
            with connect(url, open_timeout=10, close_timeout=5, max_size=None) as socket:
                first = json.loads(socket.recv(timeout=10))
                if first.get("code") == "internal_error":
                    failures.append(f"last_seq={value!r}: {first}")
        except ConnectionClosed as closed:
            if closed.rcvd is None or closed.rcvd.code == 1011:
                failures.append(f"last_seq={value!r}: closed {closed.rcvd}")

    # Frames, each followed by a ping whose pong proves the socket still serves.
    # A connection takes FRAMES_PER_SOCKET of them: two messages a frame stay
    # within a connection's burst of 200, so no case is lost to rate_limited.
    frames = list(hostile_frames())
    for start in range(0, len(frames), FRAMES_PER_SOCKET):
        with connect(
            f"{WS_BASE}{ticket()}", open_timeout=10, close_timeout=5, max_size=None
        ) as socket:
            assert json.loads(socket.recv(timeout=10))["type"] == "welcome"
            for number, frame in enumerate(frames[start : start + FRAMES_PER_SOCKET], start):
                problem = probe(socket, frame, f"probe-{number}")
                if problem:
                    failures.append(f"{frame[:120]!r}: {problem}")
                    if problem.startswith("closed"):
                        break

    assert not failures, "hostile dojo socket input got server errors:\n" + "\n".join(failures)


def probe(socket: Any, frame: str, ref: str) -> str | None:
    """Send ``frame`` then a ping: what went wrong, or ``None``."""
    try:
        socket.send(frame)
        socket.send(json.dumps({"type": "ping", "id": ref}))
        while True:
            reply = json.loads(socket.recv(timeout=10))
            if reply.get("code") == "internal_error":
                return f"internal_error: {reply}"
            if reply.get("type") == "pong" and reply.get("ref") == ref:
                return None
    except ConnectionClosed as closed:
        return f"closed {closed.rcvd} (malformed input must never close the socket)"
    except TimeoutError:
        return "no pong within 10 s"
