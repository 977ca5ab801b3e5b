"""Platform metrics beyond HTTP: tenant usage, Celery tasks and queues, dojo sockets.

Every series here has a bounded number of label values (ADR 0041):

* **Usage** (``record_usage``) is counted by service, kind and plan, never by
  tenant: ``pocdex_tenant_usage_total``. Which organizations use the most is a
  separate gauge, ``pocdex_tenant_usage_top``, holding only the top
  :data:`TOP_TENANTS` organizations per kind for the current UTC day. Each
  process adds its counts to a sorted set per kind and day in Redis every few
  seconds (one pipeline, never per event), so the gauge covers every process
  and pod; the web process reads the top of each set when scraped.
* **Celery** (signal handlers connected when this module loads, which
  :mod:`pocdex_shared.observability` does): queue wait (start minus enqueue
  time), run time and outcome per task and queue, recorded by signal handlers
  in the worker; the depth of each declared queue
  (``pocdex_celery_queue_depth{queue="media.reports"}``) read from the broker
  by the web process, cached for :data:`QUEUE_DEPTH_TTL_SECONDS`.
* **Dojo**: open sockets, deliveries and sequencing time.

The collectors that read Redis or the broker at scrape time are "live"
collectors: :func:`pocdex_shared.observability.render_metrics` adds them to
every scrape, in multiprocess mode too.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from .queues import SERVICE_QUEUES, queues_of

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------ usage

USAGE_KINDS = (
    "poc_created",
    "search",
    "dojo_edit",
    "report_rendered",
    "video_rendered",
    "storage_bytes",
)
# Plans are free text on the organization; a process exports at most this many
# distinct values, the rest count as "other".
MAX_PLANS = 16
OTHER = "other"
TOP_TENANTS = 20
USAGE_FLUSH_SECONDS = 5.0
# A process that sees this many (kind, tenant) pairs between flushes flushes early.
USAGE_BUFFER_LIMIT = 5000
USAGE_KEY_TTL_SECONDS = 3 * 24 * 3600
TOP_TENANTS_TTL_SECONDS = 15.0
_LABEL_VALUE_RE = re.compile(r"[a-z0-9_-]{1,32}")

TENANT_USAGE = Counter(
    "pocdex_tenant_usage_total",
    "Usage by kind and plan (events; bytes for storage_bytes). No tenant label: "
    "see pocdex_tenant_usage_top.",
    ["service", "kind", "plan"],
)


class BoundedLabel:
    """Maps free-text values to at most ``cap`` label values, the rest to ``other``."""

    def __init__(self, cap: int, pattern: re.Pattern[str] = _LABEL_VALUE_RE) -> None:
        self.cap = cap
        self.pattern = pattern
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: object) -> str:
        text = str(value or "").lower()
        if not self.pattern.fullmatch(text):
            return OTHER
        with self._lock:
            if text in self._seen:
                return text
            if len(self._seen) >= self.cap:
                return OTHER
            self._seen.add(text)
            return text


_plan_label = BoundedLabel(MAX_PLANS)


def _usage_key(service: str, kind: str, day: str) -> str:
    return f"pocdex:usage:{service}:{kind}:{day}"


def _utc_day(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d")


RedisFactory = Callable[[], Any]


def _settings_redis() -> Any:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(str(settings.REDIS_URL), socket_timeout=2.0)


class UsageLedger:
    """Per-tenant usage of one process, added to Redis every few seconds.

    Counting never touches the network: ``add`` updates a dict, and the first
    ``add`` after :data:`USAGE_FLUSH_SECONDS` (or a scrape) sends the whole
    buffer as one pipeline. A Redis failure loses that buffer's counts and is
    logged; it never fails the request or the task that counted.
    """

    def __init__(
        self,
        redis_factory: RedisFactory = _settings_redis,
        *,
        clock: Callable[[], float] = time.time,
        flush_seconds: float = USAGE_FLUSH_SECONDS,
        top: int = TOP_TENANTS,
    ) -> None:
        self._redis_factory = redis_factory
        self._redis: Any = None
        self._clock = clock
        self._flush_seconds = flush_seconds
        self._top = top
        self._lock = threading.Lock()
        self._buffer: dict[tuple[str, str, str], float] = {}
        self._last_flush = clock()
        self._top_cache: dict[str, tuple[float, list[tuple[str, str, float]]]] = {}

    def _client(self) -> Any:
        if self._redis is None:
            self._redis = self._redis_factory()
        return self._redis

    def add(self, service: str, kind: str, tenant: str, amount: float) -> None:
        with self._lock:
            key = (service, kind, tenant)
            self._buffer[key] = self._buffer.get(key, 0.0) + amount
            due = (
                self._clock() - self._last_flush >= self._flush_seconds
                or len(self._buffer) >= USAGE_BUFFER_LIMIT
            )
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            buffer, self._buffer = self._buffer, {}
            now = self._last_flush = self._clock()
        if not buffer:
            return
        day = _utc_day(now)
        try:
            pipe = self._client().pipeline(transaction=False)
            keys = set()
            for (service, kind, tenant), amount in buffer.items():
                key = _usage_key(service, kind, day)
                pipe.zincrby(key, amount, tenant)
                keys.add(key)
            for key in keys:
                pipe.expire(key, USAGE_KEY_TTL_SECONDS)
            pipe.execute()
        except Exception:
            logger.warning("usage counts not recorded in Redis", exc_info=True)

    def top(self, service: str) -> list[tuple[str, str, float]]:
        """``(kind, tenant, amount)`` of the top tenants of each kind today, cached briefly."""
        now = self._clock()
        cached = self._top_cache.get(service)
        if cached is not None and now - cached[0] < TOP_TENANTS_TTL_SECONDS:
            return cached[1]
        day = _utc_day(now)
        pipe = self._client().pipeline(transaction=False)
        for kind in USAGE_KINDS:
            pipe.zrevrange(_usage_key(service, kind, day), 0, self._top - 1, withscores=True)
        rows: list[tuple[str, str, float]] = []
        for kind, members in zip(USAGE_KINDS, pipe.execute(), strict=True):
            for tenant, amount in members:
                name = tenant.decode() if isinstance(tenant, bytes) else str(tenant)
                rows.append((kind, name, float(amount)))
        self._top_cache[service] = (now, rows)
        return rows


_ledger = UsageLedger()


def usage_ledger() -> UsageLedger:
    return _ledger


def _tenant_of(tenant: Any) -> Any:
    if tenant is not None:
        return tenant
    from django.db import connection

    current = getattr(connection, "tenant", None)
    return current if getattr(current, "slug", None) else None


def record_usage(kind: str, *, tenant: Any = None, amount: float = 1) -> None:
    """Count ``amount`` of ``kind`` for ``tenant`` (default: the connection's tenant).

    ``tenant`` is anything with ``slug`` and ``plan`` (a tenant replica). Outside
    an organization nothing is counted.
    """
    if kind not in USAGE_KINDS:
        raise ValueError(f"unknown usage kind {kind!r}")
    from .observability import service_name

    org = _tenant_of(tenant)
    if org is None or amount <= 0:
        return
    service = service_name()
    TENANT_USAGE.labels(service, kind, _plan_label(getattr(org, "plan", ""))).inc(amount)
    _ledger.add(service, kind, str(org.slug), float(amount))


class TopTenantsCollector:
    """``pocdex_tenant_usage_top{kind, tenant}``: at most ``TOP_TENANTS`` series per kind."""

    def __init__(self, service: str, ledger: UsageLedger | None = None) -> None:
        self.service = service
        self.ledger = ledger or _ledger

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "pocdex_tenant_usage_top",
            "Today's (UTC) usage of the organizations that use the most, per kind.",
            labels=["service", "kind", "tenant"],
        )
        try:
            self.ledger.flush()
            rows = self.ledger.top(self.service)
        except Exception:
            logger.warning("top tenants not read from Redis", exc_info=True)
            rows = []
        for kind, tenant, amount in rows:
            family.add_metric([self.service, kind, tenant], amount)
        yield family


# ------------------------------------------------------------------ Celery

ENQUEUED_AT_HEADER = "pocdex_enqueued_at"
_TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

CELERY_TASK_QUEUE_WAIT = Histogram(
    "pocdex_celery_task_queue_wait_seconds",
    "Time a task waited in its queue: start minus enqueue time (or its ETA).",
    ["service", "task", "queue"],
    buckets=_TASK_BUCKETS,
)
CELERY_TASK_RUNTIME = Histogram(
    "pocdex_celery_task_run_seconds",
    "Time a task ran, whatever its outcome.",
    ["service", "task", "queue"],
    buckets=_TASK_BUCKETS,
)
CELERY_TASKS = Counter(
    "pocdex_celery_tasks_total",
    "Tasks that ended, by outcome (success, failure, retry, other).",
    ["service", "task", "queue", "outcome"],
)
_OUTCOMES = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}
# Routing keys and task names come from code, not input; the caps are a backstop.
MAX_QUEUES = 64
MAX_TASKS = 256
_queue_name = BoundedLabel(MAX_QUEUES, re.compile(r"[a-z0-9_.-]{1,80}"))
_task_name = BoundedLabel(MAX_TASKS, re.compile(r"[a-z0-9_.-]{1,120}"))


def _service() -> str:
    from .observability import service_name

    return service_name()


def _queue_label(task: Any) -> str:
    info = getattr(task.request, "delivery_info", None) or {}
    return _queue_name(info.get("routing_key") or info.get("queue") or "")


def _task_label(task: Any) -> str:
    return _task_name(getattr(task, "name", ""))


def _header(request: Any, name: str) -> Any:
    value = getattr(request, name, None)
    if value is None:
        headers = getattr(request, "headers", None) or {}
        value = headers.get(name)
    return value


def _eta_timestamp(request: Any) -> float | None:
    eta = getattr(request, "eta", None)
    if not eta:
        return None
    try:
        parsed = eta if isinstance(eta, datetime) else datetime.fromisoformat(str(eta))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _on_before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None:
        headers[ENQUEUED_AT_HEADER] = time.time()


def _on_prerun(task: Any = None, **_: Any) -> None:
    if task is None:
        return
    now = time.time()
    task.request._pocdex_started = time.perf_counter()
    enqueued = _header(task.request, ENQUEUED_AT_HEADER)
    try:
        since = float(enqueued)
    except (TypeError, ValueError):
        return
    eta = _eta_timestamp(task.request)
    if eta is not None:
        since = max(since, eta)
    CELERY_TASK_QUEUE_WAIT.labels(_service(), _task_label(task), _queue_label(task)).observe(
        max(now - since, 0.0)
    )


def _on_postrun(task: Any = None, state: str | None = None, **_: Any) -> None:
    if task is None:
        return
    task_label, queue_label = _task_label(task), _queue_label(task)
    started = getattr(task.request, "_pocdex_started", None)
    if started is not None:
        CELERY_TASK_RUNTIME.labels(_service(), task_label, queue_label).observe(
            time.perf_counter() - started
        )
    outcome = _OUTCOMES.get(str(state), OTHER)
    CELERY_TASKS.labels(_service(), task_label, queue_label, outcome).inc()


def install_celery_metrics() -> None:
    """Connect the task metrics' signal handlers (idempotent; done when this module loads)."""
    from celery import signals

    signals.before_task_publish.connect(_on_before_publish, dispatch_uid="pocdex-metrics-publish")
    signals.task_prerun.connect(_on_prerun, dispatch_uid="pocdex-metrics-prerun")
    signals.task_postrun.connect(_on_postrun, dispatch_uid="pocdex-metrics-postrun")
    signals.worker_init.connect(_start_worker_server, dispatch_uid="pocdex-metrics-worker")


def _start_worker_server(**_: Any) -> None:
    start_worker_metrics_server()


def start_worker_metrics_server(port: int | None = None) -> Any:
    """Serve the worker's metrics on ``POCDEX_WORKER_METRICS_PORT`` (off when unset).

    Returns the server (``server_port``, ``shutdown()``), or None when off. With
    the prefork pool, set ``PROMETHEUS_MULTIPROC_DIR`` too: the pool's processes
    record, the main process serves what they wrote.
    """
    import os

    from prometheus_client import start_http_server

    from .observability import metrics_registry

    if port is None:
        raw = os.environ.get("POCDEX_WORKER_METRICS_PORT", "").strip()
        if not raw:
            return None
        port = int(raw)
    server, _thread = start_http_server(port, registry=metrics_registry(live=False))
    return server


# ------------------------------------------------------------------ queue depth

QUEUE_DEPTH_TTL_SECONDS = 10.0
# kombu's Redis transport keeps priorities 3, 6 and 9 in lists of their own.
_REDIS_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")

DepthReader = Callable[[tuple[str, ...]], tuple[dict[str, int], dict[str, int]]]


def redis_depth_reader(broker_url: str, transport_options: Mapping[str, Any]) -> DepthReader:
    """Depths from the Redis broker: ``LLEN`` of each queue's lists. No dead-letter queues."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_timeout=2.0)
    prefix = str(transport_options.get("global_keyprefix") or "")

    def read(queues: tuple[str, ...]) -> tuple[dict[str, int], dict[str, int]]:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            for suffix in _REDIS_PRIORITY_SUFFIXES:
                pipe.llen(f"{prefix}{queue}{suffix}")
        lengths = pipe.execute()
        step = len(_REDIS_PRIORITY_SUFFIXES)
        depths = {q: int(sum(lengths[i * step : (i + 1) * step])) for i, q in enumerate(queues)}
        return depths, {}

    return read


def dead_letter_url(queue_url: str) -> str:
    """``…/pocdex-media-reports`` → ``…/pocdex-media-reports-dlq`` (the CDK app's naming)."""
    return queue_url.rstrip("/") + "-dlq"


def sqs_depth_reader(broker_url: str, transport_options: Mapping[str, Any]) -> DepthReader:
    """Depths from SQS: ``ApproximateNumberOfMessages`` of each queue and of its DLQ."""
    import boto3

    from .events.sqs import sqs_queue_name

    predefined: Mapping[str, Any] = transport_options.get("predefined_queues") or {}
    parts = urlsplit(broker_url)
    endpoint = None
    if parts.hostname:
        secure = transport_options.get("is_secure", True)
        scheme = "https" if secure else "http"
        port = f":{parts.port}" if parts.port else ""
        endpoint = f"{scheme}://{parts.hostname}{port}"
    client = boto3.client("sqs", region_name=transport_options.get("region"), endpoint_url=endpoint)

    def count(url: str) -> int:
        answer = client.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(answer["Attributes"]["ApproximateNumberOfMessages"])

    def read(queues: tuple[str, ...]) -> tuple[dict[str, int], dict[str, int]]:
        depths: dict[str, int] = {}
        dead: dict[str, int] = {}
        for queue in queues:
            # Keyed by the SQS name (kombu's lookup with queue_name_prefix) or the Celery name.
            entry = predefined.get(sqs_queue_name(queue)) or predefined.get(queue) or {}
            url = entry.get("url")
            if not url:
                continue
            depths[queue] = count(url)
            try:
                dead[queue] = count(dead_letter_url(str(url)))
            except Exception:
                # Without its dead-letter depth (no such queue, no right to read it)
                # a queue's own depth still counts: the autoscalers need it.
                logger.warning("dead-letter depth of %s not read", queue, exc_info=True)
        return depths, dead

    return read


def depth_reader_for(broker_url: str, transport_options: Mapping[str, Any]) -> DepthReader:
    scheme = urlsplit(broker_url).scheme
    if scheme in {"redis", "rediss"}:
        return redis_depth_reader(broker_url, transport_options)
    if scheme == "sqs":
        return sqs_depth_reader(broker_url, transport_options)
    raise ValueError(f"no queue depth reader for the broker scheme {scheme!r}")


class QueueDepthCollector:
    """``pocdex_celery_queue_depth{queue}`` (+ ``..._dead_letter_depth`` on SQS), cached.

    The broker is read at most once per ``ttl`` seconds per process, whatever
    the scrape rate. ``pocdex_celery_queue_depth_up`` is 0 when the last read
    failed; the depths are then absent rather than stale.
    """

    def __init__(
        self,
        service: str,
        reader: DepthReader,
        *,
        queues: Iterable[str] | None = None,
        ttl: float = QUEUE_DEPTH_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.queues = tuple(queues) if queues is not None else queues_of(service)
        self.reader = reader
        self.ttl = ttl
        self.clock = clock
        self.reads = 0
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, int], dict[str, int], bool] | None = None

    def _current(self) -> tuple[dict[str, int], dict[str, int], bool]:
        with self._lock:
            now = self.clock()
            if self._cached is None or now - self._cached[0] >= self.ttl:
                self.reads += 1
                try:
                    depths, dead = self.reader(self.queues)
                    self._cached = (now, depths, dead, True)
                except Exception:
                    logger.warning("queue depths not read from the broker", exc_info=True)
                    self._cached = (now, {}, {}, False)
            _at, depths, dead, ok = self._cached
            return depths, dead, ok

    def collect(self) -> Iterator[Metric]:
        depths, dead, ok = self._current()
        depth = GaugeMetricFamily(
            "pocdex_celery_queue_depth",
            "Messages waiting in a Celery queue (SQS: ApproximateNumberOfMessages).",
            labels=["service", "queue"],
        )
        for queue, value in sorted(depths.items()):
            depth.add_metric([self.service, queue], value)
        letters = GaugeMetricFamily(
            "pocdex_celery_dead_letter_depth",
            "Messages in a Celery queue's dead-letter queue (SQS only).",
            labels=["service", "queue"],
        )
        for queue, value in sorted(dead.items()):
            letters.add_metric([self.service, queue], value)
        up = GaugeMetricFamily(
            "pocdex_celery_queue_depth_up",
            "1 when the last read of the queue depths from the broker succeeded.",
            labels=["service"],
        )
        up.add_metric([self.service], 1 if ok else 0)
        yield from (depth, letters, up)


# ------------------------------------------------------------------ live collectors

_live: list[Any] | None = None
_live_lock = threading.Lock()


def live_collectors() -> list[Any]:
    """The collectors this process adds to each scrape, built once from Django settings."""
    global _live
    with _live_lock:
        if _live is None:
            _live = _build_live_collectors()
        return _live


def _build_live_collectors() -> list[Any]:
    from django.conf import settings

    from .observability import service_name

    service = service_name()
    collectors: list[Any] = []
    if getattr(settings, "REDIS_URL", None):
        collectors.append(TopTenantsCollector(service))
    broker = getattr(settings, "CELERY_BROKER_URL", None)
    if broker and service in SERVICE_QUEUES:
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
        try:
            collectors.append(QueueDepthCollector(service, depth_reader_for(str(broker), options)))
        except ValueError:
            logger.warning("no queue depth for this broker", exc_info=True)
    return collectors


# ------------------------------------------------------------------ dojo

DOJO_SOCKETS = Gauge(
    "pocdex_dojo_sockets_open",
    "WebSocket connections joined to a dojo, per process.",
    ["service"],
    multiprocess_mode="livesum",
)
DOJO_DELIVERIES = Counter(
    "pocdex_dojo_deliveries_total",
    "Frames delivered to dojo sockets, by kind (sequenced or ephemeral).",
    ["service", "kind"],
)
DOJO_GAP_EVENTS = Counter(
    "pocdex_dojo_gap_events_total",
    "Sequenced events the channel layer did not deliver to a socket, read back from the log.",
    ["service"],
)
DOJO_SEQUENCING = Histogram(
    "pocdex_dojo_sequencing_seconds",
    "Time from receiving a dojo command to its events being sequenced and published.",
    ["service", "command"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


install_celery_metrics()


def dojo_socket_opened() -> None:
    from .observability import service_name

    DOJO_SOCKETS.labels(service_name()).inc()


def dojo_socket_closed() -> None:
    from .observability import service_name

    DOJO_SOCKETS.labels(service_name()).dec()


def dojo_delivered(kind: str, frames: int = 1) -> None:
    """``frames`` frames written to sockets: ``sequenced`` or ``ephemeral``.

    An event's deliveries on an instance are counted once, not per socket: each
    increment writes to the multiprocess store (bench/dojo, ADR 0048).
    """
    from .observability import service_name

    if frames > 0:
        DOJO_DELIVERIES.labels(service_name(), kind).inc(frames)


def dojo_gap_filled(events: int) -> None:
    """``events`` sequenced events missed by the channel layer, sent from the log instead."""
    from .observability import service_name

    if events > 0:
        DOJO_GAP_EVENTS.labels(service_name()).inc(events)


def dojo_command_done(command: str, started: float, tenant: Any) -> None:
    """A command sequenced ``time.perf_counter() - started`` after it arrived; edits count as usage."""
    from .observability import service_name

    DOJO_SEQUENCING.labels(service_name(), _task_name(command)).observe(
        time.perf_counter() - started
    )
    if command == "op":
        record_usage("dojo_edit", tenant=tenant)


# ------------------------------------------------------------------ long jobs

JOBS = Counter(
    "pocdex_jobs_total",
    "Long jobs (reports, videos) that ended, by kind and outcome (succeeded, failed).",
    ["service", "kind", "outcome"],
)
JOB_COMPLETION = Histogram(
    "pocdex_job_completion_seconds",
    "Time from a job's request to its end: queue wait, retries and run time included.",
    ["service", "kind", "outcome"],
    buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200),
)
_JOB_OUTCOMES = frozenset({"succeeded", "failed"})
_job_kind = BoundedLabel(16)


def job_ended(kind: str, outcome: str, seconds: float) -> None:
    """A job requested ``seconds`` ago ended with ``outcome`` (succeeded or failed)."""
    from .observability import service_name

    label = outcome if outcome in _JOB_OUTCOMES else OTHER
    service, kind_label = service_name(), _job_kind(kind)
    JOBS.labels(service, kind_label, label).inc()
    JOB_COMPLETION.labels(service, kind_label, label).observe(max(seconds, 0.0))
