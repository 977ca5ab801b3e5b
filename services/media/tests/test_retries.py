"""pocs going down during a render: the task retries with backoff, then fails with a stable code."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from jobs.models import Job, JobStatus
from jobs.tasks import MAX_RETRIES
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.storage import bucket_name, s3_client

from .conftest import IN_THREAD_WORKERS
from .helpers import wait_for_job
from .upstream import closed_port_url

pytestmark = pytest.mark.slow


def _stored_keys(tenant_id: object, prefix: str) -> list[str]:
    try:
        listing = s3_client().list_objects_v2(Bucket=bucket_name(tenant_id), Prefix=prefix)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucket":
            return []
        raise
    return [item["Key"] for item in listing.get("Contents", [])]


def test_pocs_down_during_a_render_is_retried_with_backoff_then_fails_with_a_code(
    worker, broker, alice, add_poc, settings
):
    add_poc(alice, name="Antes da queda", day=dt.date(2025, 4, 1))
    # The job is accepted while pocs answers (the request reads the year's POCs) ...
    for in_thread in IN_THREAD_WORKERS:
        in_thread.consumer.cancel_task_queue("media.videos")
    try:
        response = alice.client.post(
            "/api/v1/videos", {"year": 2025, "format": "square"}, format="json"
        )
        assert response.status_code == 202, response.content
        # ... and pocs is gone by the time a worker takes it: connection refused.
        settings.POCS_URL = closed_port_url()
    finally:
        for in_thread in IN_THREAD_WORKERS:
            in_thread.consumer.add_task_queue("media.videos")
    created = response.json()
    assert created["status"] == "queued"

    job, _ = wait_for_job(alice, f"/api/v1/videos/{created['id']}")
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "source_unavailable" and job["error"]["message"]
    assert job["files"] == []
    with alice.data():
        stored = Job.objects.get(id=created["id"])
        # The first run and every retry (backoff: settings.MEDIA_RETRY_BACKOFF_SECONDS * 2**n).
        assert (stored.status, stored.attempts) == (JobStatus.FAILED, MAX_RETRIES + 1)
        assert stored.outputs == {}
        topics = list(OutboxEvent.objects.values_list("topic", flat=True))
    assert topics.count("media.job.failed") == 1 and "media.job.completed" not in topics
    assert _stored_keys(alice.tenant.id, f"media/videos/{created['id']}/") == []
