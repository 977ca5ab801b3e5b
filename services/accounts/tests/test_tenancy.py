"""Organization A's tokens never reach organization B's data; suspended organizations are refused."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from identity.models import User
from organizations.models import Invitation, Membership, Organization
from organizations.services import organization_set_status
from pocdex_shared.events.models import OutboxEvent

from .conftest import auth


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


@pytest.fixture
def two_orgs(signup):  # type: ignore[no-untyped-def]
    return signup(), signup()


@pytest.mark.django_db
def test_members_list_shows_only_the_tokens_organization(two_orgs):
    a, _b = two_orgs
    emails = [
        m["user"]["email"]
        for m in auth(APIClient(), a["tokens"]["access"]).get("/api/v1/members").json()["results"]
    ]
    assert emails == [a["email"]]


@pytest.mark.django_db
def test_a_member_of_another_organization_cannot_change_or_remove_members(two_orgs):
    a, b = two_orgs
    b_owner = Membership.objects.get(organization_id=b["organization"]["id"])
    client = auth(APIClient(), a["tokens"]["access"])
    patch = client.patch(f"/api/v1/members/{b_owner.id}", {"role": "member"}, format="json")
    assert patch.status_code == 404 and error_code(patch) == "member_not_found"
    delete = client.delete(f"/api/v1/members/{b_owner.id}")
    assert delete.status_code == 404 and error_code(delete) == "member_not_found"
    b_owner.refresh_from_db()
    assert b_owner.role == "owner"


@pytest.mark.django_db
def test_a_member_of_another_organization_cannot_see_or_revoke_its_invitations(two_orgs):
    a, b = two_orgs
    User.objects.filter(email=b["email"]).update(email_verified_at=timezone.now())
    b_client = auth(APIClient(), b["tokens"]["access"])
    created = b_client.post(
        "/api/v1/invitations", {"email": "guest@example.com"}, format="json"
    ).json()
    a_client = auth(APIClient(), a["tokens"]["access"])
    assert a_client.get("/api/v1/invitations").json()["results"] == []
    revoke = a_client.delete(f"/api/v1/invitations/{created['id']}")
    assert revoke.status_code == 404 and error_code(revoke) == "invitation_not_found"
    assert Invitation.objects.get(id=created["id"]).revoked_at is None


@pytest.mark.django_db
def test_me_reports_the_tokens_organization_and_lists_every_membership(signup):
    a = signup()
    b = (
        auth(APIClient(), a["tokens"]["access"])
        .post(
            "/api/v1/organizations",
            {"organization_name": "B", "organization_slug": f"b-{a['organization']['slug']}"},
            format="json",
        )
        .json()
    )
    body = auth(APIClient(), b["tokens"]["access"]).get("/api/v1/me").json()
    assert body["organization"]["id"] == b["organization"]["id"]
    assert {m["organization"]["id"] for m in body["memberships"]} == {
        a["organization"]["id"],
        b["organization"]["id"],
    }


@pytest.mark.django_db
def test_suspended_organization_is_refused_everywhere_and_reactivation_restores_it(signup):
    org = signup()
    organization = Organization.objects.get(id=org["organization"]["id"])
    organization_set_status(organization=organization, suspended=True, actor_id=None)
    assert OutboxEvent.objects.filter(topic="tenant.updated", payload__status="suspended").exists()

    me = auth(APIClient(), org["tokens"]["access"]).get("/api/v1/me")
    assert me.status_code == 403 and error_code(me) == "tenant_suspended"
    login = APIClient().post(
        "/api/v1/auth/token",
        {
            "organization": org["organization"]["slug"],
            "email": org["email"],
            "password": org["password"],
        },
        format="json",
    )
    assert login.status_code == 403 and error_code(login) == "tenant_suspended"
    refresh = APIClient().post(
        "/api/v1/auth/refresh", {"refresh": org["tokens"]["refresh"]}, format="json"
    )
    assert refresh.status_code == 403 and error_code(refresh) == "tenant_suspended"

    organization_set_status(organization=organization, suspended=False, actor_id=None)
    assert auth(APIClient(), org["tokens"]["access"]).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_a_removed_member_is_refused_at_once(signup):
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    guest = signup()  # another identity, added to org by hand
    membership = Membership.objects.create(
        organization_id=org["organization"]["id"], user_id=guest["user"]["id"], role="member"
    )
    login = (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {
                "organization": org["organization"]["slug"],
                "email": guest["email"],
                "password": guest["password"],
            },
            format="json",
        )
        .json()
    )
    assert auth(APIClient(), login["access"]).get("/api/v1/me").status_code == 200
    assert client.delete(f"/api/v1/members/{membership.id}").status_code == 204
    me = auth(APIClient(), login["access"]).get("/api/v1/me")
    assert me.status_code == 401 and error_code(me) == "membership_revoked"
    refresh = APIClient().post("/api/v1/auth/refresh", {"refresh": login["refresh"]}, format="json")
    assert refresh.status_code == 401


@pytest.mark.django_db
def test_a_membership_removed_by_another_process_is_refused_within_the_cache_ttl(signup, settings):
    settings.MEMBERSHIP_CACHE_SECONDS = 0.5
    org = signup()
    Organization.objects.filter(id=org["organization"]["id"]).update(status="active")
    client = auth(APIClient(), org["tokens"]["access"])
    assert client.get("/api/v1/me").status_code == 200
    # Another process removes the membership: raw SQL sends no signal to this one.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM organizations_membership WHERE user_id = %s", [org["user"]["id"]]
        )
    assert client.get("/api/v1/me").status_code == 200
    time.sleep(0.6)
    me = client.get("/api/v1/me")
    assert me.status_code == 401 and error_code(me) == "membership_revoked"


@pytest.mark.django_db
def test_a_membership_another_process_added_is_served_at_once(signup, settings):
    """A person who just joined an organization through another process (an
    invitation accepted there) is not refused from this process's memory."""
    from tokens.services import access_token_for

    settings.MEMBERSHIP_CACHE_SECONDS = 60
    pia, bea = signup(), signup()
    for org in (pia, bea):
        Organization.objects.filter(id=org["organization"]["id"]).update(status="active")
    in_a = auth(APIClient(), pia["tokens"]["access"])
    assert in_a.get("/api/v1/me").status_code == 200  # her memberships, kept for a minute
    # Another process adds her to B: bulk_create sends no signal to this one.
    [joined] = Membership.objects.bulk_create(
        [Membership(user_id=pia["user"]["id"], organization_id=bea["organization"]["id"])]
    )
    user = User.objects.get(id=pia["user"]["id"])
    in_b = auth(APIClient(), access_token_for(user=user, membership=joined))
    me = in_b.get("/api/v1/me")
    assert me.status_code == 200, me.content
    assert me.json()["organization"]["id"] == bea["organization"]["id"]
    assert in_a.get("/api/v1/me").json()["organization"]["id"] == pia["organization"]["id"]


@pytest.mark.django_db
def test_me_shows_activation_made_by_another_process_on_the_next_call(signup):
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    assert client.get("/api/v1/me").json()["organization"]["status"] == "provisioning"
    Organization.objects.filter(id=org["organization"]["id"]).update(status="active")
    assert client.get("/api/v1/me").json()["organization"]["status"] == "active"
