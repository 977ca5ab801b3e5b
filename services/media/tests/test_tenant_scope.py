"""Tasks and event handlers enter an organization under the tenancy policy (ADR 0025)."""

from __future__ import annotations

import uuid

import pytest
from django_tenants.utils import tenant_context

from jobs.events import drop_subscription_of_removed_member
from jobs.models import Job, JobStatus, ReportSubscription
from jobs.tasks import render_report_task
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.resolution import forget_tenant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=False)

REPORT = {"scope": "me", "from": "2025-01-01", "to": "2025-06-30", "language": "en"}


def _suspend(tenant: Tenant) -> None:
    Tenant.objects.filter(id=tenant.id).update(status=TenantStatus.SUSPENDED)
    forget_tenant(tenant.id)


def test_a_render_queued_before_a_suspension_fails_without_rendering(alice, org):
    created = alice.client.post("/api/v1/reports", REPORT, format="json")
    assert created.status_code == 202, created.content
    _suspend(org)

    render_report_task.apply(args=(str(org.id), created.json()["id"]))

    with tenant_context(org):
        job = Job.objects.get(id=created.json()["id"])
        assert (job.status, job.error_code) == (JobStatus.FAILED, "tenant_suspended")
        assert job.outputs == {} and job.attempts == 0
        topics = list(OutboxEvent.objects.values_list("topic", flat=True))
    assert topics.count("media.job.failed") == 1 and "media.job.completed" not in topics


def test_a_render_for_an_unknown_organization_touches_no_one(alice, org):
    created = alice.client.post("/api/v1/reports", REPORT, format="json")
    assert created.status_code == 202, created.content

    render_report_task.apply(args=(str(uuid.uuid4()), created.json()["id"]))

    with tenant_context(org):
        assert Job.objects.get(id=created.json()["id"]).status == JobStatus.QUEUED


def test_a_removed_member_of_a_suspended_organization_loses_the_subscription(alice, bob, org):
    with tenant_context(org):
        for member in (alice, bob):
            ReportSubscription.objects.create(user_id=member.id, user_name=member.name)
    _suspend(org)

    envelope = {"payload": {"tenant_id": str(org.id), "user_id": str(alice.id)}}
    drop_subscription_of_removed_member(envelope)
    drop_subscription_of_removed_member(
        {"payload": {"tenant_id": str(uuid.uuid4()), "user_id": str(bob.id)}}
    )

    with tenant_context(org):
        assert list(ReportSubscription.objects.values_list("user_id", flat=True)) == [bob.id]
