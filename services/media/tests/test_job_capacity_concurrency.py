"""The active-job limit holds when one person's requests arrive at the same moment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from jobs.models import Job, JobStatus

from .conftest import _drop_tenant_schemas, error_code

REPORT = {"scope": "me", "language": "en"}
REQUESTS = 8
LIMIT = 2


def _concurrently(calls: list[Any]) -> list[Any]:
    """Run every call in its own thread (own database connection), released together."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as exc:  # reported below, with the others
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def committed(transactional_db: None, broker: Any) -> Any:
    yield
    _drop_tenant_schemas()


def test_concurrent_requests_of_one_person_never_exceed_the_limit(
    committed, alice, bob, org, settings
):
    """Three bursts (a race shows in most of them without the lock); bob is not affected."""
    settings.MEDIA_MAX_ACTIVE_JOBS = LIMIT

    def ask(member: Any, year: int, month: int) -> Any:
        body = {**REPORT, "from": f"{year}-{month:02d}-01", "to": f"{year}-{month:02d}-28"}
        return lambda: member.client.post("/api/v1/reports", body, format="json")

    for year in (2023, 2024, 2025):
        months = range(1, REQUESTS + 1)
        responses = _concurrently(
            [ask(alice, year, month) for month in months]
            + [ask(bob, year, month) for month in range(1, LIMIT + 1)]
        )
        assert not [r for r in responses if isinstance(r, Exception)], responses
        alice_codes = sorted(r.status_code for r in responses[:REQUESTS])
        assert alice_codes == [202] * LIMIT + [429] * (REQUESTS - LIMIT), year
        refused = [r for r in responses[:REQUESTS] if r.status_code == 429]
        assert {error_code(r) for r in refused} == {"too_many_jobs"}
        assert [r.status_code for r in responses[REQUESTS:]] == [202] * LIMIT
        with tenant_context(org):
            active = Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
            assert active.filter(requested_by=alice.id).count() == LIMIT
            assert active.filter(requested_by=bob.id).count() == LIMIT
            # Done: the next burst has room for LIMIT again.
            Job.objects.update(status=JobStatus.SUCCEEDED)
    with tenant_context(org):
        assert Job.objects.filter(requested_by=alice.id).count() == 3 * LIMIT
