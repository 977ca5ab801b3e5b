"""Usage, Celery and queue metrics against the real Redis, a real worker and moto's SQS.

Usage counts go to the shared tests' own Redis database (``tests.settings``),
under a service name of each test's own, so tests never see each other's sets.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import Client
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings as SettingsWrapper

from pocdex_shared import metrics
from pocdex_shared.events.sqs import sqs_queue_name, sqs_transport_options
from pocdex_shared.metrics import (
    MAX_PLANS,
    TOP_TENANTS,
    QueueDepthCollector,
    TopTenantsCollector,
    UsageLedger,
    dead_letter_url,
    depth_reader_for,
    record_usage,
)
from pocdex_shared.queues import queues_of
from tests.conftest import SERVICE_QUEUE, Broker, celery_app


@dataclass
class Org:
    """What ``record_usage`` reads of an organization: its slug and plan."""

    slug: str
    plan: str = "free"


def samples(registry: CollectorRegistry, name: str) -> list[Any]:
    text = generate_latest(registry).decode()
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def collected(collector: Any, name: str) -> list[Any]:
    registry = CollectorRegistry()
    registry.register(collector)
    return samples(registry, name)


@pytest.fixture
def service(settings: SettingsWrapper) -> Iterator[str]:
    """A service name of this test's own: its counters and Redis keys are untouched by others."""
    name = f"usage-{uuid.uuid4().hex[:10]}"
    settings.POCDEX_SERVICE = name
    yield name
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"pocdex:usage:{name}:*"))
    if keys:
        client.delete(*keys)


def usage_total(service: str, kind: str, plan: str) -> float:
    labels = {"service": service, "kind": kind, "plan": plan}
    return REGISTRY.get_sample_value("pocdex_tenant_usage_total", labels) or 0.0


# ------------------------------------------------------------------ usage


def test_usage_is_counted_by_plan_and_the_top_tenants_by_slug(service: str) -> None:
    acme, globex = Org("acme", "pro"), Org("globex", "free")

    for _ in range(3):
        record_usage("search", tenant=acme)
    record_usage("search", tenant=globex)
    record_usage("storage_bytes", tenant=globex, amount=2048)

    assert usage_total(service, "search", "pro") == 3
    assert usage_total(service, "search", "free") == 1
    assert usage_total(service, "storage_bytes", "free") == 2048
    top = {
        (s.labels["kind"], s.labels["tenant"]): s.value
        for s in collected(TopTenantsCollector(service), "pocdex_tenant_usage_top")
    }
    # Each organization's usage is its own: globex's search is not acme's.
    assert top == {
        ("search", "acme"): 3,
        ("search", "globex"): 1,
        ("storage_bytes", "globex"): 2048,
    }


def test_a_thousand_tenants_make_at_most_the_top_n_series(service: str) -> None:
    for number in range(1000):
        org = Org(f"org-{number:04d}", "free")
        for _ in range(1 + number % 7):
            record_usage("poc_created", tenant=org)

    top = collected(TopTenantsCollector(service), "pocdex_tenant_usage_top")
    counters = [
        s for s in samples(REGISTRY, "pocdex_tenant_usage_total") if s.labels["service"] == service
    ]

    assert len(top) == TOP_TENANTS
    assert {s.value for s in top} == {7.0}  # the heaviest users, not the first ones seen
    assert len(counters) == 1 and counters[0].labels == {
        "service": service,
        "kind": "poc_created",
        "plan": "free",
    }
    assert "tenant" not in counters[0].labels


def test_free_text_plans_cannot_grow_the_number_of_series(service: str) -> None:
    for number in range(100):
        record_usage("search", tenant=Org(f"org-{number}", f"plan-{number}-{uuid.uuid4().hex}"))
    record_usage("search", tenant=Org("odd", "Not A Plan!"))

    plans = {
        s.labels["plan"]
        for s in samples(REGISTRY, "pocdex_tenant_usage_total")
        if s.labels["service"] == service
    }
    # Plans other tests saw first take places in the same per-process cap.
    assert len(plans) <= MAX_PLANS + 1
    assert "other" in plans


def test_outside_an_organization_nothing_is_counted(service: str) -> None:
    record_usage("search")  # the public schema: no tenant
    assert usage_total(service, "search", "free") == 0


def test_an_unknown_kind_is_a_programming_error(service: str) -> None:
    with pytest.raises(ValueError, match="unknown usage kind"):
        record_usage("page_views", tenant=Org("acme"))


def test_counts_reach_redis_every_few_seconds_not_per_event(service: str) -> None:
    now = [1_000_000.0]
    client = redis.Redis.from_url(settings.REDIS_URL)
    ledger = UsageLedger(lambda: client, clock=lambda: now[0], flush_seconds=5)
    day = time.strftime("%Y-%m-%d", time.gmtime(now[0]))
    key = f"pocdex:usage:{service}:dojo_edit:{day}"

    ledger.add(service, "dojo_edit", "acme", 1)
    ledger.add(service, "dojo_edit", "acme", 1)
    assert client.zscore(key, "acme") is None  # still in the process

    now[0] += 5
    ledger.add(service, "dojo_edit", "acme", 1)
    assert client.zscore(key, "acme") == 3
    assert 0 < client.ttl(key) <= metrics.USAGE_KEY_TTL_SECONDS


def test_a_redis_outage_loses_counts_but_fails_nothing(service: str) -> None:
    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    ledger = UsageLedger(lambda: dead, flush_seconds=0)

    ledger.add(service, "search", "acme", 1)  # flushes, fails, logs

    assert collected(TopTenantsCollector(service, ledger), "pocdex_tenant_usage_top") == []


def test_the_metrics_endpoint_shows_usage_and_top_tenants(service: str) -> None:
    record_usage("report_rendered", tenant=Org("acme", "pro"))
    metrics.usage_ledger().flush()

    text = Client().get("/metrics").content.decode()

    assert (
        f'pocdex_tenant_usage_total{{kind="report_rendered",plan="pro",service="{service}"}} 1.0'
        in text
    )
    # The live collectors were built for the tests' own service name (their first build).
    assert "pocdex_tenant_usage_top" in text


# ------------------------------------------------------------------ Celery tasks

FLAKY_ATTEMPTS: dict[str, int] = {}


@celery_app.task(name="tests.metrics.works")
def works() -> str:
    return "ok"


@celery_app.task(name="tests.metrics.breaks")
def breaks() -> None:
    raise RuntimeError("this task always fails")


@celery_app.task(name="tests.metrics.flaky", bind=True, max_retries=3)
def flaky(task: Any, key: str) -> str:
    FLAKY_ATTEMPTS[key] = FLAKY_ATTEMPTS.get(key, 0) + 1
    if FLAKY_ATTEMPTS[key] == 1:
        raise task.retry(countdown=0)
    return "ok"


def task_sample(name: str, task: str, **labels: str) -> float:
    full = {"service": "shared-tests", "task": task, "queue": SERVICE_QUEUE, **labels}
    return REGISTRY.get_sample_value(name, full) or 0.0


def poll(condition: Callable[[], bool], what: str, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("priority_lists")
def test_task_wait_run_time_and_outcomes_are_recorded_per_task_and_queue(
    broker: Broker, drop_tenant_schemas: None
) -> None:
    waits_before = task_sample("pocdex_celery_task_queue_wait_seconds_count", "tests.metrics.works")
    wait_sum_before = task_sample(
        "pocdex_celery_task_queue_wait_seconds_sum", "tests.metrics.works"
    )
    runs_before = task_sample("pocdex_celery_task_run_seconds_count", "tests.metrics.works")
    outcomes_before = {
        (task, outcome): task_sample("pocdex_celery_tasks_total", task, outcome=outcome)
        for task, outcome in [
            ("tests.metrics.works", "success"),
            ("tests.metrics.breaks", "failure"),
            ("tests.metrics.flaky", "retry"),
            ("tests.metrics.flaky", "success"),
        ]
    }

    works.apply_async(queue=SERVICE_QUEUE)
    sent = time.time()
    breaks.apply_async(queue=SERVICE_QUEUE)
    flaky.apply_async(args=[uuid.uuid4().hex], queue=SERVICE_QUEUE)
    started = time.time()  # the first task waits at least from here to the worker's start
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[SERVICE_QUEUE]):
        poll(
            lambda: all(
                task_sample("pocdex_celery_tasks_total", task, outcome=outcome) > before
                for (task, outcome), before in outcomes_before.items()
            ),
            "every task's outcome",
        )

    assert (
        task_sample("pocdex_celery_task_queue_wait_seconds_count", "tests.metrics.works")
        == waits_before + 1
    )
    waited = (
        task_sample("pocdex_celery_task_queue_wait_seconds_sum", "tests.metrics.works")
        - wait_sum_before
    )
    assert waited >= started - sent
    assert (
        task_sample("pocdex_celery_task_run_seconds_count", "tests.metrics.works")
        == runs_before + 1
    )
    for (task, outcome), before in outcomes_before.items():
        assert task_sample("pocdex_celery_tasks_total", task, outcome=outcome) == before + 1


def test_the_worker_serves_its_metrics_on_the_port_it_is_given() -> None:
    import urllib.request

    server = metrics.start_worker_metrics_server(free_port())
    assert server is not None
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            text = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"pocdex_celery_tasks", "pocdex_celery_task_run_seconds", "http_requests"} <= names
    # Workers have no queue depth of their own: the web process reports it.
    assert "pocdex_celery_queue_depth" not in names


def test_no_port_no_worker_metrics_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POCDEX_WORKER_METRICS_PORT", raising=False)
    assert metrics.start_worker_metrics_server() is None


# ------------------------------------------------------------------ queue depth


def depth_samples(collector: QueueDepthCollector, name: str) -> dict[str, float]:
    return {s.labels["queue"]: s.value for s in collected(collector, name)}


def up(collector: QueueDepthCollector) -> float:
    [sample] = collected(collector, "pocdex_celery_queue_depth_up")
    return float(sample.value)


@pytest.fixture
def priority_lists(broker: Broker) -> Iterator[None]:
    """The broker fixture purges the queues' main lists; priority messages have lists of their own."""
    keys = [SERVICE_QUEUE + suffix for suffix in metrics._REDIS_PRIORITY_SUFFIXES]
    broker.client.delete(*keys)
    yield
    broker.client.delete(*keys)


@pytest.mark.usefixtures("priority_lists")
def test_queue_depth_is_read_from_the_redis_broker_and_cached(broker: Broker) -> None:
    now = [0.0]
    reader = depth_reader_for(settings.CELERY_BROKER_URL, {})
    collector = QueueDepthCollector(
        "shared-tests", reader, queues=[SERVICE_QUEUE], ttl=10, clock=lambda: now[0]
    )
    for _ in range(3):
        works.apply_async(queue=SERVICE_QUEUE)
    works.apply_async(queue=SERVICE_QUEUE, priority=9)  # kept in a list of its own

    assert depth_samples(collector, "pocdex_celery_queue_depth") == {SERVICE_QUEUE: 4}
    works.apply_async(queue=SERVICE_QUEUE)
    now[0] += 9
    assert depth_samples(collector, "pocdex_celery_queue_depth") == {SERVICE_QUEUE: 4}
    now[0] += 1
    assert depth_samples(collector, "pocdex_celery_queue_depth") == {SERVICE_QUEUE: 5}
    assert collector.reads == 2
    assert up(collector) == 1
    assert depth_samples(collector, "pocdex_celery_dead_letter_depth") == {}


def test_an_unreachable_broker_reports_down_instead_of_stale_depths() -> None:
    reader = depth_reader_for(f"redis://127.0.0.1:{free_port()}/13", {})
    collector = QueueDepthCollector("media", reader, ttl=0)

    assert depth_samples(collector, "pocdex_celery_queue_depth") == {}
    assert up(collector) == 0


def test_every_declared_queue_of_a_service_is_reported() -> None:
    collector = QueueDepthCollector(
        "media", depth_reader_for(settings.CELERY_BROKER_URL, {"global_keyprefix": "nope:"})
    )
    assert set(depth_samples(collector, "pocdex_celery_queue_depth")) == set(queues_of("media"))


# ------------------------------------------------------------------ SQS (moto's server)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_sqs() -> Iterator[str]:
    """moto's server on a free port of its own, stopped after the test."""
    port = free_port()
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    assert executable, "moto_server is in requirements-dev.txt"
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        poll(lambda: _answers(port), "moto's server", deadline=30)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_queue_and_dead_letter_depths_are_read_from_sqs(
    moto_sqs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    region = "sa-east-1"
    sqs = boto3.client("sqs", region_name=region, endpoint_url=moto_sqs)
    urls = {}
    for queue in queues_of("media"):
        urls[queue] = sqs.create_queue(QueueName=sqs_queue_name(queue))["QueueUrl"]
        if queue != "media.default":  # one dead-letter queue that cannot be read
            sqs.create_queue(QueueName=sqs_queue_name(queue) + "-dlq")
    for _ in range(2):
        sqs.send_message(QueueUrl=urls["media.reports"], MessageBody="{}")
    sqs.send_message(QueueUrl=dead_letter_url(urls["media.videos"]), MessageBody="{}")
    prefix = urls["media.reports"].rsplit("/", 1)[0]
    options = {  # as the services' settings build them on AWS
        **sqs_transport_options(
            own_service="media", services=["media"], url_prefix=prefix, region=region
        ),
        "is_secure": False,
    }
    host = moto_sqs.removeprefix("http://")
    collector = QueueDepthCollector(
        "media", depth_reader_for(f"sqs://testing:testing@{host}", options)
    )

    depths = depth_samples(collector, "pocdex_celery_queue_depth")
    dead = depth_samples(collector, "pocdex_celery_dead_letter_depth")

    assert depths == {queue: (2 if queue == "media.reports" else 0) for queue in queues_of("media")}
    # A dead-letter queue that cannot be read loses its own series, not the queues' depths.
    assert dead == {
        queue: (1 if queue == "media.videos" else 0)
        for queue in queues_of("media")
        if queue != "media.default"
    }
    assert up(collector) == 1
