"""A person's own data in accounts: their export, and their deletion (ADR 0047).

Accounts' test settings list only accounts among the services, so the archive
holds accounts' part; the other services' parts are tested in their suites and
the whole journey through the gateway in tests/e2e/test_person_data_journey.py.
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
from botocore.exceptions import ClientError
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from identity.models import User
from lgpd.models import ExportStatus, OrganizationDeletion, PersonExport
from lgpd.people import people_bucket, person_exports_expire
from organizations.models import Invitation, Membership, Organization
from pocdex_shared import storage
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.person_data import PERSON_DELETED
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.scope import Require, tenant_scope

from .conftest import PASSWORD, auth
from .test_lgpd import code, login, org, wait_active  # noqa: F401 - the org fixture


def wait_person_export(client: APIClient, export_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/me/exports/{export_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError("the export never finished")


def join(organization_id: str, user: User, role: str = "member") -> None:
    Membership.objects.create(organization_id=organization_id, user=user, role=role)


def person_named(name: str, slug: str) -> User:
    return User.objects.create_user(f"{name}-{slug}@example.com", PASSWORD, name=name.title())


def test_a_person_exports_their_data_from_each_organization_and_gets_a_link_by_mail(
    org: dict[str, Any],  # noqa: F811
    signup: Any,
    mailbox: Any,
) -> None:
    other = signup()  # Olga also belongs to a second organization, as a member
    olga = User.objects.get(email=org["email"])
    join(other["organization"]["id"], olga)
    stranger = signup()  # an organization Olga is not in
    Invitation.objects.create(
        organization_id=other["organization"]["id"],
        email=olga.email,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = auth(APIClient(), org["owner"])

    started = client.post("/api/v1/me/exports")
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "pending" and started.json()["download_url"] is None
    again = client.post("/api/v1/me/exports")
    assert again.status_code == 409 and code(again) == "export_in_progress"
    done = wait_person_export(client, started.json()["id"])

    assert done["status"] == "completed" and done["progress"] == 100
    archive = requests.get(done["download_url"], timeout=10)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        names = zipped.namelist()
        mine = json.loads(zipped.read("accounts.json"))
    assert names == ["accounts.json"]  # no other service in accounts' test settings
    assert mine["profile"]["email"] == olga.email and mine["profile"]["name"] == olga.name
    assert "totp_secret" not in json.dumps(mine) and mine["two_factor"]["enabled"] is False
    assert {m["organization"]["slug"]: m["role"] for m in mine["memberships"]} == {
        org["organization"]["slug"]: "owner",
        other["organization"]["slug"]: "member",
    }
    assert [i["organization"] for i in mine["invitations_received"]] == [
        other["organization"]["id"]
    ]
    assert stranger["organization"]["slug"] not in archive.content.decode("latin-1")
    assert stranger["email"] not in json.dumps(mine)
    export = PersonExport.objects.get(id=done["id"])
    assert export.archive_key == f"exports/people/{olga.id}/{export.id}.zip"
    storage.s3_client().head_object(Bucket=people_bucket(), Key=export.archive_key)

    mail = mailbox.wait_for(to=olga.email, subject_contains="Your data")
    assert "personal data" in mail["text"]
    listed = client.get("/api/v1/me/exports").json()["results"]
    assert [e["id"] for e in listed] == [done["id"]]


def test_another_persons_export_is_404_and_not_listed(
    org: dict[str, Any],  # noqa: F811
    worker: Any,
) -> None:
    slug = org["organization"]["slug"]
    started = auth(APIClient(), org["owner"]).post("/api/v1/me/exports")
    assert started.status_code == 202
    colleague = person_named("cora", slug)
    join(org["organization"]["id"], colleague, "admin")
    theirs = auth(APIClient(), login(slug, colleague.email))
    missing = theirs.get(f"/api/v1/me/exports/{started.json()['id']}")
    assert missing.status_code == 404 and code(missing) == "export_not_found"
    assert theirs.get("/api/v1/me/exports").json()["results"] == []
    assert APIClient().get("/api/v1/me/exports").status_code == 401


def test_an_archive_is_deleted_when_its_link_expires(
    org: dict[str, Any],  # noqa: F811
) -> None:
    client = auth(APIClient(), org["owner"])
    done = wait_person_export(client, client.post("/api/v1/me/exports").json()["id"])
    export = PersonExport.objects.get(id=done["id"])
    assert export.expires_at is not None

    assert person_exports_expire(now=export.expires_at - timedelta(seconds=1)) == 0
    assert person_exports_expire(now=export.expires_at) == 1

    with pytest.raises(ClientError):
        storage.s3_client().head_object(Bucket=people_bucket(), Key=export.archive_key)
    export.refresh_from_db()
    assert export.archive_key == "" and export.status == ExportStatus.COMPLETED
    assert client.get(f"/api/v1/me/exports/{export.id}").json()["download_url"] is None


def delete_me(token: str, **body: Any) -> Any:
    return auth(APIClient(), token).delete("/api/v1/me", body, format="json")


def test_the_only_owner_of_an_organization_with_members_is_refused(
    org: dict[str, Any],  # noqa: F811
) -> None:
    slug = org["organization"]["slug"]
    join(org["organization"]["id"], person_named("mia", slug))
    email = org["email"]

    mismatch = delete_me(org["owner"], password=PASSWORD, confirmation="someone@else.example")
    assert mismatch.status_code == 400 and code(mismatch) == "confirmation_mismatch"
    assert "confirmation" in mismatch.json()["error"]["fields"]
    wrong = delete_me(org["owner"], password="not-the-password", confirmation=email)
    assert wrong.status_code == 403 and code(wrong) == "reauthentication_failed"
    refused = delete_me(org["owner"], password=PASSWORD, confirmation=email.upper())
    assert refused.status_code == 409 and code(refused) == "sole_owner"
    assert User.objects.filter(email=email).exists()
    assert not OrganizationDeletion.objects.exists()

    # Another owner lifts the refusal.
    join(org["organization"]["id"], person_named("otto", slug), "owner")
    assert delete_me(org["owner"], password=PASSWORD, confirmation=email).status_code == 204
    organization = Organization.objects.get(id=org["organization"]["id"])
    assert organization.status == TenantStatus.ACTIVE  # kept: it has other people


def test_a_deleted_person_leaves_nothing_personal_in_accounts(
    org: dict[str, Any],  # noqa: F811
    signup: Any,
) -> None:
    """Olga is alone in her organization and a member of Bea's: hers goes, Bea's stays."""
    alone_id = org["organization"]["id"]
    bea = signup(owner_name="Bea Owner")
    wait_active(bea["organization"]["id"])
    olga = User.objects.get(email=org["email"])
    olga.name = "Olga Zyxwvut"
    olga.save(update_fields=["name"])
    join(bea["organization"]["id"], olga)
    bea_org = Organization.objects.get(id=bea["organization"]["id"])
    with tenant_scope(tenant=bea_org, require=Require.ANY):
        AuditEntry.objects.create(
            actor_id=None, action="invitation.sent", target=olga.email, data={"name": olga.name}
        )
    Invitation.objects.create(
        organization_id=alone_id, email=olga.email, expires_at=timezone.now() + timedelta(days=1)
    )
    client = auth(APIClient(), org["owner"])
    export = wait_person_export(client, client.post("/api/v1/me/exports").json()["id"])
    key = PersonExport.objects.get(id=export["id"]).archive_key
    before = timezone.now()

    # From a session in Bea's organization: her own organization changes all the same.
    in_bea = login(bea["organization"]["slug"], olga.email)
    deleted = delete_me(in_bea, password=PASSWORD, confirmation=olga.email)

    assert deleted.status_code == 204, deleted.content
    assert not User.objects.filter(id=olga.id).exists()
    assert not Membership.objects.filter(user_id=olga.id).exists()
    assert not Invitation.objects.filter(email__iexact=olga.email).exists()
    assert not PersonExport.objects.filter(user_id=olga.id).exists()
    with pytest.raises(ClientError):
        storage.s3_client().head_object(Bucket=people_bucket(), Key=key)
    # Her own organization enters the deletion path, due at once; Bea's stays.
    deletion = OrganizationDeletion.objects.get(organization_id=alone_id)
    assert deletion.purge_after <= timezone.now() and deletion.purge_after >= before
    assert Organization.objects.get(id=alone_id).status == TenantStatus.SUSPENDED
    assert Organization.objects.get(id=bea_org.id).status == TenantStatus.ACTIVE
    # Bea's trail keeps the entry, without Olga's email or name.
    with tenant_scope(tenant=bea_org, require=Require.ANY):
        trail = json.dumps(
            [[e.target, e.data, e.action] for e in AuditEntry.objects.all()], ensure_ascii=False
        )
    assert olga.email not in trail and olga.name not in trail
    assert "invitation.sent" in trail and "person.deleted" in trail
    # One event for the other services, naming no one but the id.
    event = OutboxEvent.objects.get(topic=PERSON_DELETED)
    assert event.tenant_id is None
    assert event.payload["person_id"] == str(olga.id)
    assert set(event.payload["names"]) == {alone_id, str(bea_org.id)}
    assert olga.email not in json.dumps(event.payload)
    # Her tokens are refused and she cannot log in anywhere.
    assert auth(APIClient(), org["owner"]).get("/api/v1/me").status_code == 401
    assert auth(APIClient(), in_bea).get("/api/v1/me").status_code == 401
    assert (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {
                "organization": bea["organization"]["slug"],
                "email": olga.email,
                "password": PASSWORD,
            },
            format="json",
        )
        .status_code
        == 401
    )


def test_the_person_routes_are_in_the_openapi_schema(tmp_path: Any) -> None:
    import yaml
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--fail-on-warn", "--validate")
    paths = yaml.safe_load(target.read_text())["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/me/exports"])
    assert "get" in paths["/api/v1/me/exports/{export_id}"]
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/me"])
