"""Work outside requests enters an organization under the tenancy policy (ADR 0025)."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_exists

from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.provisioning import upsert_replica
from registry import people
from registry.models import LearningNote, Person, Poc
from tenants.models import Tenant

from .conftest import error_code
from .test_git_webhooks import github_push, secret_for, send_github
from .test_internal_api import learnings_url, note, pocs_url, service
from .test_search import names, search

pytestmark = pytest.mark.django_db


def _replica_without_schema(status: str) -> Tenant:
    tenant_id = uuid.uuid4()
    replica = upsert_replica(
        {"id": str(tenant_id), "slug": f"unready-{tenant_id.hex[:8]}", "status": status}
    )
    assert not schema_exists(replica.schema_name)
    return Tenant.objects.get(id=tenant_id)


def test_a_rebuild_skips_an_organization_whose_schema_is_not_cloned_yet(
    alice, create_poc, search_index
):
    _replica_without_schema(TenantStatus.PROVISIONING)
    create_poc(alice, name="Sobrevive à reconstrução")

    call_command("rebuild_search_index")

    assert connection.schema_name == "public"
    assert names(search(alice, q="reconstrucao")) == ["Sobrevive à reconstrução"]


def test_a_webhook_for_an_organization_without_its_schema_is_organization_not_found(admin):
    secret = secret_for(admin, "github")["secret"]
    unready = _replica_without_schema(TenantStatus.ACTIVE)

    response = send_github(unready.slug, secret, github_push("https://github.com/a/b"))

    assert response.status_code == 404 and error_code(response) == "organization_not_found"


def test_a_webhook_for_a_suspended_organization_is_organization_not_found(admin, alice):
    secret = secret_for(admin, "github")["secret"]
    Tenant.objects.filter(id=admin.tenant.id).update(status=TenantStatus.SUSPENDED)

    response = send_github(admin.tenant.slug, secret, github_push("https://github.com/a/b"))

    assert response.status_code == 404 and error_code(response) == "organization_not_found"


def test_a_member_removed_from_a_suspended_organization_is_marked_there_only(
    alice, outsider, create_poc
):
    create_poc(alice, name="Nomeia a Alice")
    Tenant.objects.filter(id=alice.tenant.id).update(status=TenantStatus.SUSPENDED)
    now = timezone.now()

    assert people.mark_removed(tenant_id=alice.tenant.id, user_id=alice.id, at=now)
    assert not people.mark_removed(tenant_id=uuid.uuid4(), user_id=alice.id, at=now)

    with alice.data():
        assert Person.objects.get(id=alice.id).removed_at == now
    with outsider.data():
        assert not Person.objects.filter(removed_at__isnull=False).exists()
    assert connection.schema_name == "public"


def test_internal_calls_for_a_suspended_organization_are_refused_and_write_nothing(
    alice, outsider, create_poc
):
    poc = create_poc(alice, name="Sem retrospectiva")
    Tenant.objects.filter(id=alice.tenant.id).update(status=TenantStatus.SUSPENDED)

    listed = service("media").get(pocs_url(alice))
    appended = service("dojo").post(
        learnings_url(alice, poc["id"]), note(author=str(alice.id)), format="json"
    )

    for response in (listed, appended):
        assert response.status_code == 403 and error_code(response) == "tenant_suspended"
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).learnings == ""
        assert not LearningNote.objects.exists()
    # Another organization is served as before.
    assert service("media").get(pocs_url(outsider)).status_code == 200


def test_internal_calls_for_an_organization_without_its_schema_are_not_ready():
    unready = _replica_without_schema(TenantStatus.ACTIVE)

    response = service("media").get(pocs_url(unready.id))

    assert response.status_code == 503 and error_code(response) == "tenant_not_ready"
    assert response["Retry-After"] == "1"
