"""The plan's monthly reports and videos limits, lifted by accounts' plan change, per organization."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from jobs.models import Job
from pocdex_shared.events.consumer import consume
from pocdex_shared.testing.tenants import plan_event
from tenants.models import Tenant

from .conftest import Person, error_code, member_of

pytestmark = pytest.mark.django_db(transaction=False)


def report(month: int) -> dict[str, Any]:
    return {"scope": "me", "from": f"2025-{month:02d}-01", "to": f"2025-{month:02d}-28"}


@pytest.fixture
def free_org(make_tenant, upstream):  # type: ignore[no-untyped-def]
    tenant = make_tenant(plan="free", limits={"reports_per_month": 2})
    upstream.data.add_tenant(tenant.id)
    return tenant


def test_reports_per_month_limit_then_upgrade(free_org) -> None:  # type: ignore[no-untyped-def]
    member = member_of(free_org, Person(id=uuid.uuid4(), name="Rita", role="member"))
    assert member.client.post("/api/v1/reports", report(1), format="json").status_code == 202
    second = member.client.post("/api/v1/reports", report(2), format="json")
    assert second.status_code == 202
    # Asking again for a report already made takes nothing more.
    assert member.client.post("/api/v1/reports", report(2), format="json").status_code == 200
    refused = member.client.post("/api/v1/reports", report(3), format="json")
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    body = refused.json()["error"]
    assert (body["limit"], body["value"], body["plan"]) == ("reports_per_month", 2, "free")
    with member.data():
        assert Job.objects.count() == 2
        # Last month's reports do not count against this month.
        Job.objects.filter(id=second.json()["id"]).update(
            created_at=timezone.now() - timedelta(days=40)
        )
    assert member.client.post("/api/v1/reports", report(3), format="json").status_code == 202

    assert consume(plan_event(free_org, "team", {})) is True
    assert Tenant.objects.get(id=free_org.id).plan == "team"
    assert member.client.post("/api/v1/reports", report(4), format="json").status_code == 202


def test_videos_per_month_limit(make_tenant, upstream, add_poc) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant(plan="free", limits={"videos_per_month": 1})
    upstream.data.add_tenant(tenant.id)
    member = member_of(tenant, Person(id=uuid.uuid4(), name="Vera", role="member"))
    add_poc(member)
    assert member.client.post("/api/v1/videos", {"year": 2025}, format="json").status_code == 202
    refused = member.client.post(
        "/api/v1/videos", {"year": 2025, "format": "square"}, format="json"
    )
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    assert refused.json()["error"]["limit"] == "videos_per_month"


def test_another_organizations_plan_does_not_apply(free_org, make_tenant, upstream) -> None:  # type: ignore[no-untyped-def]
    big = make_tenant(plan="free")
    upstream.data.add_tenant(big.id)
    assert consume(plan_event(big, "business", {})) is True
    small = member_of(free_org, Person(id=uuid.uuid4(), name="Sara", role="member"))
    for month in (1, 2):
        assert small.client.post("/api/v1/reports", report(month), format="json").status_code == 202
    assert small.client.post("/api/v1/reports", report(3), format="json").status_code == 403
    other = member_of(big, Person(id=uuid.uuid4(), name="Bia", role="member"))
    for month in (1, 2, 3):
        assert other.client.post("/api/v1/reports", report(month), format="json").status_code == 202
