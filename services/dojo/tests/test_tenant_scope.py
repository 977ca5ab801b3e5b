"""dojo enters an organization outside requests under the tenancy policy (ADR 0025)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from dojos.access import record_removal
from dojos.models import RemovedMember
from pocdex_shared.tenancy.models import TenantStatus
from tenants.models import Tenant

from .conftest import Member, error_code
from .test_internal_and_replay import CreateDojo, service_client

pytestmark = pytest.mark.django_db


def test_media_cannot_read_the_dojos_of_a_suspended_organization(
    ana: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    create_dojo(ana)
    Tenant.objects.filter(id=ana.tenant.id).update(status=TenantStatus.SUSPENDED)

    refused = service_client().get(f"/internal/v1/tenants/{ana.tenant.id}/dojos")
    served = service_client().get(f"/internal/v1/tenants/{outsider.tenant.id}/dojos")

    assert refused.status_code == 403 and error_code(refused) == "tenant_suspended"
    assert served.status_code == 200
    assert connection.schema_name == "public"


def test_a_removal_is_recorded_in_a_suspended_organization_and_nowhere_else(
    ana: Member, outsider: Member
) -> None:
    Tenant.objects.filter(id=ana.tenant.id).update(status=TenantStatus.SUSPENDED)
    at = timezone.now()

    assert record_removal(tenant_id=str(ana.tenant.id), user_id=str(ana.id), at=at)
    assert not record_removal(tenant_id=str(uuid.uuid4()), user_id=str(ana.id), at=at)

    with ana.data():
        assert list(RemovedMember.objects.values_list("user_id", flat=True)) == [ana.id]
    with outsider.data():
        assert not RemovedMember.objects.exists()
    assert connection.schema_name == "public"
