"""Attempts at a job: claims, fencing of stale attempts, the reaper and its cap.

What a dead or stale worker leaves behind is a job row: these tests make that
row the way a worker would (a claim and no heartbeat after it) and run the
code the workers and the beat run. ``MEDIA_STALE_SECONDS`` is the clock: 0
makes every attempt stale at once, the default keeps a fresh one alive. The
same rules with real worker processes killed and stopped:
``test_worker_killed.py``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from jobs import reaper, services
from jobs.models import Job, JobStatus
from pocdex_shared.events.models import OutboxEvent

from .conftest import Member, _drop_tenant_schemas

REPORT = {"scope": "me", "from": "2025-01-01", "to": "2025-06-30", "language": "en"}


def _request(member: Member) -> str:
    response = member.client.post("/api/v1/reports", REPORT, format="json")
    assert response.status_code == 202, response.content
    return str(response.json()["id"])


def _claim(member: Member, job_id: str) -> services.Claim | None:
    with member.data():
        return services.job_claim(job_id, tenant_id=member.tenant.id)


def _job(member: Member, job_id: str) -> Job:
    with member.data():
        return Job.objects.get(id=job_id)


def _topics(member: Member) -> list[str]:
    with member.data():
        return list(OutboxEvent.objects.values_list("topic", flat=True))


def _renders(callbacks: list[Any]) -> int:
    """Render tasks among the callbacks a transaction left to run on commit (jobs.dispatch)."""
    return sum("enqueue_render" in callback.__qualname__ for callback in callbacks)


class Uploads:
    """An ``upload`` for ``job_finish`` that records whether it was called."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        record = {"key": "media/reports/r.csv", "content_type": "text/csv", "size": 1}
        return {"csv": {**record, "filename": "r.csv"}}


def _finish(member: Member, claim: services.Claim, uploads: Uploads) -> bool:
    with member.data():
        return services.job_finish(
            claim=claim, tenant_id=member.tenant.id, upload=uploads, warnings=[], details={}
        )


@pytest.mark.django_db
def test_a_second_delivery_while_the_attempt_is_alive_is_dropped(alice):
    job_id = _request(alice)
    first = _claim(alice, job_id)
    assert first is not None and first.attempt == 1

    assert _claim(alice, job_id) is None  # the first attempt's heartbeat is fresh
    job = _job(alice, job_id)
    assert (job.status, job.attempts, job.worker_losses) == (JobStatus.RUNNING, 1, 0)
    assert job.heartbeat_at is not None


@pytest.mark.django_db
def test_a_delivery_for_a_finished_job_is_dropped_and_finishes_nothing_again(alice, settings):
    job_id = _request(alice)
    claim = _claim(alice, job_id)
    assert claim is not None
    uploads = Uploads()
    assert _finish(alice, claim, uploads) is True
    assert uploads.calls == 1

    settings.MEDIA_STALE_SECONDS = 0  # even "stale", a finished job is never claimed again
    assert _claim(alice, job_id) is None
    assert _finish(alice, claim, uploads) is False
    assert uploads.calls == 1
    job = _job(alice, job_id)
    assert (job.status, job.attempts, job.progress) == (JobStatus.SUCCEEDED, 1, 100)
    assert _topics(alice).count("media.job.completed") == 1


@pytest.mark.django_db
def test_a_stale_attempt_cannot_report_progress_upload_finish_or_fail(alice, settings):
    job_id = _request(alice)
    stale = _claim(alice, job_id)
    assert stale is not None
    with alice.data():
        services.ProgressWriter(stale)(40)

    settings.MEDIA_STALE_SECONDS = 0  # the first attempt's heartbeat stopped
    newer = _claim(alice, job_id)
    assert newer is not None and newer.attempt == 2
    settings.MEDIA_STALE_SECONDS = 60  # and the second one is alive

    uploads = Uploads()
    with alice.data(), pytest.raises(services.ClaimLostError):
        services.ProgressWriter(stale)(80)
    assert _finish(alice, stale, uploads) is False
    assert uploads.calls == 0  # the stale attempt never wrote a file
    with alice.data():
        assert (
            services.job_fail(job_id=job_id, tenant_id=alice.tenant.id, code="x", claim=stale)
            is False
        )
        assert services.job_release_for_retry(stale, countdown=5) is False

    job = _job(alice, job_id)
    # Progress kept what the first attempt reached; the newer attempt owns the job.
    assert (job.status, job.attempts, job.worker_losses, job.progress) == (
        JobStatus.RUNNING,
        2,
        1,
        40,
    )
    assert _finish(alice, newer, uploads) is True and uploads.calls == 1
    assert _topics(alice) == ["media.job.completed"]
    body = alice.client.get(f"/api/v1/reports/{job_id}").json()
    assert (body["status"], body["attempts"], body["progress"]) == ("succeeded", 2, 100)


@pytest.mark.django_db
def test_the_reaper_queues_a_dead_attempt_again_and_fails_the_job_at_the_cap(
    alice, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_STALE_SECONDS = 0  # every claim below is an attempt whose worker died
    settings.MEDIA_MAX_WORKER_LOSSES = 3
    job_id = _request(alice)
    for attempt in (1, 2):
        claim = _claim(alice, job_id)
        assert claim is not None and claim.attempt == attempt
        with alice.data(), django_capture_on_commit_callbacks() as sent:
            assert services.reap_stale_jobs(tenant_id=alice.tenant.id) == 1
        assert _renders(sent) == 1  # the render task, sent again
        job = _job(alice, job_id)
        assert (job.status, job.worker_losses, job.heartbeat_at) == (
            JobStatus.QUEUED,
            attempt,
            None,
        )
        body = alice.client.get(f"/api/v1/reports/{job_id}").json()
        assert (body["status"], body["attempts"]) == ("queued", attempt)

    assert _claim(alice, job_id) is not None  # the third attempt dies too
    with alice.data(), django_capture_on_commit_callbacks() as sent:
        assert services.reap_stale_jobs(tenant_id=alice.tenant.id) == 1
    assert _renders(sent) == 0  # failed for good: not sent again
    job = _job(alice, job_id)
    assert (job.status, job.error_code, job.attempts, job.worker_losses) == (
        JobStatus.FAILED,
        "worker_lost",
        3,
        3,
    )
    body = alice.client.get(f"/api/v1/reports/{job_id}").json()
    assert body["error"]["code"] == "worker_lost" and body["error"]["message"]
    assert _topics(alice) == ["media.job.failed"]
    assert _claim(alice, job_id) is None  # the old deliveries, when they come back

    # Asked again, the failed job starts over with no losses; attempt numbers never repeat.
    again = alice.client.post("/api/v1/reports", REPORT, format="json")
    assert again.status_code == 200 and again.json()["id"] == job_id
    job = _job(alice, job_id)
    assert (job.status, job.worker_losses, job.attempts) == (JobStatus.QUEUED, 0, 3)
    settings.MEDIA_STALE_SECONDS = 60
    claim = _claim(alice, job_id)
    assert claim is not None and claim.attempt == 4


@pytest.mark.django_db
def test_a_redelivery_of_a_dead_attempt_takes_over_and_counts_toward_the_cap(alice, settings):
    """Without the reaper (or before it ran), the broker's redelivery finds the dead attempt."""
    settings.MEDIA_STALE_SECONDS = 0
    settings.MEDIA_MAX_WORKER_LOSSES = 2
    job_id = _request(alice)
    assert _claim(alice, job_id) is not None
    second = _claim(alice, job_id)
    assert second is not None and second.attempt == 2
    assert _claim(alice, job_id) is None  # second loss: the cap
    job = _job(alice, job_id)
    assert (job.status, job.error_code, job.worker_losses) == (JobStatus.FAILED, "worker_lost", 2)


@pytest.mark.django_db
def test_an_overdue_retry_is_sent_again_without_counting_a_loss(
    alice, settings, django_capture_on_commit_callbacks
):
    job_id = _request(alice)
    claim = _claim(alice, job_id)
    assert claim is not None
    with alice.data():
        assert services.job_release_for_retry(claim, countdown=30) is True
        assert services.reap_stale_jobs(tenant_id=alice.tenant.id) == 0  # not due yet
    settings.MEDIA_STALE_SECONDS = -60  # now 30 s past due, by the clock the reaper reads
    with alice.data(), django_capture_on_commit_callbacks() as sent:
        assert services.reap_stale_jobs(tenant_id=alice.tenant.id) == 1
    assert _renders(sent) == 1
    job = _job(alice, job_id)
    assert (job.status, job.worker_losses, job.heartbeat_at) == (JobStatus.QUEUED, 0, None)


@pytest.mark.django_db
def test_the_sweep_finds_only_organizations_with_a_dead_attempt(alice, outsider, make_member):
    alice_job = _request(alice)
    outsider_job = _request(outsider)
    assert _claim(alice, alice_job) is not None
    assert _claim(outsider, outsider_job) is not None
    with alice.data():  # alice's worker stopped beating an hour ago; the outsider's is alive
        Job.objects.filter(id=alice_job).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))

    stale = reaper.tenants_with_stale_jobs()
    assert alice.tenant.id in stale and outsider.tenant.id not in stale
    with outsider.data():
        assert services.reap_stale_jobs(tenant_id=outsider.tenant.id) == 0
    with alice.data():
        assert services.reap_stale_jobs(tenant_id=alice.tenant.id) == 1
    assert _job(outsider, outsider_job).status == JobStatus.RUNNING
    assert _job(alice, alice_job).status == JobStatus.QUEUED
    assert alice.tenant.id not in reaper.tenants_with_stale_jobs()


@pytest.fixture
def _committed(transactional_db: None) -> Any:
    yield
    _drop_tenant_schemas()


def _wait(condition: Any, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_the_heartbeat_keeps_a_live_attempt_fresh_and_notices_a_lost_one(
    _committed, alice, settings
):
    settings.MEDIA_HEARTBEAT_SECONDS = 0.05
    job_id = _request(alice)
    stale = _claim(alice, job_id)
    assert stale is not None
    with alice.data(), services.heartbeat(stale) as beat:
        first = _job(alice, job_id).heartbeat_at
        assert first is not None
        _wait(lambda: _job(alice, job_id).heartbeat_at != first)
        assert not beat.lost.is_set()

        settings.MEDIA_STALE_SECONDS = 0  # the worker "paused" past the threshold ...
        newer = _claim(alice, job_id)  # ... and the job went to another attempt
        assert newer is not None and newer.attempt == 2
        assert beat.lost.wait(timeout=30)
        with pytest.raises(services.ClaimLostError):
            services.ProgressWriter(stale, beat)(50)
    assert _job(alice, job_id).attempts == 2
