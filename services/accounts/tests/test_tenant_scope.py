"""accounts enters an organization's schema under the tenancy policy (ADR 0025)."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from audit.services import audit_record
from organizations.models import Organization
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.provisioning import provision_schema

pytestmark = pytest.mark.django_db


def test_the_trail_waits_for_the_schema_then_follows_every_status(signup):
    first = Organization.objects.get(slug=signup()["organization"]["slug"])
    other = Organization.objects.get(slug=signup()["organization"]["slug"])
    assert first.status == TenantStatus.PROVISIONING

    # No schema yet: nothing is written, nothing fails.
    audit_record(organization=first, actor_id=None, action="test.before_schema")

    provision_schema(first)
    provision_schema(other)
    Organization.objects.filter(id=first.id).update(status=TenantStatus.SUSPENDED)
    audit_record(organization=first, actor_id=None, action="test.while_suspended")
    assert connection.schema_name == "public"

    with schema_context(first.schema_name):
        actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert "test.while_suspended" in actions and "test.before_schema" not in actions
    with schema_context(other.schema_name):
        assert not AuditEntry.objects.filter(action__startswith="test.").exists()
