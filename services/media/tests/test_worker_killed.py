"""A worker SIGKILLed mid-render loses nothing: another worker finishes, with exactly one output."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from jobs.models import Job, JobStatus
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.storage import bucket_name, s3_client

from .conftest import IN_THREAD_WORKERS, _drop_tenant_schemas
from .helpers import queued_events

pytestmark = pytest.mark.slow
SERVICE_DIR = Path(__file__).resolve().parent.parent


def _test_database_url() -> str:
    """The test database pytest-django created, for the worker subprocesses."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _start_worker(*, scene_scale: str, log: Path) -> subprocess.Popen:
    """A media worker process on the test database, reading the stand-ins of accounts, pocs, dojo."""
    env = {
        **os.environ,
        "DATABASE_URL_MEDIA": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "ACCOUNTS_URL": settings.ACCOUNTS_URL,
        "POCS_URL": settings.POCS_URL,
        "DOJO_URL": settings.DOJO_URL,
        "TEST_VIDEO_SCENE_SCALE": scene_scale,
    }
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            "media.videos",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=SERVICE_DIR,
        env=env,
        start_new_session=True,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)  # the worker and its ffmpeg, without warning
    process.wait(timeout=10)


@pytest.fixture
def _drop_schemas_after() -> object:
    """Only the worker processes of this test take videos; tenant schemas dropped after."""
    for worker in IN_THREAD_WORKERS:
        worker.consumer.cancel_task_queue("media.videos")
    yield
    for worker in IN_THREAD_WORKERS:
        worker.consumer.add_task_queue("media.videos")
    _drop_tenant_schemas()


def _job(schema: str, job_id: str) -> Job:
    with schema_context(schema):
        return Job.objects.get(id=job_id)


def test_a_worker_killed_mid_render_loses_nothing_and_one_output_results(
    transactional_db, _drop_schemas_after, broker, alice, add_poc, tmp_path
):
    for month in range(1, 13):
        add_poc(alice, day=dt.date(2025, month, 2), languages=["Python"])
    # Requested while no worker runs: the message waits in media.videos.
    response = alice.client.post(
        "/api/v1/videos", {"year": 2025, "format": "vertical"}, format="json"
    )
    assert response.status_code == 202, response.content
    job_id, schema = response.json()["id"], alice.tenant.schema_name

    # A full-length render: time to kill it.
    first = _start_worker(scene_scale="1.0", log=tmp_path / "first.log")
    second = None
    try:
        deadline = time.monotonic() + 60
        while _job(schema, job_id).progress < 20:  # encoding has started
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()[-3000:]
            assert first.poll() is None, "the first worker exited"
            time.sleep(0.2)
        _kill(first)
        killed = _job(schema, job_id)
        assert killed.status == JobStatus.RUNNING and killed.attempts == 1
        assert broker.zcard("unacked_index") == 1  # unacknowledged, so not lost

        second = _start_worker(scene_scale="0.1", log=tmp_path / "second.log")
        deadline = time.monotonic() + settings.MEDIA_VISIBILITY_TIMEOUT + 90
        while _job(schema, job_id).status != JobStatus.SUCCEEDED:
            assert time.monotonic() < deadline, (tmp_path / "second.log").read_text()[-3000:]
            time.sleep(0.3)
    finally:
        _kill(first)
        if second is not None:
            _kill(second)

    done = _job(schema, job_id)
    assert (done.attempts, done.progress) == (2, 100), (tmp_path / "second.log").read_text()[-2000:]
    listing = s3_client().list_objects_v2(
        Bucket=bucket_name(alice.tenant.id), Prefix=f"media/videos/{job_id}/"
    )
    keys = sorted(item["Key"] for item in listing.get("Contents", []))
    assert keys == [
        f"media/videos/{job_id}/thumbnail.jpg",
        f"media/videos/{job_id}/video-vertical.mp4",
    ]
    with schema_context(schema):
        assert OutboxEvent.objects.filter(topic="media.job.completed").count() == 1
    assert broker.llen("media.videos") == 0 and broker.zcard("unacked_index") == 0
    completed = [e for e in queued_events(broker) if e["topic"] == "media.job.completed"]
    assert [e["payload"]["job_id"] for e in completed] == [job_id]
