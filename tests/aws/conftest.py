"""The services' Celery workers on SQS, against a moto server this test run starts.

What runs:

* moto's server on 127.0.0.1 (a free port), stopped at the end; it stands in for
  SQS and for S3 (the tenant buckets the workers create go there, not to the
  running stack's s3proxy).
* every queue of ``pocdex_shared.queues`` with its dead-letter queue and redrive
  policy, created by ``pocdex_shared.events.sqs_setup`` as the CDK app creates
  them (a short visibility timeout and max receive count of our own).
* one database per service (``aws_suite_<service>``, dropped first if a previous
  run left it, migrated with ``migrate_platform``, dropped at the end): the
  running stack's data is never touched.
* one real Celery worker per service (``celery -A config worker`` in the
  service's folder, every queue of the service), configured only through the
  environment a pod would get: ``POCDEX_BROKER_URL=sqs://<host>:<port>``,
  ``SQS_QUEUE_URL_PREFIX``, ``AWS_REGION`` and the database URL.

Every process is stopped at the end, on failure too, and gets SIGTERM if this
test process dies first; each wait polls with a deadline. The workers' logs are in var/test-results/aws/.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg
import pytest
import requests
from celery import Celery

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "shared" / "src"))

from pocdex_shared.events.sqs import sqs_transport_options  # noqa: E402
from pocdex_shared.events.sqs_setup import (  # noqa: E402
    CreatedQueue,
    QueuePolicy,
    create_queues,
)
from pocdex_shared.queues import SERVICE_QUEUES, queues_of  # noqa: E402

VENV_BIN = ROOT / "var" / "venv" / "bin"
LOGS = ROOT / "var" / "test-results" / "aws"
REGION = "us-east-1"
SERVICES = tuple(SERVICE_QUEUES)
# Short, so a failing message reaches its dead-letter queue in seconds; long
# enough that no task here is still running when its message becomes visible again.
POLICY = QueuePolicy(visibility_timeout_seconds=10, max_receive_count=2)
# Every wait in this suite: generous, since eight engineers share two cores.
DEADLINE_SECONDS = 180.0

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], deadline: float = DEADLINE_SECONDS) -> T:
    """Poll ``probe`` until it returns something other than None (or fail after ``deadline``)."""
    end = time.monotonic() + deadline
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline:.0f}s waiting for {what}")
        time.sleep(0.25)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _own_session_dying_with_us() -> None:
    """In the child before exec: a process group of its own (stopped as a whole), and
    SIGTERM when this test process dies, even killed with SIGKILL (Linux)."""
    os.setsid()
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop(process: subprocess.Popen[bytes], *, grace: float = 30.0) -> None:
    """SIGTERM the process group (Celery's warm shutdown), SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass


@dataclass(frozen=True)
class Moto:
    url: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / "moto.log", "wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_own_session_dying_with_us,
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool | None:
        if process.poll() is not None:
            raise AssertionError(f"moto_server exited with {process.returncode}; see {LOGS}")
        try:
            return requests.get(f"{url}/moto-api/", timeout=2).ok or None
        except requests.RequestException:
            return None

    try:
        wait_for("moto's server", answers, deadline=60)
        yield Moto(url)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def queues(moto: Moto) -> dict[str, CreatedQueue]:
    return create_queues(moto.client("sqs"), POLICY)


@pytest.fixture(scope="session")
def url_prefix(queues: dict[str, CreatedQueue]) -> str:
    """``http://127.0.0.1:<port>/<account>/``: what SQS_QUEUE_URL_PREFIX is on AWS."""
    url = next(iter(queues.values())).url
    return url.rsplit("/", 1)[0] + "/"


def _server_url(database: str) -> str:
    base = urlsplit(
        os.environ.get("DATABASE_URL_ACCOUNTS", "postgres://pocdex:pocdex@127.0.0.1:54329/accounts")
    )
    return urlunsplit(base._replace(path=f"/{database}"))


def database_url(service: str) -> str:
    return _server_url(f"aws_suite_{service}")


def _drop_databases() -> None:
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        for service in SERVICES:
            admin.execute(f'DROP DATABASE IF EXISTS "aws_suite_{service}" WITH (FORCE)')


@pytest.fixture(scope="session")
def service_env(moto: Moto, url_prefix: str) -> Callable[[str], dict[str, str]]:
    """The environment of a service's process: SQS on moto, its own database."""

    def env_for(service: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        env.update(
            POCDEX_BROKER_URL=f"sqs://{urlsplit(moto.url).netloc}",
            SQS_QUEUE_URL_PREFIX=url_prefix,
            AWS_REGION=REGION,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            S3_ENDPOINT_URL=moto.url,
            PYTHONUNBUFFERED="1",
        )
        env[f"DATABASE_URL_{service.upper()}"] = database_url(service)
        return env

    return env_for


def manage(service: str, env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """``python manage.py <args>`` in the service's folder; its stdout."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT / "services" / service,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{service}: manage.py {args[0]} failed:\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def databases(service_env: Callable[[str], dict[str, str]]) -> Iterator[None]:
    _drop_databases()
    try:
        with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
            for service in SERVICES:
                admin.execute(f'CREATE DATABASE "aws_suite_{service}"')
        migrations = {
            service: subprocess.Popen(
                [str(VENV_BIN / "python"), "manage.py", "migrate_platform", "--verbosity", "0"],
                cwd=ROOT / "services" / service,
                env=service_env(service),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for service in SERVICES
        }
        for service, process in migrations.items():
            _, err = process.communicate(timeout=600)
            assert process.returncode == 0, (
                f"{service}: migrate_platform failed:\n{err.decode()[-4000:]}"
            )
        yield
    finally:
        _drop_databases()


def query(service: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url(service), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def workers(
    databases: None, service_env: Callable[[str], dict[str, str]]
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """A real worker per service, consuming every queue of its service."""
    LOGS.mkdir(parents=True, exist_ok=True)
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for service in SERVICES:
            with open(LOGS / f"{service}-worker.log", "wb") as log:
                started[service] = subprocess.Popen(
                    [
                        str(VENV_BIN / "celery"),
                        "-A",
                        "config",
                        "worker",
                        "--queues",
                        ",".join(queues_of(service)),
                        "--concurrency",
                        "1",
                        "--hostname",
                        f"aws-suite-{service}@%h",
                        "--loglevel",
                        "INFO",
                    ],
                    cwd=ROOT / "services" / service,
                    env=service_env(service),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_own_session_dying_with_us,
                )
        yield started
    finally:
        for process in started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started.values():
            stop(process)


def assert_alive(workers: dict[str, subprocess.Popen[bytes]]) -> None:
    for service, process in workers.items():
        assert process.poll() is None, (
            f"the {service} worker exited with {process.returncode}; see {LOGS}/{service}-worker.log"
        )


@pytest.fixture(scope="session")
def producer(moto: Moto, url_prefix: str) -> Iterator[Celery]:
    """A Celery client that may send to any declared queue (as the services' apps do)."""
    options: dict[str, Any] = {}
    for service in SERVICES:
        own = sqs_transport_options(
            own_service=service, services=SERVICES, url_prefix=url_prefix, region=REGION
        )
        predefined = {**options.get("predefined_queues", {}), **own["predefined_queues"]}
        options = {**own, "predefined_queues": predefined}
    app = Celery("aws-suite", set_as_current=False)
    app.conf.update(
        broker_url=f"sqs://testing:testing@{urlsplit(moto.url).netloc}",
        broker_transport_options=options,
        task_serializer="json",
        accept_content=["json"],
    )
    try:
        yield app
    finally:
        app.close()


def sqs_body(message: dict[str, Any]) -> dict[str, Any]:
    """The Celery message inside an SQS message body (base64 JSON, as kombu writes it)."""
    import base64

    raw = message["Body"]
    try:
        return dict(json.loads(base64.b64decode(raw)))
    except ValueError:
        return dict(json.loads(raw))
