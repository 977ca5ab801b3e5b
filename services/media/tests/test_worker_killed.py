"""A worker killed mid-render costs seconds, not the broker's visibility timeout.

Real ``celery worker`` processes on the test database, reading the stand-ins
of accounts, pocs and dojo: one renders videos, another runs the beat and the
``media.default`` queue, where the reaper runs every ``MEDIA_REAPER_SECONDS``
(1 s in the test settings, stale after ``MEDIA_STALE_SECONDS``, 8 s). The
broker's visibility timeout is 600 s in the test settings (and on SQS, the
queues here are made with the production stage's timeout): a job picked up
again within the test's deadline was picked up by the reaper, and the tests
also see the dead worker's message still unacknowledged when the job is done.
Both brokers: Redis (the local one) and SQS (moto's server, one per test).
See docs/adr/0039-dead-workers-and-the-reaper.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from kombu import Connection

from jobs.dispatch import RENDER_VIDEO_TASK
from jobs.models import Job, JobStatus
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.events.sqs import sqs_queue_name, sqs_transport_options
from pocdex_shared.storage import bucket_name, s3_client
from pocdex_shared.testing.moto import moto_server

from .conftest import IN_THREAD_WORKERS, Member, _drop_tenant_schemas
from .helpers import queued_events

pytestmark = pytest.mark.slow
SERVICE_DIR = Path(__file__).resolve().parent.parent
REPO = SERVICE_DIR.parent.parent
# Generous: the machine is shared; the broker alone would take 600 s.
PICKUP_DEADLINE_SECONDS = 240
KILL_AT_PERCENT = 18


def _test_database_url() -> str:
    """The test database pytest-django created, for the worker subprocesses."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Workers:
    """Worker processes of one test, each in a process group of its own, all killed at the end."""

    def __init__(self, directory: Path, broker_env: dict[str, str]) -> None:
        self.directory = directory
        self.broker_env = broker_env
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str, scene_scale: str = "0.1") -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            **self.broker_env,
            "DATABASE_URL_MEDIA": _test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "ACCOUNTS_URL": settings.ACCOUNTS_URL,
            "POCS_URL": settings.POCS_URL,
            "DOJO_URL": settings.DOJO_URL,
            "TEST_VIDEO_SCENE_SCALE": scene_scale,
        }
        env.pop("CELERY_BROKER_URL", None)
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
        command += ["--hostname", f"{name}@%h", "--without-heartbeat", "--without-gossip"]
        command += ["--without-mingle", "--loglevel", "INFO", *args]
        process = subprocess.Popen(
            command,
            cwd=SERVICE_DIR,
            env=env,
            start_new_session=True,
            stdout=self.log(name).open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def renderer(self, name: str, *, scene_scale: str) -> subprocess.Popen[bytes]:
        return self.start(name, "--queues", "media.videos", scene_scale=scene_scale)

    def reaper(self) -> subprocess.Popen[bytes]:
        """The beat (reaper every second) and the default queue the reaper runs on."""
        schedule = str(self.directory / "beat-schedule")
        return self.start("reaper", "--queues", "media.default", "--beat", "--schedule", schedule)

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def tail(self, name: str) -> str:
        path = self.log(name)
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and its ffmpeg, without warning (a resumed group first, if stopped)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _unacked(broker: Any, queue: str = "media.videos") -> int:
    """Messages of ``queue`` delivered to a worker and not acknowledged (kombu's Redis QoS)."""
    count = 0
    for raw in broker.hvals("unacked"):
        _message, _exchange, routing_key = json.loads(raw)
        count += routing_key == queue
    return count


def _job(schema: str, job_id: str) -> Job:
    with schema_context(schema):
        return Job.objects.get(id=job_id)


def _poll(what: str, condition: Callable[[], bool], *, timeout: float, log: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log}"
        time.sleep(0.2)


def _request_video(member: Member, add_poc: Callable[..., Any]) -> str:
    for month in range(1, 13):
        add_poc(member, day=dt.date(2025, month, 2), languages=["Python"])
    # Requested while no renderer runs: the message waits in media.videos.
    response = member.client.post(
        "/api/v1/videos", {"year": 2025, "format": "vertical"}, format="json"
    )
    assert response.status_code == 202, response.content
    return str(response.json()["id"])


def _start_and_reach(workers: Workers, schema: str, job_id: str) -> subprocess.Popen[bytes]:
    """A full-length render, polled until it is well under way."""
    first = workers.renderer("first", scene_scale="1.0")
    _poll(
        f"progress {KILL_AT_PERCENT}",
        lambda: first.poll() is None and _job(schema, job_id).progress >= KILL_AT_PERCENT,
        timeout=120,
        log=workers.tail("first"),
    )
    return first


def _wait_for_success(
    member: Member, workers: Workers, job_id: str, *, since: float
) -> list[dict[str, Any]]:
    """Poll the job's API until it succeeded; every representation seen, in order."""
    seen: list[dict[str, Any]] = []

    def done() -> bool:
        body = member.client.get(f"/api/v1/videos/{job_id}").json()
        seen.append(body)
        assert body["status"] != "failed", body
        return bool(body["status"] == "succeeded")

    _poll(
        "the render to succeed", done, timeout=PICKUP_DEADLINE_SECONDS, log=workers.tail("second")
    )
    assert time.monotonic() - since < PICKUP_DEADLINE_SECONDS
    return seen


def _video_objects(member: Member, job_id: str) -> dict[str, str]:
    listing = s3_client().list_objects_v2(
        Bucket=bucket_name(member.tenant.id), Prefix=f"media/videos/{job_id}/"
    )
    return {item["Key"]: item["ETag"] for item in listing.get("Contents", [])}


def _assert_done_once(member: Member, job_id: str, seen: list[dict[str, Any]], killed_at: int):
    done = _job(member.tenant.schema_name, job_id)
    # Two attempts, one lost worker: the reaper's doing, not the broker's.
    assert (done.status, done.attempts, done.worker_losses, done.progress) == (
        JobStatus.SUCCEEDED,
        2,
        1,
        100,
    )
    # The apps saw the retry: attempts grew, and progress never went back.
    progress = [body["progress"] for body in seen]
    assert progress == sorted(progress) and progress[0] >= killed_at
    assert seen[-1]["attempts"] == 2
    assert sorted(_video_objects(member, job_id)) == [
        f"media/videos/{job_id}/thumbnail.jpg",
        f"media/videos/{job_id}/video-vertical.mp4",
    ]
    with schema_context(member.tenant.schema_name):
        assert OutboxEvent.objects.filter(topic="media.job.completed").count() == 1


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    """Only this test's worker processes take videos; tenant schemas dropped after."""
    for worker in IN_THREAD_WORKERS:
        worker.consumer.cancel_task_queue("media.videos")
    group = Workers(tmp_path, {})
    try:
        yield group
    finally:
        group.stop_all()
        for worker in IN_THREAD_WORKERS:
            worker.consumer.add_task_queue("media.videos")
        _drop_tenant_schemas()


# ------------------------------------------------------------------ Redis


def test_a_worker_killed_mid_render_is_replaced_by_the_reaper_with_one_output(
    workers, broker, alice, add_poc
):
    job_id, schema = _request_video(alice, add_poc), alice.tenant.schema_name
    workers.reaper()
    first = _start_and_reach(workers, schema, job_id)
    kill(first)
    killed_at = time.monotonic()
    killed = _job(schema, job_id)
    assert killed.status == JobStatus.RUNNING and killed.attempts == 1
    assert _unacked(broker) == 1  # unacknowledged, so not lost

    workers.renderer("second", scene_scale="0.1")
    seen = _wait_for_success(alice, workers, job_id, since=killed_at)
    _assert_done_once(alice, job_id, seen, killed.progress)
    # The dead worker's message has not come back (visibility timeout: 600 s) ...
    _poll("the reaper's message to be acknowledged", lambda: _unacked(broker) == 1, timeout=60)
    assert _unacked(broker) == 1 and broker.llen("media.videos") == 0
    completed = [e for e in queued_events(broker) if e["topic"] == "media.job.completed"]
    assert [e["payload"]["job_id"] for e in completed] == [job_id]

    # ... and when it does, the delivery is dropped: nothing renders or is published again.
    objects = _video_objects(alice, job_id)
    with Connection(settings.CELERY_BROKER_URL, transport_options={"visibility_timeout": 0}) as c:
        c.default_channel.qos.restore_visible()
    _poll(
        "the old delivery to be consumed",
        lambda: _unacked(broker) == 0 and broker.llen("media.videos") == 0,
        timeout=60,
        log=workers.tail("second"),
    )
    _poll(
        "the old delivery to be dropped",
        lambda: f"delivery of {job_id} dropped" in workers.log("second").read_text(),
        timeout=60,
        log=workers.tail("second"),
    )
    again = _job(schema, job_id)
    assert (again.status, again.attempts) == (JobStatus.SUCCEEDED, 2)
    assert _video_objects(alice, job_id) == objects
    with schema_context(schema):
        assert OutboxEvent.objects.filter(topic="media.job.completed").count() == 1


def test_a_stalled_worker_that_comes_back_can_neither_upload_nor_publish(
    workers, broker, alice, add_poc
):
    job_id, schema = _request_video(alice, add_poc), alice.tenant.schema_name
    workers.reaper()
    first = _start_and_reach(workers, schema, job_id)
    os.killpg(first.pid, signal.SIGSTOP)  # paused (a frozen node, a long GC): not dead
    stopped_at = time.monotonic()
    try:
        stalled = _job(schema, job_id)
        workers.renderer("second", scene_scale="0.1")
        seen = _wait_for_success(alice, workers, job_id, since=stopped_at)
        _assert_done_once(alice, job_id, seen, stalled.progress)
        objects = _video_objects(alice, job_id)
        record = _job(schema, job_id).outputs
    finally:
        os.killpg(first.pid, signal.SIGCONT)

    # The first worker wakes up mid-encode, finds a newer attempt owns the job, and stops.
    _poll(
        "the stalled worker to stop",
        lambda: "a newer attempt owns it" in workers.log("first").read_text(),
        timeout=120,
        log=workers.tail("first"),
    )
    # Its message is acknowledged (the job is done), and the worker lives on.
    _poll("its message to be acknowledged", lambda: _unacked(broker) == 0, timeout=60)
    assert first.poll() is None
    after = _job(schema, job_id)
    assert (after.status, after.attempts, after.outputs) == (JobStatus.SUCCEEDED, 2, record)
    assert _video_objects(alice, job_id) == objects  # not one byte rewritten
    with schema_context(schema):
        assert OutboxEvent.objects.filter(topic="media.job.completed").count() == 1
    completed = [e for e in queued_events(broker) if e["topic"] == "media.job.completed"]
    assert [e["payload"]["job_id"] for e in completed] == [job_id]


# ------------------------------------------------------------------ SQS (moto's server)

SQS_REGION = "us-east-1"
SQS_ACCOUNT = "123456789012"


@pytest.fixture
def moto_sqs(tmp_path: Path) -> Iterator[str]:
    """moto's server on a free port of 127.0.0.1, for this test only (its log in tmp_path)."""
    with (tmp_path / "moto.log").open("ab") as log, moto_server(output=log) as url:
        yield url


def _production_visibility_timeout(celery_queue: str) -> int:
    """The SQS visibility timeout of a queue in the production stage (cdk/config/prod.json)."""
    queues = json.loads((REPO / "cdk" / "config" / "prod.json").read_text())["queues"]
    by_queue = queues.get("visibility_timeout_by_queue", {})
    return int(by_queue.get(celery_queue, queues["visibility_timeout_seconds"]))


def test_on_sqs_a_worker_killed_mid_render_is_replaced_by_the_reaper(
    workers, broker, moto_sqs, alice, add_poc
):
    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_sqs,
        region_name=SQS_REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    # Each queue as production has it; media.videos' timeout is longer than the
    # test's deadline, so only the reaper can be in time.
    assert _production_visibility_timeout("media.videos") > PICKUP_DEADLINE_SECONDS
    celery_queues = ["accounts.events", "media.events", "media.default", "media.videos"]
    urls = {
        queue: sqs.create_queue(
            QueueName=sqs_queue_name(queue),
            Attributes={"VisibilityTimeout": str(_production_visibility_timeout(queue))},
        )["QueueUrl"]
        for queue in [*celery_queues, "media.reports"]
    }
    port = moto_sqs.rsplit(":", 1)[1]
    broker_url = f"sqs://test:test@127.0.0.1:{port}"
    prefix = f"{moto_sqs}/{SQS_ACCOUNT}/"
    workers.broker_env.update(
        TEST_MEDIA_BROKER_URL=broker_url, SQS_QUEUE_URL_PREFIX=prefix, AWS_REGION=SQS_REGION
    )

    job_id, schema = _request_video(alice, add_poc), alice.tenant.schema_name
    broker.delete("media.videos")  # the API's message went to the Redis test broker: not this one
    sender = Celery("media-sqs-sender", broker=broker_url, set_as_current=False)
    sender.conf.broker_transport_options = {
        **sqs_transport_options(
            own_service="media",
            services=["accounts", "media"],
            url_prefix=prefix,
            region=SQS_REGION,
        ),
        "is_secure": False,
    }
    sender.send_task(RENDER_VIDEO_TASK, args=[str(alice.tenant.id), job_id], queue="media.videos")

    def in_flight(queue: str) -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=urls[queue], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessagesNotVisible"])

    workers.reaper()
    first = _start_and_reach(workers, schema, job_id)
    kill(first)
    killed_at = time.monotonic()
    killed = _job(schema, job_id)
    assert killed.status == JobStatus.RUNNING and killed.attempts == 1
    assert in_flight("media.videos") == 1  # received, never deleted

    workers.renderer("second", scene_scale="0.1")
    seen = _wait_for_success(alice, workers, job_id, since=killed_at)
    _assert_done_once(alice, job_id, seen, killed.progress)
    # Once the second worker deleted the reaper's message, only the dead worker's
    # is left, still invisible: the visibility timeout decided nothing.
    _poll("the reaper's message to be deleted", lambda: in_flight("media.videos") == 1, timeout=60)
    assert in_flight("media.videos") == 1

    # One completion event reached accounts' queue on SQS.
    completed = [
        e for e in _sqs_events(sqs, urls["accounts.events"]) if e["topic"] == "media.job.completed"
    ]
    assert [e["payload"]["job_id"] for e in completed] == [job_id]


def _sqs_events(sqs: Any, url: str) -> list[dict[str, Any]]:
    """The event envelopes waiting in an SQS queue (kombu's base64 JSON, Celery's task body)."""
    found = []
    for _ in range(3):
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in response.get("Messages", []):
            envelope = json.loads(base64.b64decode(message["Body"]))
            found.append(json.loads(base64.b64decode(envelope["body"]))[0][0])
    return found
