"""OpenTelemetry traces, the same way in every service (ADR 0040).

Tracing is on when an OTLP endpoint is configured (``OTEL_EXPORTER_OTLP_ENDPOINT``
or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) and off otherwise: no provider, no
instrumentation, no cost. Every other knob is a standard ``OTEL_*`` variable
read by the SDK (sampler, batch sizes, headers, compression).

What is traced once ``setup()`` ran in a process:

* every Django request (WSGI and ASGI), continuing the caller's W3C
  ``traceparent`` or starting a trace; the answer carries ``traceresponse``
  so the gateway's access log and clients see the trace id;
* every outgoing ``requests`` call (service-to-service calls, JWKS, tenant
  look-ups), which carries ``traceparent`` to the next service;
* Celery: publishing a task puts the context in the message headers and the
  worker continues it, so a job belongs to the request that queued it;
* the outbox (``pocdex_shared.events``): the context is stored with the row in
  the request's transaction and restored when the relay sends it, however
  late, and when each consumer runs it;
* the dojo's WebSocket connect (``traced_websocket``); frames are not traced.

``setup()`` is called from each service's wsgi/asgi module, from gunicorn's
``post_fork`` hook and from Celery's ``worker_process_init``: always after a
fork, so the exporter's thread belongs to the process that uses it. It is
idempotent, and it also starts error reporting (``pocdex_shared.sentry``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

__all__ = ["SpanKind", "enabled", "setup", "span_continuing", "traced_websocket"]

logger = logging.getLogger(__name__)

TRACER_NAME = "pocdex"
#: Routes never traced: probes and scrapes every few seconds.
EXCLUDED_URLS = "healthz,readyz,metrics"

_lock = threading.Lock()
_configured_pid: int | None = None
_enabled = False


def endpoint_configured() -> bool:
    """Whether the environment asks for traces (an OTLP endpoint, SDK not disabled)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    )


def enabled() -> bool:
    """Whether this process exports traces."""
    return _enabled


def _service() -> str:
    from django.conf import settings

    return str(getattr(settings, "POCDEX_SERVICE", "unknown"))


def setup() -> bool:
    """Start tracing (and error reporting) in this process, once; returns whether traces are on.

    Needs ``DJANGO_SETTINGS_MODULE``: the service name comes from the settings
    and the Django instrumentation adds its middleware to them, so call it
    before the WSGI/ASGI handler is built.
    """
    global _configured_pid, _enabled
    with _lock:
        if _configured_pid == os.getpid():
            return _enabled
        inherited = _configured_pid is not None
        _configured_pid = os.getpid()
        if inherited:
            # Set up before a fork (gunicorn --preload): the provider, the
            # instrumentation and Sentry's client came along, and both SDKs
            # restart their export threads in the child.
            return _enabled
        service = _service()
        from pocdex_shared import sentry

        sentry.setup(service)
        if not endpoint_configured():
            return False
        _install_provider(service)
        _instrument()
        _enabled = True
        return True


def _install_provider(service: str) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {
        "service.name": f"pocdex-{service}",
        "service.namespace": "pocdex",
        "deployment.environment.name": os.environ.get("POCDEX_ENV", "local"),
    }
    # Resource.create adds OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME over these.
    provider = TracerProvider(resource=Resource.create(attributes), sampler=sampler())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


#: Root spans never kept: the outbox sweep runs every 5 s in every service and would
#: make a trace each time; the events it relays still join their own traces.
QUIET_ROOT_SPANS = frozenset({"run/pocdex.events.relay"})


def sampler() -> Any:
    """The sampler of ``OTEL_TRACES_SAMPLER(_ARG)`` (parent-based always-on by default),
    except that the root spans of ``QUIET_ROOT_SPANS`` are dropped."""
    from opentelemetry.sdk.trace import sampling

    class QuietHousekeeping(sampling.Sampler):
        def __init__(self, inner: sampling.Sampler) -> None:
            self.inner = inner

        def should_sample(
            self,
            parent_context: Any,
            trace_id: int,
            name: str,
            kind: Any = None,
            attributes: Any = None,
            links: Any = None,
            trace_state: Any = None,
        ) -> sampling.SamplingResult:
            parent = trace.get_current_span(parent_context).get_span_context()
            if name in QUIET_ROOT_SPANS and not parent.is_valid:
                return sampling.SamplingResult(sampling.Decision.DROP)
            return self.inner.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )

        def get_description(self) -> str:
            return f"QuietHousekeeping{{{self.inner.get_description()}}}"

    # The SDK's own reading of the standard variables (a private helper of the pinned SDK).
    return QuietHousekeeping(sampling._get_from_env_or_default())


def _instrument() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.propagators import (
        TraceResponsePropagator,
        set_global_response_propagator,
    )
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    set_global_response_propagator(TraceResponsePropagator())
    excluded = os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS") or EXCLUDED_URLS
    for instrumentor, options in (
        (DjangoInstrumentor(), {"excluded_urls": excluded}),
        (RequestsInstrumentor(), {}),
        (CeleryInstrumentor(), {}),
    ):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(**options)


# ------------------------------------------------------------------ process hooks


def gunicorn_post_fork(server: Any, worker: Any) -> None:
    """For ``gunicorn.conf.py``: each worker starts its own exporter after the fork.

    Only for the services (their settings are ``config.settings``); any other
    application served with the shared configuration is left alone.
    """
    if importlib.util.find_spec("config") is None:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    setup()


def connect_celery_worker() -> None:
    """Each Celery pool process sets tracing up after it was forked.

    Error reporting starts earlier, in the worker's main process
    (``celeryd_init``): Sentry's Celery integration wraps the task tracers, which
    the pool builds in each child before ``worker_process_init``.
    """
    from celery.signals import celeryd_init, worker_process_init

    celeryd_init.connect(_on_celeryd_init, weak=False)
    worker_process_init.connect(_on_worker_process_init, weak=False)


def _on_celeryd_init(**_kwargs: Any) -> None:
    from pocdex_shared import sentry

    sentry.setup(_service())


def _on_worker_process_init(**_kwargs: Any) -> None:
    setup()


# ------------------------------------------------------------------ context helpers


def current_trace_id() -> str | None:
    """The 32-hex trace id of the active span, or ``None`` when there is none."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return trace.format_trace_id(span_context.trace_id)


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def context_carrier() -> dict[str, str]:
    """The active context as W3C headers (``traceparent``, ``tracestate``); empty without one."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        propagate.inject(carrier)
    return carrier


class _AttributeGetter:
    """Reads a carrier that is an object with attributes (Celery's ``task.request``)."""

    def get(self, carrier: Any, key: str) -> list[str] | None:
        value = getattr(carrier, key, None)
        return [value] if isinstance(value, str) else None

    def keys(self, carrier: Any) -> list[str]:
        return []


@contextmanager
def span_continuing(
    carrier: Mapping[str, str] | None,
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, str] | None = None,
) -> Iterator[Span]:
    """A span whose parent is the context recorded in ``carrier``.

    When the active span already belongs to that trace (the Celery
    instrumentation restored it from the message), the new span is its child;
    otherwise the recorded context is the parent. Without a recorded context
    the span starts under whatever is active (or a new trace).
    """
    parent = None
    recorded = propagate.extract(dict(carrier)) if carrier else None
    if recorded is not None:
        recorded_span = trace.get_current_span(recorded).get_span_context()
        active_span = trace.get_current_span().get_span_context()
        if recorded_span.is_valid and not (
            active_span.is_valid and active_span.trace_id == recorded_span.trace_id
        ):
            parent = recorded
    with tracer().start_as_current_span(
        name, context=parent, kind=kind, attributes=dict(attributes or {})
    ) as span:
        yield span


def carrier_of_task_request(request: Any) -> dict[str, str]:
    """The W3C headers a Celery message carried (read from ``task.request``)."""
    getter = _AttributeGetter()
    carrier = {}
    for key in ("traceparent", "tracestate"):
        values = getter.get(request, key)
        if values:
            carrier[key] = values[0]
    return carrier


# ------------------------------------------------------------------ WebSocket

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class traced_websocket:  # noqa: N801 - used like a function around an ASGI app
    """ASGI middleware: one SERVER span per WebSocket connect, ended at accept or close.

    The span continues the client's ``traceparent`` and stays the active
    context of the connection, so the connection's log lines carry its trace
    id; frames get no spans of their own (a dojo sends thousands a second).
    """

    def __init__(self, app: ASGIApp, *, route: str = "") -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "websocket" or not _enabled:
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope.get("headers", ())
        }
        parent = propagate.extract(headers)
        path = str(scope.get("path", ""))
        span = tracer().start_span(
            f"WS connect {self.route or path}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"url.path": path, "network.protocol.name": "websocket"},
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        state = {"open": True}

        def finish(status: Status | None = None, close_code: int | None = None) -> None:
            if state["open"]:
                state["open"] = False
                if close_code is not None:
                    span.set_attribute("websocket.close_code", close_code)
                if status is not None:
                    span.set_status(status)
                span.end()

        async def traced_send(message: dict[str, Any]) -> None:
            if message.get("type") == "websocket.accept":
                finish(Status(StatusCode.OK))
            elif message.get("type") == "websocket.close":
                finish(close_code=int(message.get("code", 1000)))
            await send(message)

        # What it wraps, for an application that writes frames to the connection
        # behind ``send`` itself (the dojo's events, built once for all members).
        traced_send.__wrapped__ = send  # type: ignore[attr-defined]

        try:
            await self.app(scope, receive, traced_send)
        except BaseException as exc:
            if state["open"]:
                span.record_exception(exc)
                finish(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            finish()
            otel_context.detach(token)
