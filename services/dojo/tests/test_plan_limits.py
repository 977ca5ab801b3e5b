"""The plan's dojos-per-month limit, lifted by accounts' plan change event, per organization."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dojos.models import Dojo
from pocdex_shared.events.consumer import consume
from pocdex_shared.testing.tenants import plan_event
from tenants.models import Tenant

from .conftest import dojo_body, error_code

pytestmark = pytest.mark.django_db


def test_dojos_per_month_limit_then_upgrade(make_tenant, make_member, create_dojo) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant(plan="free", limits={"dojos_per_month": 2})
    member = make_member(tenant)
    first = create_dojo(member)
    create_dojo(member)
    refused = member.client.post("/api/v1/dojos", dojo_body(), format="json")
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    body = refused.json()["error"]
    assert (body["limit"], body["value"], body["plan"]) == ("dojos_per_month", 2, "free")
    with member.data():
        assert Dojo.objects.count() == 2
        # A dojo scheduled last month does not count against this month.
        Dojo.objects.filter(id=first["id"]).update(created_at=timezone.now() - timedelta(days=40))
    create_dojo(member)

    assert consume(plan_event(tenant, "business", {})) is True
    assert Tenant.objects.get(id=tenant.id).plan == "business"
    create_dojo(member)
    create_dojo(member)


def test_another_organizations_plan_does_not_apply(make_tenant, make_member, create_dojo) -> None:  # type: ignore[no-untyped-def]
    small = make_tenant(plan="free", limits={"dojos_per_month": 1})
    big = make_tenant(plan="free")
    assert consume(plan_event(big, "team", {})) is True
    create_dojo(make_member(small))
    refused = make_member(small).client.post("/api/v1/dojos", dojo_body(), format="json")
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    member = make_member(big)
    for _ in range(3):
        create_dojo(member)
