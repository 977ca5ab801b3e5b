"""A small OTLP/HTTP trace receiver for tests and the local stack.

It accepts ``POST /v1/traces`` (protobuf, as the OTLP/HTTP exporter sends it,
optionally gzip-compressed), keeps the most recent spans in memory and
answers ``GET /api/spans?trace_id=<32 hex>`` with them as JSON. ``make run``
starts one on 127.0.0.1:14318 and points the services at it; a test may also
start its own on a free port (``OtlpReceiver``).

    python -m pocdex_shared.testing.otlp --port 14318
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

#: Span kinds by their OTLP number.
KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    service: str
    start_ns: int
    end_ns: int
    status: int
    attributes: dict[str, Any] = field(default_factory=dict)


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return [_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    if which == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, which) if which else None


def parse_export(body: bytes) -> list[ReceivedSpan]:
    """The spans of one ``ExportTraceServiceRequest`` (protobuf)."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans: list[ReceivedSpan] = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
        service = str(resource.get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        kind=KINDS.get(span.kind, str(span.kind)),
                        service=service,
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                        status=span.status.code,
                        attributes={kv.key: _value(kv.value) for kv in span.attributes},
                    )
                )
    return spans


class SpanStore:
    """The most recent ``capacity`` spans, searchable by trace id."""

    def __init__(self, capacity: int = 20_000) -> None:
        self._spans: deque[ReceivedSpan] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def add(self, spans: Iterable[ReceivedSpan]) -> None:
        with self._lock:
            self._spans.extend(spans)

    def all(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [span for span in self._spans if span.trace_id == trace_id]

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()


def _decoded(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding in ("", "identity"):
        return body
    raise ValueError(f"unsupported content encoding {encoding!r}")


def _handler(store: SpanStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if urlsplit(self.path).path != "/v1/traces" or not 0 <= length <= MAX_BODY:
                self._answer(404 if length <= MAX_BODY else 413, b"", "text/plain")
                return
            body = self.rfile.read(length)
            try:
                spans = parse_export(_decoded(body, self.headers.get("Content-Encoding", "")))
            except Exception as exc:  # a malformed export is the client's fault
                self._answer(400, str(exc).encode(), "text/plain")
                return
            store.add(spans)
            self._answer(
                200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf"
            )

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/api/spans":
                self._answer(404, b"", "text/plain")
                return
            trace_ids = parse_qs(url.query).get("trace_id")
            spans = store.of_trace(trace_ids[0]) if trace_ids else store.all()
            payload = json.dumps({"spans": [asdict(span) for span in spans]}).encode()
            self._answer(200, payload, "application/json")

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path != "/api/spans":
                self._answer(404, b"", "text/plain")
                return
            store.clear()
            self._answer(204, b"", "text/plain")

    return Handler


class OtlpReceiver:
    """The receiver on 127.0.0.1 in a background thread (port 0: a free one)."""

    def __init__(self, port: int = 0, *, capacity: int = 20_000) -> None:
        self.store = SpanStore(capacity)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.store))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> OtlpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_spans(
    url: str,
    trace_id: str,
    *,
    until: Any,
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    """Poll a receiver at ``url`` until ``until(spans)`` is true for the trace's spans."""
    deadline = time.monotonic() + timeout
    spans: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        response = requests.get(f"{url}/api/spans", params={"trace_id": trace_id}, timeout=5)
        response.raise_for_status()
        spans = response.json()["spans"]
        if until(spans):
            return spans
        time.sleep(0.2)
    names = sorted(f"{span['service']}: {span['name']}" for span in spans)
    raise AssertionError(f"trace {trace_id} did not complete in {timeout}s; it has {names}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=14318)
    parser.add_argument("--capacity", type=int, default=20_000)
    args = parser.parse_args(argv)
    receiver = OtlpReceiver(args.port, capacity=args.capacity)
    print(f"OTLP receiver on {receiver.url}/v1/traces", flush=True)
    receiver.server.serve_forever()


if __name__ == "__main__":
    main()
