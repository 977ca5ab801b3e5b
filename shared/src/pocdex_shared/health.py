"""``/healthz``, ``/readyz`` and ``/metrics`` for every service.

    urlpatterns = [path("", include("pocdex_shared.health")), ...]

Plain Django views, not DRF: probes and Prometheus carry no token, and these
must keep answering when authentication (the JWKS) is down.

* ``/healthz`` (liveness) touches nothing: a database outage must not make
  Kubernetes restart every pod of a service.
* ``/readyz`` (readiness) checks the service's own dependencies, each in a
  worker thread with a deadline (``READINESS_CHECK_TIMEOUT``, 2 s by default),
  so an unreachable host turns the probe red quickly instead of hanging it.
  Extra checks are dotted paths in ``settings.READINESS_CHECKS`` to callables
  that return ``None`` when healthy and raise otherwise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pocdex_shared.observability import render_metrics, service_name

logger = logging.getLogger(__name__)

Check = Callable[[], None]

DEFAULT_CHECK_TIMEOUT = 2.0

# Shared and small: a hung dependency can occupy its threads, in which case
# later probes time out too, which is the right answer while it hangs.
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


def check_database() -> None:
    """``SELECT 1`` on the default database, on a connection opened for the check.

    The check runs in a worker thread, which gets its own Django connection;
    closing it afterwards keeps the pool threads from holding connections open.
    """
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_redis() -> None:
    timeout = check_timeout()
    client = redis.Redis.from_url(
        str(getattr(settings, "REDIS_URL", "")),
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_timeout() -> float:
    return float(getattr(settings, "READINESS_CHECK_TIMEOUT", DEFAULT_CHECK_TIMEOUT))


def readiness_checks() -> dict[str, Check]:
    """The checks of this service, by the name they are reported under."""
    checks: dict[str, Check] = {"database": check_database}
    if getattr(settings, "REDIS_URL", None):
        checks["redis"] = check_redis
    for dotted in getattr(settings, "READINESS_CHECKS", ()):
        checks[dotted.rsplit(".", 1)[-1]] = import_string(dotted)
    return checks


def _timed(check: Check) -> float:
    started = time.perf_counter()
    check()
    return time.perf_counter() - started


def run_checks(checks: dict[str, Check], *, timeout: float) -> dict[str, dict[str, Any]]:
    """Run every check concurrently; each gets ``timeout`` seconds from the start.

    Failures are reported by exception class only: ``/readyz`` is reachable
    without credentials, and driver messages carry host names and addresses.
    The full error goes to the log.
    """
    futures: dict[str, Future[float]] = {
        name: _executor.submit(_timed, check) for name, check in checks.items()
    }
    deadline = time.monotonic() + timeout
    results: dict[str, dict[str, Any]] = {}
    for name, future in futures.items():
        try:
            elapsed = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            logger.warning("Readiness check %s timed out after %.1f s", name, timeout)
            results[name] = {"status": "timeout"}
        except Exception as exc:
            logger.warning("Readiness check %s failed", name, exc_info=exc)
            results[name] = {"status": "error", "error": type(exc).__name__}
        else:
            results[name] = {"status": "ok", "duration_ms": round(elapsed * 1000, 1)}
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok", "service": service_name()})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    results = run_checks(readiness_checks(), timeout=check_timeout())
    ready = all(result["status"] == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "service": service_name(), "checks": results},
        status=200 if ready else 503,
    )


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    body, content_type = render_metrics()
    return HttpResponse(body, content_type=content_type)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
