"""``/healthz``, ``/readyz`` and ``/metrics`` against the real PostgreSQL and Redis."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

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


def _other_connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_readyz_leaves_no_database_connection_behind(client: Client) -> None:
    for _ in range(3):
        assert client.get("/readyz").status_code == 200

    deadline = time.monotonic() + 3
    while _other_connections_to_this_database() and time.monotonic() < deadline:
        time.sleep(0.05)  # a closed backend leaves pg_stat_activity a moment later
    assert _other_connections_to_this_database() == 0


def test_metrics_is_served_without_credentials(client: Client) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
