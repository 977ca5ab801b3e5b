"""dojo's usage for accounts (GET /internal/v1/tenants/<id>/usage): dojos scheduled this month."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dojos.models import Dojo
from pocdex_shared.testing.tokens import service_token

from .conftest import error_code

pytestmark = pytest.mark.django_db


def usage(tenant_id: Any, *, caller: str | None = "accounts") -> Any:
    api = APIClient()
    if caller:
        token = service_token(service=caller, audience="pocdex-dojo")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.get(f"/internal/v1/tenants/{tenant_id}/usage")


def test_usage_counts_this_months_dojos_of_the_organization_only(  # type: ignore[no-untyped-def]
    make_tenant, make_member, create_dojo
) -> None:
    tenant = make_tenant(plan="free", limits={"dojos_per_month": 3})
    other = make_tenant(plan="team")
    member = make_member(tenant)
    for _ in range(2):
        create_dojo(make_member(other))

    assert usage(tenant.id).json() == {
        "service": "dojo",
        "tenant_id": str(tenant.id),
        "plan": "free",
        "usage": {"dojos_per_month": {"used": 0, "limit": 3}},
    }
    first = create_dojo(member)
    create_dojo(member)
    assert usage(tenant.id).json()["usage"]["dojos_per_month"] == {"used": 2, "limit": 3}
    with member.data():
        # Scheduled last month: no longer counted, as the limit check does not count it.
        Dojo.objects.filter(id=first["id"]).update(created_at=timezone.now() - timedelta(days=40))
    assert usage(tenant.id).json()["usage"]["dojos_per_month"]["used"] == 1
    assert usage(other.id).json()["usage"]["dojos_per_month"] == {"used": 2, "limit": 60}


def test_only_accounts_may_ask_and_an_unknown_organization_is_404(make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    assert usage(tenant.id, caller="pocs").status_code == 403
    assert usage(tenant.id, caller=None).status_code == 401
    unknown = usage(uuid.uuid4())
    assert unknown.status_code == 404 and error_code(unknown) == "tenant_not_found"
