"""A real Celery worker for a service's tests, and what a fresh worker process registers."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker


@contextmanager
def worker_thread(app: Celery, *, queues: Iterable[str]) -> Iterator[Any]:
    """The service's worker in a thread (solo pool) on the test broker, consuming ``queues``."""
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=list(queues),
        shutdown_timeout=30,
    ) as worker:
        yield worker


def drain(broker_url: str, *, queues: Iterable[str], timeout: float = 15.0) -> None:
    """Wait until the in-thread worker took and finished every message of ``queues``.

    The emptiness must hold twice in a row: between taking a message off Redis
    and registering it the worker briefly shows neither.
    """
    from celery.worker import state

    client = redis.Redis.from_url(broker_url)
    names = list(queues)
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        queued = sum(client.llen(q) for q in names)
        busy = state.active_requests or state.reserved_requests
        quiet = quiet + 1 if queued == 0 and not busy else 0
        if quiet >= 2:
            return
        time.sleep(0.05)
    raise AssertionError("the worker did not finish the test's tasks in time")


def tasks_of_a_fresh_worker(service_dir: Path, *, settings_module: str) -> set[str]:
    """The task names a new ``celery -A config worker`` process would know (nothing imported by tests)."""
    code = (
        "import django, os;"
        f"os.environ.setdefault('DJANGO_SETTINGS_MODULE', {settings_module!r});"
        "django.setup();"
        "from config.celery import app; app.loader.import_default_modules();"
        "print('\\n'.join(n for n in app.tasks if not n.startswith('celery.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=service_dir, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())
