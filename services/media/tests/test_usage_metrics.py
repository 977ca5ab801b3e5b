"""A finished render counts as its organization's usage (one report or video, and its bytes)
and as a job that succeeded, with its completion time."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django_tenants.utils import schema_context
from prometheus_client import REGISTRY

from jobs.models import Job
from pocdex_shared.metrics import UsageLedger, usage_ledger

from .helpers import wait_for_job

pytestmark = pytest.mark.slow


def used(kind: str, plan: str) -> float:
    labels = {"service": "media", "kind": kind, "plan": plan}
    return REGISTRY.get_sample_value("pocdex_tenant_usage_total", labels) or 0.0


def jobs(name: str) -> float:
    labels = {"service": "media", "kind": "report", "outcome": "succeeded"}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def today_top() -> dict[tuple[str, str], float]:
    usage_ledger().flush()
    return {(kind, tenant): amount for kind, tenant, amount in UsageLedger().top("media")}


def test_a_finished_report_counts_once_with_its_bytes_for_its_organization(
    worker: Any, owner: Any, outsider: Any
) -> None:
    plan = owner.tenant.plan
    reports, stored = used("report_rendered", plan), used("storage_bytes", plan)
    ended = jobs("pocdex_jobs_total")
    timed = jobs("pocdex_job_completion_seconds_count")
    top_before = today_top()

    response = owner.client.post(
        "/api/v1/reports",
        {"from": "2025-01-01", "to": "2025-01-31", "language": "en"},
        format="json",
    )
    assert response.status_code == 202, response.content
    job, _ = wait_for_job(owner, f"/api/v1/reports/{response.json()['id']}")
    assert job["status"] == "succeeded"
    with schema_context(owner.tenant.schema_name):
        outputs = Job.objects.get(id=job["id"]).outputs
    size = sum(record["size"] for record in outputs.values())

    assert size > 0
    # Counted once the job's transaction committed, just after what the API shows
    # (the bytes are counted last).
    deadline = time.monotonic() + 30
    while used("storage_bytes", plan) == stored and time.monotonic() < deadline:
        time.sleep(0.05)
    assert used("report_rendered", plan) == reports + 1
    assert jobs("pocdex_jobs_total") == ended + 1
    assert jobs("pocdex_job_completion_seconds_count") == timed + 1
    assert used("storage_bytes", plan) == stored + size
    top = today_top()
    key, other = ("report_rendered", owner.tenant.slug), ("report_rendered", outsider.tenant.slug)
    assert top[key] - top_before.get(key, 0.0) == 1
    assert top.get(other, 0.0) == top_before.get(other, 0.0)
