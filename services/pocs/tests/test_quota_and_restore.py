"""The per-plan POC limit, soft delete and the restore window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pocdex_shared.events.consumer import consume
from pocdex_shared.testing.tenants import plan_event
from registry.models import Poc
from tenants.models import Tenant

from .conftest import error_code

pytestmark = pytest.mark.django_db


def test_the_plan_limit_refuses_one_poc_too_many_until_an_upgrade(
    make_tenant, make_member, create_poc
):
    tenant = make_tenant(plan="free", limits={"pocs": 2})
    member = make_member(tenant)
    create_poc(member)
    create_poc(member)
    response = member.client.post("/api/v1/pocs", {"name": "third"}, format="json")
    assert response.status_code == 403
    assert error_code(response) == "plan_limit_reached"
    body = response.json()["error"]
    assert (body["limit"], body["value"], body["plan"]) == ("pocs", 2, "free")
    with member.data():
        assert Poc.objects.count() == 2

    # The upgrade reaches this service as accounts' event; the tenant row follows it.
    assert consume(plan_event(tenant, "team", {})) is True
    assert Tenant.objects.get(id=tenant.id).plan == "team"
    create_poc(member, name="third")


def test_another_organizations_plan_does_not_apply(make_tenant, make_member, create_poc):
    small = make_tenant(plan="free", limits={"pocs": 1})
    big = make_tenant(plan="business")
    create_poc(make_member(small))
    assert consume(plan_event(big, "business", {})) is True
    refused = make_member(small).client.post("/api/v1/pocs", {"name": "x"}, format="json")
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    member = make_member(big)
    create_poc(member)
    create_poc(member)


def test_the_replicas_limits_override_the_plan(make_tenant, make_member, create_poc):
    member = make_member(make_tenant(plan="business", limits={"max_pocs": 1}))
    create_poc(member)
    response = member.client.post("/api/v1/pocs", {"name": "second"}, format="json")
    assert response.status_code == 403 and error_code(response) == "plan_limit_reached"


def test_attachment_storage_limit_counts_pending_uploads(make_tenant, make_member, create_poc):
    tenant = make_tenant(plan="free", limits={"attachment_bytes": 1000})
    member = make_member(tenant)
    poc = create_poc(member)

    def start(size: int):  # type: ignore[no-untyped-def]
        body = {"filename": "notes.md", "content_type": "text/markdown", "size": size}
        return member.client.post(f"/api/v1/pocs/{poc['id']}/attachments", body, format="json")

    assert start(600).status_code == 201
    refused = start(401)
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    body = refused.json()["error"]
    assert (body["limit"], body["value"]) == ("attachment_bytes", 1000)
    assert start(400).status_code == 201
    assert consume(plan_event(tenant, "team", {})) is True
    assert start(5000).status_code == 201


def test_deleted_pocs_do_not_count_against_the_limit(make_tenant, make_member, create_poc):
    member = make_member(make_tenant(limits={"pocs": 1}))
    first = create_poc(member)
    member.client.delete(f"/api/v1/pocs/{first['id']}")
    create_poc(member)
    restore = member.client.post(f"/api/v1/pocs/{first['id']}/restore")
    assert restore.status_code == 403 and error_code(restore) == "plan_limit_reached"


def test_a_deleted_poc_is_listed_for_restore_and_comes_back(alice, create_poc):
    poc = create_poc(alice, tags=["volta"])
    alice.client.delete(f"/api/v1/pocs/{poc['id']}")
    deleted = alice.client.get("/api/v1/pocs/deleted").json()["results"]
    assert [d["id"] for d in deleted] == [poc["id"]]
    assert deleted[0]["restorable_until"] > deleted[0]["deleted_at"]
    response = alice.client.post(f"/api/v1/pocs/{poc['id']}/restore")
    assert response.status_code == 200 and response.json()["tags"][0]["slug"] == "volta"
    assert alice.client.get("/api/v1/pocs/deleted").json()["results"] == []
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).deleted_at is None


def test_restore_after_thirty_days_is_gone_for_good(alice, create_poc):
    poc = create_poc(alice)
    alice.client.delete(f"/api/v1/pocs/{poc['id']}")
    with alice.data():
        Poc.objects.filter(id=poc["id"]).update(deleted_at=timezone.now() - timedelta(days=31))
    response = alice.client.post(f"/api/v1/pocs/{poc['id']}/restore")
    assert response.status_code == 410 and error_code(response) == "restore_window_passed"
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).deleted_at is not None


def test_restore_just_inside_the_window_works(alice, create_poc):
    poc = create_poc(alice)
    alice.client.delete(f"/api/v1/pocs/{poc['id']}")
    with alice.data():
        Poc.objects.filter(id=poc["id"]).update(deleted_at=timezone.now() - timedelta(days=29))
    assert alice.client.post(f"/api/v1/pocs/{poc['id']}/restore").status_code == 200


def test_restoring_a_poc_that_is_not_deleted_is_a_conflict(alice, create_poc):
    poc = create_poc(alice)
    response = alice.client.post(f"/api/v1/pocs/{poc['id']}/restore")
    assert response.status_code == 409 and error_code(response) == "poc_not_deleted"


def test_other_members_neither_see_nor_restore_someone_elses_deleted_poc(
    alice, bob, admin, create_poc
):
    poc = create_poc(alice)
    alice.client.delete(f"/api/v1/pocs/{poc['id']}")
    assert bob.client.get("/api/v1/pocs/deleted").json()["results"] == []
    response = bob.client.post(f"/api/v1/pocs/{poc['id']}/restore")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    assert [d["id"] for d in admin.client.get("/api/v1/pocs/deleted").json()["results"]] == [
        poc["id"]
    ]
    assert admin.client.post(f"/api/v1/pocs/{poc['id']}/restore").status_code == 200
