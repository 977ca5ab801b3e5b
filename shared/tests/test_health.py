"""``/healthz``, ``/readyz`` and ``/metrics`` against the real PostgreSQL and Redis."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from pocdex_shared import health
from tests._b_checks import _closed_port


def test_healthz_answers_without_touching_any_dependency(client: Client) -> None:
    # No django_db mark: pytest-django fails the test if the view queries.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "shared-tests"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_credentials_even_with_a_bad_token(client: Client) -> None:
    response = client.get("/healthz", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200


def test_health_endpoints_only_answer_reads(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_checks_the_database_and_redis(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == "shared-tests"
    assert set(body["checks"]) == {"database", "redis"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert all(check["duration_ms"] >= 0 for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_without_redis_configured_does_not_check_it(
    client: Client, settings: SettingsWrapper
) -> None:
    del settings.REDIS_URL

    body = client.get("/readyz").json()

    assert set(body["checks"]) == {"database"}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_unreachable_without_leaking_its_address(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"] == {"status": "error", "error": "ConnectionError"}
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db
def test_readyz_runs_the_configured_extra_checks(client: Client, settings: SettingsWrapper) -> None:
    settings.READINESS_CHECKS = ["tests._b_checks.search_cluster"]

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["search_cluster"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_reports_failing_and_hanging_checks_within_the_deadline(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.READINESS_CHECKS = ["tests._b_checks.broken_search", "tests._b_checks.slow_queue"]
    settings.READINESS_CHECK_TIMEOUT = 0.3
    started = time.monotonic()

    response = client.get("/readyz")

    elapsed = time.monotonic() - started
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broken_search"] == {"status": "error", "error": "ConnectionRefusedError"}
    assert checks["slow_queue"] == {"status": "timeout"}
    assert checks["database"]["status"] == "ok"
    assert elapsed < 1.5, f"readyz waited {elapsed:.2f} s for a hanging check"


def _open_connections_in_the_readiness_threads() -> list[bool]:
    """Whether each thread of the readiness pool holds an open Django connection.

    One task per pool thread, held at a barrier so that every thread runs
    exactly one: the state of the connection objects themselves, with no
    waiting for PostgreSQL to forget a closed backend.
    """
    size = health._executor._max_workers
    barrier = threading.Barrier(size, timeout=30)

    def report() -> bool:
        barrier.wait()
        return connections["default"].connection is not None

    futures = [health._executor.submit(report) for _ in range(size)]
    return [future.result(timeout=60) for future in futures]


@pytest.mark.django_db
def test_readyz_leaves_no_database_connection_behind(client: Client) -> None:
    for _ in range(3):
        assert client.get("/readyz").status_code == 200

    assert _open_connections_in_the_readiness_threads() == [False] * health._executor._max_workers


def test_metrics_is_served_without_credentials(client: Client) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
