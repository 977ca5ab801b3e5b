"""media's usage for accounts (GET /internal/v1/tenants/<id>/usage): reports and videos this month."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jobs.models import Job
from pocdex_shared.testing.tokens import service_token

from .conftest import Person, error_code, member_of

pytestmark = pytest.mark.django_db(transaction=False)


def usage(tenant_id: Any, *, caller: str | None = "accounts") -> Any:
    api = APIClient()
    if caller:
        token = service_token(service=caller, audience="pocdex-media")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.get(f"/internal/v1/tenants/{tenant_id}/usage")


def report(month: int) -> dict[str, Any]:
    return {"scope": "me", "from": f"2025-{month:02d}-01", "to": f"2025-{month:02d}-28"}


def test_usage_counts_this_months_renders_of_the_organization_only(  # type: ignore[no-untyped-def]
    make_tenant, upstream, add_poc
) -> None:
    tenant = make_tenant(plan="free", limits={"reports_per_month": 5})
    other = make_tenant(plan="free")
    for org in (tenant, other):
        upstream.data.add_tenant(org.id)
    member = member_of(tenant, Person(id=uuid.uuid4(), name="Rita", role="member"))
    outsider = member_of(other, Person(id=uuid.uuid4(), name="Otto", role="member"))
    assert outsider.client.post("/api/v1/reports", report(1), format="json").status_code == 202

    assert usage(tenant.id).json() == {
        "service": "media",
        "tenant_id": str(tenant.id),
        "plan": "free",
        "usage": {
            "reports_per_month": {"used": 0, "limit": 5},
            "videos_per_month": {"used": 0, "limit": 1},
        },
    }
    first = member.client.post("/api/v1/reports", report(1), format="json")
    assert first.status_code == 202
    assert member.client.post("/api/v1/reports", report(2), format="json").status_code == 202
    # Asking again for a report already made takes nothing more, as for the limit.
    assert member.client.post("/api/v1/reports", report(2), format="json").status_code == 200
    add_poc(member)
    assert member.client.post("/api/v1/videos", {"year": 2025}, format="json").status_code == 202
    assert usage(tenant.id).json()["usage"] == {
        "reports_per_month": {"used": 2, "limit": 5},
        "videos_per_month": {"used": 1, "limit": 1},
    }
    with member.data():
        Job.objects.filter(id=first.json()["id"]).update(
            created_at=timezone.now() - timedelta(days=40)
        )
    assert usage(tenant.id).json()["usage"]["reports_per_month"]["used"] == 1
    assert usage(other.id).json()["usage"]["reports_per_month"] == {"used": 1, "limit": 2}


def test_only_accounts_may_ask_and_an_unknown_organization_is_404(make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    assert usage(tenant.id, caller="dojo").status_code == 403
    assert usage(tenant.id, caller=None).status_code == 401
    unknown = usage(uuid.uuid4())
    assert unknown.status_code == 404 and error_code(unknown) == "tenant_not_found"
