"""Traces through the outbox, the worker and the receiver (ADR 0040).

A real SDK provider exports every span at once to a real OTLP/HTTP receiver
(``pocdex_shared.testing.otlp``) started on a free port; the assertions read
the spans back from it. The provider is the process's global one, set once.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from pocdex_shared import observability, tracing
from pocdex_shared.events.consumer import handles
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.events.outbox import publish, relay
from pocdex_shared.testing.otlp import OtlpReceiver, wait_for_spans
from tests.conftest import SERVICE_QUEUE, Broker

TRACED = "test.traced"
REPLY = "test.traced_reply"
SUBSCRIBERS = {TRACED: ["shared-tests"], REPLY: []}

_receiver: OtlpReceiver | None = None


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """The receiver, and the process's tracer provider exporting to it span by span."""
    global _receiver
    if _receiver is None:
        _receiver = OtlpReceiver().start()
        provider = TracerProvider(resource=Resource.create({"service.name": "pocdex-shared"}))
        exporter = OTLPSpanExporter(endpoint=f"{_receiver.url}/v1/traces")
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    _receiver.store.clear()
    yield _receiver


def ids(span: trace.Span) -> tuple[str, str]:
    context = span.get_span_context()
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


def traceparent(trace_id: str, span_id: str, span: trace.Span) -> str:
    """What W3C propagation writes for a span (the flags carry sampled and random-id bits)."""
    return f"00-{trace_id}-{span_id}-{span.get_span_context().trace_flags:02x}"


def spans_of(receiver: OtlpReceiver, trace_id: str) -> list[dict[str, Any]]:
    return wait_for_spans(receiver.url, trace_id, until=bool, timeout=10)


def raw_headers(broker: Broker, queue: str) -> list[dict[str, Any]]:
    """The Celery message headers waiting in ``queue``, oldest first."""
    return [json.loads(raw)["headers"] for raw in reversed(broker.client.lrange(queue, 0, -1))]


# ------------------------------------------------------------------ the receiver


def test_the_receiver_parses_exported_spans_with_their_parents_and_service(
    receiver: OtlpReceiver,
) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "pocdex-elsewhere"}))
    exporter = OTLPSpanExporter(endpoint=f"{receiver.url}/v1/traces", compression=Compression.Gzip)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with (
        tracer.start_as_current_span("outer") as outer,
        tracer.start_as_current_span("inner", attributes={"pocdex.answer": 42}) as inner,
    ):
        pass
    provider.shutdown()
    trace_id, outer_id = ids(outer)
    spans = {span["name"]: span for span in spans_of(receiver, trace_id)}

    assert set(spans) == {"outer", "inner"}
    assert spans["outer"]["parent_span_id"] is None
    assert spans["inner"]["parent_span_id"] == outer_id
    assert spans["inner"]["span_id"] == ids(inner)[1]
    assert spans["inner"]["attributes"] == {"pocdex.answer": 42}
    assert {span["service"] for span in spans.values()} == {"pocdex-elsewhere"}


def test_the_receiver_refuses_a_malformed_export_with_400(receiver: OtlpReceiver) -> None:
    before = len(receiver.store.all())
    response = requests.post(
        f"{receiver.url}/v1/traces",
        data=b"\xff\xffnot protobuf",
        headers={"Content-Type": "application/x-protobuf"},
        timeout=5,
    )
    assert response.status_code == 400
    assert len(receiver.store.all()) == before


def test_the_receiver_keeps_only_the_latest_spans() -> None:
    from pocdex_shared.testing.otlp import ReceivedSpan, SpanStore

    def span(n: int) -> ReceivedSpan:
        return ReceivedSpan(f"{n:032x}", f"{n:016x}", None, f"s{n}", "INTERNAL", "x", 0, 1, 0)

    store = SpanStore(capacity=2)
    store.add(span(n) for n in range(1, 4))

    assert [s.name for s in store.all()] == ["s2", "s3"]
    assert store.of_trace(f"{1:032x}") == []


# ------------------------------------------------------------------ outbox carry-over


@pytest.mark.django_db(transaction=True)
def test_publish_stores_the_active_span_context_with_the_row(
    receiver: OtlpReceiver, broker: Broker
) -> None:
    with (
        tracing.tracer().start_as_current_span("signup request") as request_span,
        transaction.atomic(),
    ):
        event = publish("test.unrouted", {"n": 1})
    trace_id, span_id = ids(request_span)

    row = OutboxEvent.objects.get(id=event.id)
    assert row.trace_context["traceparent"] == traceparent(trace_id, span_id, request_span)


@pytest.mark.django_db(transaction=True)
def test_an_event_published_outside_any_trace_is_relayed_in_a_trace_of_its_own(
    receiver: OtlpReceiver, broker: Broker
) -> None:
    with override_settings(EVENT_SUBSCRIBERS=SUBSCRIBERS), transaction.atomic():
        event = publish(TRACED, {"n": 2})

    assert OutboxEvent.objects.get(id=event.id).trace_context == {}
    (headers,) = raw_headers(broker, SERVICE_QUEUE)
    assert headers["_schema_name"] == "public"
    trace_id, relay_span_id = headers["traceparent"].split("-")[1:3]
    (relay_span,) = spans_of(receiver, trace_id)
    assert relay_span["name"] == f"outbox relay {TRACED}"
    assert relay_span["span_id"] == relay_span_id
    assert relay_span["parent_span_id"] is None


@pytest.mark.django_db(transaction=True)
def test_the_relay_after_commit_sends_in_the_publisher_trace(
    receiver: OtlpReceiver, broker: Broker
) -> None:
    with (
        override_settings(EVENT_SUBSCRIBERS=SUBSCRIBERS),
        tracing.tracer().start_as_current_span("signup request") as request_span,
        transaction.atomic(),
    ):
        event = publish(TRACED, {"n": 3})
    trace_id, request_span_id = ids(request_span)

    spans = wait_for_spans(
        receiver.url,
        trace_id,
        until=lambda found: any(s["name"] == f"outbox relay {TRACED}" for s in found),
        timeout=10,
    )
    (relay_span,) = [s for s in spans if s["name"] == f"outbox relay {TRACED}"]
    assert relay_span["parent_span_id"] == request_span_id
    assert relay_span["kind"] == "PRODUCER"
    assert relay_span["attributes"]["pocdex.event.id"] == str(event.id)
    (headers,) = raw_headers(broker, SERVICE_QUEUE)
    assert headers["traceparent"] == traceparent(trace_id, relay_span["span_id"], request_span)


@pytest.mark.django_db(transaction=True)
def test_a_late_sweep_relays_in_the_stored_trace_not_the_sweeps(
    receiver: OtlpReceiver, broker: Broker
) -> None:
    """The broker was down at commit; the sweep, running later under a span of its own,
    still sends the event as a child of the request that published it."""
    stored_trace, stored_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    event = OutboxEvent.objects.create(
        topic=TRACED,
        payload={"n": 4},
        trace_context={"traceparent": f"00-{stored_trace}-{stored_span}-01"},
    )
    OutboxEvent.objects.filter(id=event.id).update(created_at=timezone.now() - timedelta(minutes=1))
    with (
        override_settings(EVENT_SUBSCRIBERS=SUBSCRIBERS),
        tracing.tracer().start_as_current_span("relay sweep task") as sweep_span,
    ):
        assert relay(older_than=timedelta(seconds=2)) == 1

    (relay_span,) = spans_of(receiver, stored_trace)
    assert relay_span["parent_span_id"] == stored_span
    assert receiver.store.of_trace(ids(sweep_span)[0])[0].name == "relay sweep task"
    assert len(receiver.store.of_trace(ids(sweep_span)[0])) == 1
    (headers,) = raw_headers(broker, SERVICE_QUEUE)
    assert headers["traceparent"].split("-")[1] == stored_trace


_seen: list[dict[str, str | None]] = []
_seen_lock = threading.Lock()


@handles(TRACED)
def _record_and_reply(envelope: dict[str, Any]) -> None:
    with _seen_lock:
        _seen.append({"log_trace_id": observability.current_context()["trace_id"]})
    publish(REPLY, {"after": envelope["id"]})


@pytest.mark.django_db(transaction=True)
def test_the_consumer_continues_the_trace_and_its_own_events_stay_in_it(
    receiver: OtlpReceiver, event_worker: Any
) -> None:
    _seen.clear()
    with override_settings(EVENT_SUBSCRIBERS=SUBSCRIBERS):
        with (
            tracing.tracer().start_as_current_span("signup request") as request_span,
            transaction.atomic(),
        ):
            publish(TRACED, {"n": 5})
        trace_id, request_span_id = ids(request_span)

        spans = wait_for_spans(
            receiver.url,
            trace_id,
            until=lambda found: (
                {f"event {TRACED}", f"outbox relay {REPLY}"} <= {s["name"] for s in found}
            ),
            timeout=20,
        )
    by_name = {span["name"]: span for span in spans}
    relay_span = by_name[f"outbox relay {TRACED}"]
    consume_span = by_name[f"event {TRACED}"]
    reply_relay = by_name[f"outbox relay {REPLY}"]
    assert relay_span["parent_span_id"] == request_span_id
    assert consume_span["parent_span_id"] == relay_span["span_id"]
    assert consume_span["kind"] == "CONSUMER"
    assert reply_relay["parent_span_id"] == consume_span["span_id"]
    # The handler's log lines carry the trace's id.
    assert _seen == [{"log_trace_id": trace_id}]
    assert OutboxEvent.objects.get(topic=REPLY).trace_context["traceparent"].split("-")[1] == (
        trace_id
    )


def _chain(span: dict[str, Any], spans: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(kind, name) of the span's ancestors among ``spans``, nearest first."""
    by_id = {found["span_id"]: found for found in spans}
    chain = []
    while span["parent_span_id"] in by_id:
        span = by_id[span["parent_span_id"]]
        chain.append((span["kind"], span["name"]))
    return chain


@pytest.mark.django_db(transaction=True)
def test_with_the_celery_instrumentation_the_consumer_is_a_child_of_the_task_span(
    receiver: OtlpReceiver, event_worker: Any
) -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    instrumentor = CeleryInstrumentor()
    instrumentor.instrument()
    try:
        with override_settings(EVENT_SUBSCRIBERS=SUBSCRIBERS):
            with (
                tracing.tracer().start_as_current_span("signup request") as request_span,
                transaction.atomic(),
            ):
                publish(TRACED, {"n": 6})
            trace_id, _ = ids(request_span)
            # Parents end (and are exported) after their children: wait for the whole chain.
            spans = wait_for_spans(
                receiver.url,
                trace_id,
                until=lambda found: any(
                    s["name"] == f"event {TRACED}" and len(_chain(s, found)) == 4 for s in found
                ),
                timeout=20,
            )
    finally:
        instrumentor.uninstrument()
    consume_span = next(s for s in spans if s["name"] == f"event {TRACED}")
    chain = _chain(consume_span, spans)
    assert chain[0][0] == "CONSUMER" and chain[0][1].startswith("run/")
    assert chain[1][0] == "PRODUCER" and chain[1][1].startswith("apply_async/")
    assert chain[2:] == [("PRODUCER", f"outbox relay {TRACED}"), ("INTERNAL", "signup request")]


# ------------------------------------------------------------------ logs


def test_log_lines_carry_the_active_span_trace_id_else_the_traceparent_one(
    receiver: OtlpReceiver,
) -> None:
    from_header = uuid.uuid4().hex
    observability.bind_request_context(trace_id=from_header)
    try:
        assert observability.current_context()["trace_id"] == from_header
        with tracing.tracer().start_as_current_span("work") as span:
            assert observability.current_context()["trace_id"] == ids(span)[0]
        assert observability.current_context()["trace_id"] == from_header
    finally:
        observability.clear_request_context()


@pytest.mark.parametrize(
    ("environment", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"},
            False,
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_TRACES_EXPORTER": "none",
            },
            False,
        ),
    ],
)
def test_tracing_is_on_only_with_an_endpoint_and_not_disabled(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], on: bool
) -> None:
    for name in (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SDK_DISABLED",
        "OTEL_TRACES_EXPORTER",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert tracing.endpoint_configured() is on


# ------------------------------------------------------------------ WebSocket connect


async def _socket_app(scope: Any, receive: Any, send: Any) -> None:
    """Accepts ``/ok``, refuses anything else with 4401, as the dojo's consumer would."""
    await receive()  # websocket.connect
    current = observability.current_context()["trace_id"]
    if scope["path"] == "/ok":
        await send({"type": "websocket.accept"})
    else:
        await send({"type": "websocket.close", "code": 4401})
    scope["seen_trace_id"] = current


async def _connect(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    scope: dict[str, Any] = {"type": "websocket", "path": path, "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    scope["sent"] = sent
    return scope


@pytest.mark.asyncio
async def test_a_websocket_connect_is_one_span_continuing_the_clients_traceparent(
    receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracing, "_enabled", True)
    app = tracing.traced_websocket(_socket_app, route="/ws/dojos/{dojo_id}")
    trace_id, client_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    header = f"00-{trace_id}-{client_span}-01".encode()

    accepted = await _connect(app, "/ok", [(b"traceparent", header)])
    refused = await _connect(app, "/nope", [(b"traceparent", header)])

    assert accepted["sent"] == [{"type": "websocket.accept"}]
    assert accepted["seen_trace_id"] == trace_id
    spans = wait_for_spans(receiver.url, trace_id, until=lambda found: len(found) >= 2, timeout=10)
    assert [(s["name"], s["kind"], s["parent_span_id"]) for s in spans] == [
        ("WS connect /ws/dojos/{dojo_id}", "SERVER", client_span)
    ] * 2
    by_path = {s["attributes"]["url.path"]: s for s in spans}
    assert by_path["/ok"]["status"] == 1  # OK
    assert by_path["/nope"]["attributes"]["websocket.close_code"] == 4401
    assert refused["sent"] == [{"type": "websocket.close", "code": 4401}]


@pytest.mark.asyncio
async def test_with_tracing_off_a_websocket_passes_through_without_spans(
    receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracing, "_enabled", False)
    app = tracing.traced_websocket(_socket_app)
    trace_id = uuid.uuid4().hex
    header = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01".encode()

    scope = await _connect(app, "/ok", [(b"traceparent", header)])

    assert scope["sent"] == [{"type": "websocket.accept"}]
    assert scope["seen_trace_id"] is None
    assert receiver.store.of_trace(trace_id) == []


# ------------------------------------------------------------------ sampling


def test_the_sampler_drops_only_the_root_span_of_the_outbox_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from opentelemetry.sdk.trace.sampling import Decision

    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    sampler = tracing.sampler()
    parent = trace.set_span_in_context(
        trace.NonRecordingSpan(
            trace.SpanContext(
                trace_id=0x1234,
                span_id=0x5678,
                is_remote=True,
                trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
            )
        )
    )

    def decision(name: str, context: Any = None) -> Decision:
        return sampler.should_sample(context, 0x1234, name).decision

    assert decision("run/pocdex.events.relay") is Decision.DROP
    assert decision("run/pocdex.events.relay", parent) is Decision.RECORD_AND_SAMPLE
    assert decision("run/pocdex.events.handle") is Decision.RECORD_AND_SAMPLE
    assert decision("POST api/v1/signup") is Decision.RECORD_AND_SAMPLE


def test_the_sampler_follows_the_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.sdk.trace.sampling import Decision

    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")

    assert tracing.sampler().should_sample(None, 0x1234, "GET x").decision is Decision.DROP


# ------------------------------------------------------------------ processes

FORKING_PROCESS = """
import os, sys
import django
django.setup()
from opentelemetry import trace
from pocdex_shared import tracing

assert tracing.setup() is True
pid = os.fork()
if pid == 0:
    assert tracing.setup() is True  # what post_fork and worker_process_init call
    with tracing.tracer().start_as_current_span("in the child", attributes={"pid": os.getpid()}):
        pass
    trace.get_tracer_provider().force_flush(10_000)
    os._exit(0)
_, status = os.waitpid(pid, 0)
with tracing.tracer().start_as_current_span("in the parent"):
    pass
trace.get_tracer_provider().force_flush(10_000)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_process_forked_after_setup_exports_its_own_spans() -> None:
    import os
    import subprocess
    import sys

    with OtlpReceiver() as own_receiver:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "OTEL_EXPORTER_OTLP_ENDPOINT": own_receiver.url,
        }
        environment.pop("SENTRY_DSN", None)
        result = subprocess.run(
            [sys.executable, "-c", FORKING_PROCESS],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        spans = own_receiver.store.all()

    names = sorted(span.name for span in spans)
    assert names == ["in the child", "in the parent"]
    assert {span.service for span in spans} == {"pocdex-shared-tests"}
    (child,) = [span for span in spans if span.name == "in the child"]
    assert isinstance(child.attributes["pid"], int)
