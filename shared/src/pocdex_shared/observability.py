"""Logs, request context and metrics, identical in every service.

* Logs are one JSON object per line on stdout (Fluent Bit / CloudWatch parse
  them without a grammar), each carrying the service, request id, trace id,
  tenant and user of the request that produced it, read from contextvars so
  that library code need not pass them around.
* ``RequestContextMiddleware`` fills that context from the request;
  the tenant middleware adds tenant and user (``set_tenant``, ``set_user``).
* ``MetricsMiddleware`` counts requests and their latency per route template
  (never the raw path: ``/pocs/<uuid>`` is one series, not one per POC).
  Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an
  empty directory and call ``gunicorn_child_exit`` from gunicorn's
  ``child_exit`` hook; ``/metrics`` then aggregates every worker.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response
from opentelemetry.trace import format_trace_id, get_current_span
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from . import metrics as _metrics  # also connects the Celery task metrics

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")
# W3C Trace Context: version-traceid-parentid-flags, lower-case hex.
_TRACEPARENT_RE = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_ZERO_TRACE_ID = "0" * 32

access_logger = logging.getLogger("pocdex.access")
# Probes and scrapes every few seconds would drown the access log.
_QUIET_ROUTES = frozenset({"healthz", "readyz", "metrics"})

# ------------------------------------------------------------------ context

_request_id: ContextVar[str | None] = ContextVar("pocdex_request_id", default=None)
_trace_id: ContextVar[str | None] = ContextVar("pocdex_trace_id", default=None)
_tenant: ContextVar[str | None] = ContextVar("pocdex_tenant", default=None)
_user: ContextVar[str | None] = ContextVar("pocdex_user", default=None)


def bind_request_context(
    *,
    request_id: str | None = None,
    trace_id: str | None = None,
    tenant: str | None = None,
    user: str | None = None,
) -> None:
    """Start a new unit of work (a request, a Celery task, a WebSocket message).

    Every field is replaced, so nothing from a previous unit on the same thread
    or task can leak into this one's logs.
    """
    _request_id.set(request_id)
    _trace_id.set(trace_id)
    _tenant.set(tenant)
    _user.set(user)


def set_tenant(tenant: str | None) -> None:
    """The tenant slug, once it is known (the tenant middleware calls this)."""
    _tenant.set(tenant)


def set_user(user_id: str | None) -> None:
    """The authenticated user id, once it is known."""
    _user.set(user_id)


def clear_request_context() -> None:
    bind_request_context()


def current_context() -> dict[str, str | None]:
    """What the log formatter attaches to every line.

    ``trace_id`` is the OpenTelemetry trace of the active span when tracing is
    on (``pocdex_shared.tracing``), else the one of the request's ``traceparent``.
    """
    span_context = get_current_span().get_span_context()
    return {
        "request_id": _request_id.get(),
        "tenant": _tenant.get(),
        "trace_id": format_trace_id(span_context.trace_id)
        if span_context.is_valid
        else _trace_id.get(),
        "user": _user.get(),
    }


def request_id_from(value: str | None) -> str:
    """Reuse the caller's request id when it is a sane token, else mint one.

    Anything else is replaced rather than sanitized: a request id lands in
    every log line, so it must not be able to carry newlines, JSON or megabytes.
    """
    if value and _REQUEST_ID_RE.fullmatch(value):
        return value
    return uuid.uuid4().hex


def trace_id_from(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` header, or ``None`` if it is invalid."""
    if not traceparent:
        return None
    match = _TRACEPARENT_RE.fullmatch(traceparent.strip())
    if match is None:
        return None
    version, trace_id, parent_id, _flags = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE_ID or parent_id == "0" * 16:
        return None
    return trace_id


# ------------------------------------------------------------------ logging

# Attributes every LogRecord has; anything else came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}
# ``extra`` keys we never serialize: Django passes the request object to
# ``django.request`` records, and its repr is noise at best.
_SKIPPED_EXTRAS = frozenset({"request"})
_BASE_KEYS = frozenset(
    {"ts", "level", "logger", "message", "service", "request_id", "tenant", "trace_id", "user"}
    | {"exc_info", "stack_info"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request context of the current task."""

    def __init__(self, service: str = "unknown", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
            **current_context(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in _SKIPPED_EXTRAS and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            payload["exc_info"] = record.exc_text
        if record.stack_info:
            payload["stack_info"] = record.stack_info
        try:
            return json.dumps(payload, default=str, ensure_ascii=False)
        except ValueError:  # a circular structure in ``extra``: keep the line, lose the extras
            kept = {k: v for k, v in payload.items() if k in _BASE_KEYS}
            return json.dumps(kept, default=str, ensure_ascii=False)


def logging_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """``settings.LOGGING`` for a service: everything as JSON on stdout.

    Django's default handlers (console only when DEBUG, mail to admins) are
    replaced: containers log to stdout and errors go to Sentry, not email.
    """
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "pocdex_shared.observability.JsonFormatter", "service": service},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            },
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"handlers": ["stdout"], "level": level, "propagate": False},
            "django.server": {"handlers": ["stdout"], "level": level, "propagate": False},
            # SQL is logged at DEBUG only when settings.DEBUG is on; keep it off
            # unless asked for explicitly, it floods everything else.
            "django.db.backends": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }


# ------------------------------------------------------------------ middleware

Handler = Callable[[HttpRequest], Any]


class _HybridMiddleware:
    """Works on WSGI (accounts, pocs, media) and ASGI (dojo) without adaptation."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        self.before(request)
        try:
            response = self.get_response(request)
        except BaseException:
            self.failed(request)
            raise
        return self.after(request, response)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        self.before(request)
        get_response: Callable[[HttpRequest], Awaitable[HttpResponse]] = self.get_response
        try:
            response = await get_response(request)
        except BaseException:
            self.failed(request)
            raise
        return self.after(request, response)

    def before(self, request: HttpRequest) -> None:
        pass

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response

    def failed(self, request: HttpRequest) -> None:
        pass


class RequestContextMiddleware(_HybridMiddleware):
    """Binds request id and trace id for the request's logs; echoes ``X-Request-ID``.

    Put it first in ``MIDDLEWARE`` so that everything after it logs with them.
    """

    def before(self, request: HttpRequest) -> None:
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        request._context_started = time.perf_counter()  # type: ignore[attr-defined]
        bind_request_context(
            request_id=request_id, trace_id=trace_id_from(request.META.get("HTTP_TRACEPARENT"))
        )

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
        if response.status_code >= 400:
            # Django logs 4xx/5xx once the middleware chain has returned, when
            # the context is already gone; logging here (Django then skips its
            # own line) keeps request id, tenant and user on it.
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        route = route_of(request)
        match = getattr(request, "resolver_match", None)
        if getattr(match, "url_name", None) not in _QUIET_ROUTES:
            started: float = getattr(request, "_context_started", time.perf_counter())
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        clear_request_context()
        return response

    def failed(self, request: HttpRequest) -> None:
        clear_request_context()


# ------------------------------------------------------------------ metrics

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"


def service_name() -> str:
    return str(getattr(settings, "POCDEX_SERVICE", "unknown"))


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served ``request``, e.g. ``api/v1/pocs/<uuid:poc_id>``.

    Unresolved paths (404s, scanners) all share one label value so that random
    URLs cannot grow the number of series.
    """
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED_ROUTE
    return match.route or match.view_name or UNMATCHED_ROUTE


class MetricsMiddleware(_HybridMiddleware):
    """``http_requests_total`` and ``http_request_duration_seconds`` per route."""

    def before(self, request: HttpRequest) -> None:
        request._metrics_started = time.perf_counter()  # type: ignore[attr-defined]

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        self._observe(request, response.status_code)
        return response

    def failed(self, request: HttpRequest) -> None:
        self._observe(request, 500)

    @staticmethod
    def _observe(request: HttpRequest, status: int) -> None:
        started: float = getattr(request, "_metrics_started", time.perf_counter())
        method = request.method if request.method in _KNOWN_METHODS else "OTHER"
        service, route = service_name(), route_of(request)
        HTTP_REQUESTS.labels(service, method, route, str(status)).inc()
        HTTP_REQUEST_DURATION.labels(service, method, route).observe(time.perf_counter() - started)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Everything:
    """This process's default registry, as one collector of another registry."""

    def collect(self) -> Any:
        return REGISTRY.collect()


def metrics_registry(*, live: bool = True) -> CollectorRegistry:
    """This process's metrics (every worker's in multiprocess mode), plus, when ``live``,
    the collectors that read Redis and the broker at scrape time (pocdex_shared.metrics)."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Everything())
    if live:
        for collector in _metrics.live_collectors():
            registry.register(collector)
    return registry


def render_metrics() -> tuple[bytes, str]:
    """Prometheus text exposition of this process, or of every worker in multiprocess mode."""
    return generate_latest(metrics_registry()), CONTENT_TYPE_LATEST


def gunicorn_child_exit(server: Any, worker: Any) -> None:
    """For ``gunicorn.conf.py``: ``child_exit = gunicorn_child_exit``.

    Lets the multiprocess collector drop a dead worker's live gauges.
    """
    if multiprocess_dir():
        multiprocess.mark_process_dead(worker.pid)
