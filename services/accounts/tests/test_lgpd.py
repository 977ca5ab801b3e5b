"""The organization's data under the LGPD in accounts: export, deletion, restore, purge.

Accounts' test settings list only accounts among the services, so its export
is its own part and its purge has no other service to wait for (the other
services' parts are tested in their suites and across the stack in tests/e2e).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_exists
from rest_framework.test import APIClient

from identity.models import User
from lgpd.models import ExportStatus, OrganizationDeletion, OrganizationExport, PurgeRecord
from lgpd.services import deletion_restore, exports_resume_stale, purge_due
from organizations.models import Domain, Invitation, Membership, Organization
from pocdex_shared import storage
from pocdex_shared.errors import ApiError
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
from tokens.models import RefreshFamily

from .conftest import PASSWORD, auth


def code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def wait_active(org_id: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Organization.objects.get(id=org_id).status == TenantStatus.ACTIVE:
            return
        time.sleep(0.1)
    raise AssertionError("the organization never became active")


def login(slug: str, email: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token",
        {"organization": slug, "email": email, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["access"])


def add_member(org: dict[str, Any], name: str, role: str) -> str:
    slug = org["organization"]["slug"]
    user = User.objects.create_user(f"{name}-{slug}@example.com", PASSWORD, name=name.title())
    Membership.objects.create(organization_id=org["organization"]["id"], user=user, role=role)
    return login(slug, user.email)


@pytest.fixture
def org(signup: Any, worker: Any) -> dict[str, Any]:
    data = signup()
    wait_active(data["organization"]["id"])
    data["owner"] = login(data["organization"]["slug"], data["email"])
    return data


# ------------------------------------------------------------------ export


def wait_export(client: APIClient, export_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/organization/exports/{export_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError("the export never finished")


def test_owner_exports_the_organization_and_gets_a_link_by_mail(
    org: dict[str, Any], mailbox: Any
) -> None:
    org_id = org["organization"]["id"]
    Invitation.objects.create(
        organization_id=org_id, email="guest@example.com", expires_at=timezone.now()
    )
    client = auth(APIClient(), org["owner"])
    started = client.post("/api/v1/organization/exports")
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "pending"
    assert started.json()["download_url"] is None

    done = wait_export(client, started.json()["id"])
    assert done["status"] == "completed" and done["progress"] == 100
    archive = requests.get(done["download_url"], timeout=10)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        part = json.loads(zipped.read("accounts/data.json"))
    data = part["data"]
    assert data["organization"]["slug"] == org["organization"]["slug"]
    assert [m["email"] for m in data["members"]] == [org["email"]]
    assert [i["email"] for i in data["invitations"]] == ["guest@example.com"]
    actions = {row["fields"]["action"] for row in data["audit.auditentry"]}
    assert "organization.export_requested" in actions
    # Only the archive stays: the parts were removed once it was written.
    keys = [
        item["Key"]
        for page in storage._keys(storage.bucket_name(org_id), "exports/", 1000)
        for item in page
    ]
    assert keys == [f"exports/{done['id']}.zip"]

    mail = mailbox.wait_for(to=org["email"], subject_contains="export")
    assert done["id"] in mail["text"]
    listed = client.get("/api/v1/organization/exports").json()["results"]
    assert [e["id"] for e in listed] == [done["id"]]


def test_members_may_not_export_and_another_organization_sees_nothing(
    org: dict[str, Any], signup: Any
) -> None:
    member = add_member(org, "mia", "member")
    refused = auth(APIClient(), member).post("/api/v1/organization/exports")
    assert refused.status_code == 403 and code(refused) == "export_forbidden"
    assert auth(APIClient(), member).get("/api/v1/organization/exports").status_code == 403

    export = OrganizationExport.objects.create(organization_id=org["organization"]["id"])
    other = signup()
    wait_active(other["organization"]["id"])
    stranger = auth(APIClient(), login(other["organization"]["slug"], other["email"]))
    missing = stranger.get(f"/api/v1/organization/exports/{export.id}")
    assert missing.status_code == 404 and code(missing) == "export_not_found"
    assert stranger.get("/api/v1/organization/exports").json()["results"] == []


def test_a_second_export_waits_for_the_first(org: dict[str, Any]) -> None:
    OrganizationExport.objects.create(
        organization_id=org["organization"]["id"], status=ExportStatus.RUNNING
    )
    again = auth(APIClient(), org["owner"]).post("/api/v1/organization/exports")
    assert again.status_code == 409 and code(again) == "export_in_progress"


def test_a_stale_export_is_picked_up_again_and_given_up_after_its_attempts(
    org: dict[str, Any], settings: Any
) -> None:
    now = timezone.now()
    old = now - timedelta(seconds=settings.LGPD_EXPORT_STALE_SECONDS + 1)
    stale = OrganizationExport.objects.create(
        organization_id=org["organization"]["id"],
        status=ExportStatus.RUNNING,
        heartbeat_at=old,
        attempts=1,
        parts_done=["accounts"],  # the part written before the worker died is kept
    )
    fresh = OrganizationExport.objects.create(
        organization_id=org["organization"]["id"], status=ExportStatus.RUNNING, heartbeat_at=now
    )
    assert exports_resume_stale(now=now) == [str(stale.id)]
    deadline = time.monotonic() + 60
    while OrganizationExport.objects.get(id=stale.id).status != ExportStatus.COMPLETED:
        assert time.monotonic() < deadline, "the resumed export never finished"
        time.sleep(0.2)
    resumed = OrganizationExport.objects.get(id=stale.id)
    assert resumed.attempts == 2 and resumed.parts_done == ["accounts"]
    assert OrganizationExport.objects.get(id=fresh.id).status == ExportStatus.RUNNING

    exhausted = OrganizationExport.objects.create(
        organization_id=org["organization"]["id"],
        status=ExportStatus.RUNNING,
        heartbeat_at=old,
        attempts=settings.LGPD_EXPORT_MAX_ATTEMPTS,
    )
    OrganizationExport.objects.filter(id=fresh.id).update(status=ExportStatus.FAILED)
    assert exports_resume_stale(now=now) == []
    assert OrganizationExport.objects.get(id=exhausted.id).status == ExportStatus.FAILED


# ------------------------------------------------------------------ deletion, restore, purge


def delete(token: str, **body: Any) -> Any:
    return auth(APIClient(), token).post("/api/v1/organization/deletion", body, format="json")


def restore(slug: str, email: str, password: str = PASSWORD) -> Any:
    return APIClient().post(
        "/api/v1/organization/restore",
        {"organization": slug, "email": email, "password": password},
        format="json",
    )


def test_only_the_owner_with_password_and_typed_slug_deletes(org: dict[str, Any]) -> None:
    slug = org["organization"]["slug"]
    admin = add_member(org, "ada", "admin")
    refused = delete(admin, password=PASSWORD, confirmation=slug)
    assert refused.status_code == 403 and code(refused) == "deletion_forbidden"
    wrong_slug = delete(org["owner"], password=PASSWORD, confirmation="not-it")
    assert wrong_slug.status_code == 400 and code(wrong_slug) == "confirmation_mismatch"
    assert "confirmation" in wrong_slug.json()["error"]["fields"]
    wrong_password = delete(org["owner"], password="nope", confirmation=slug)
    assert wrong_password.status_code == 403 and code(wrong_password) == "reauthentication_failed"
    missing = delete(org["owner"], confirmation=slug)
    assert missing.status_code == 400 and code(missing) == "validation_error"
    assert not OrganizationDeletion.objects.exists()
    assert Organization.objects.get(slug=slug).status == TenantStatus.ACTIVE


def test_deletion_suspends_then_the_owner_restores(org: dict[str, Any], signup: Any) -> None:
    slug = org["organization"]["slug"]
    admin_email = f"ada-{slug}@example.com"
    add_member(org, "ada", "admin")
    before = timezone.now()
    accepted = delete(org["owner"], password=PASSWORD, confirmation=slug.upper())
    assert accepted.status_code == 202, accepted.content
    body = accepted.json()
    assert body["status"] == "pending_deletion"
    deletion = OrganizationDeletion.objects.get(organization__slug=slug)
    assert deletion.purge_after - deletion.requested_at == timedelta(days=30)
    assert deletion.requested_at >= before
    assert Organization.objects.get(slug=slug).status == TenantStatus.SUSPENDED

    # Every token of the organization is refused meanwhile, and so is a new login.
    members = auth(APIClient(), org["owner"]).get("/api/v1/members")
    assert members.status_code == 403 and code(members) == "tenant_suspended"
    relogin = APIClient().post(
        "/api/v1/auth/token",
        {"organization": slug, "email": org["email"], "password": PASSWORD},
        format="json",
    )
    assert relogin.status_code == 403

    other = signup()
    stranger = restore(slug, other["email"])
    assert stranger.status_code == 401 and code(stranger) == "invalid_credentials"
    other_org = restore(other["organization"]["slug"], other["email"])
    assert other_org.status_code == 409 and code(other_org) == "deletion_not_pending"
    assert restore(slug, admin_email).json()["error"]["code"] == "restore_forbidden"
    assert code(restore(slug, org["email"], "wrong")) == "invalid_credentials"

    back = restore(slug, org["email"])
    assert back.status_code == 200, back.content
    assert back.json()["status"] == "active"
    assert not OrganizationDeletion.objects.exists()
    assert auth(APIClient(), login(slug, org["email"])).get("/api/v1/members").status_code == 200


def test_after_the_grace_period_nothing_of_the_organization_is_left(
    org: dict[str, Any], signup: Any
) -> None:
    slug = org["organization"]["slug"]
    org_id = org["organization"]["id"]
    add_member(org, "ada", "admin")
    other = signup()
    storage.ensure_bucket(org_id)
    storage.s3_client().put_object(
        Bucket=storage.bucket_name(org_id), Key="exports/old.zip", Body=b"zip"
    )
    assert delete(org["owner"], password=PASSWORD, confirmation=slug).status_code == 202
    purge_after = OrganizationDeletion.objects.get(organization_id=org_id).purge_after

    assert purge_due(now=purge_after - timedelta(seconds=1)) == []
    assert Organization.objects.filter(id=org_id).exists()
    with pytest.raises(ApiError) as over:
        deletion_restore(
            organization_slug=slug, email=org["email"], password=PASSWORD, otp=None, now=purge_after
        )
    assert over.value.code == "grace_period_over"

    assert purge_due(now=purge_after) == [org_id]

    assert not Organization.objects.filter(id=org_id).exists()
    assert not Membership.objects.filter(organization_id=org_id).exists()
    assert not Invitation.objects.filter(organization_id=org_id).exists()
    assert not Domain.objects.filter(tenant_id=org_id).exists()
    assert not RefreshFamily.objects.filter(organization_id=org_id).exists()
    assert not OutboxEvent.objects.filter(tenant_id=org_id).exists()
    connection.set_schema_to_public()
    assert not schema_exists(schema_name_for(org_id))
    try:
        storage.s3_client().head_bucket(Bucket=storage.bucket_name(org_id))
        bucket_left = True
    except Exception:
        bucket_left = False
    assert not bucket_left
    record = PurgeRecord.objects.get(organization_id=org_id)
    assert record.services == ["accounts"]
    assert slug not in json.dumps(
        {f.name: str(getattr(record, f.name)) for f in PurgeRecord._meta.fields}
    )
    refused = auth(APIClient(), org["owner"]).get("/api/v1/members")
    assert refused.status_code == 401
    assert code(restore(slug, org["email"])) == "invalid_credentials"
    # The person and the other organization stay.
    assert User.objects.filter(email=org["email"]).exists()
    assert Organization.objects.filter(id=other["organization"]["id"]).exists()
    # A second sweep finds nothing more to do.
    assert purge_due(now=purge_after + timedelta(days=1)) == []


@pytest.mark.django_db
def test_the_lgpd_routes_are_in_the_openapi_schema(tmp_path: Any) -> None:
    import yaml
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--fail-on-warn", "--validate")
    paths = yaml.safe_load(target.read_text())["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/organization/exports"])
    assert "get" in paths["/api/v1/organization/exports/{export_id}"]
    assert {"post", "get"} <= set(paths["/api/v1/organization/deletion"])
    restore_op = paths["/api/v1/organization/restore"]["post"]
    assert restore_op.get("security") in ([], [{}], None)


def test_with_two_factor_on_the_deletion_needs_a_current_code(org: dict[str, Any]) -> None:
    import pyotp

    slug = org["organization"]["slug"]
    user = User.objects.get(email=org["email"])
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = True
    user.save(update_fields=["totp_secret", "totp_enabled"])
    without = delete(org["owner"], password=PASSWORD, confirmation=slug)
    assert without.status_code == 401 and code(without) == "otp_required"
    not_current = f"{(int(pyotp.TOTP(user.totp_secret).now()) + 1) % 1_000_000:06d}"
    wrong = delete(org["owner"], password=PASSWORD, confirmation=slug, otp=not_current)
    assert wrong.status_code == 401 and code(wrong) == "otp_invalid"
    assert not OrganizationDeletion.objects.exists()
    current = pyotp.TOTP(user.totp_secret).now()
    accepted = delete(org["owner"], password=PASSWORD, confirmation=slug, otp=current)
    assert accepted.status_code == 202, accepted.content
    assert OrganizationDeletion.objects.filter(organization_id=org["organization"]["id"]).exists()
