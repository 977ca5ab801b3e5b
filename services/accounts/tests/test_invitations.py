"""Invitations go by real mail through the SMTP catcher, and work exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from audit.models import AuditEntry
from identity.models import User
from organizations.models import Invitation, Membership
from pocdex_shared.testing.mail import code_from_mail

from .conftest import PASSWORD, auth
from .test_signup import wait_until_active


@pytest.fixture
def signup(signup):  # type: ignore[no-untyped-def]
    """Owners who have confirmed their email: only they may invite."""

    def _signup(**overrides):  # type: ignore[no-untyped-def]
        org = signup(**overrides)
        User.objects.filter(email=org["email"]).update(email_verified_at=timezone.now())
        return org

    return _signup


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


def invite(org, email: str, role: str = "member"):  # type: ignore[no-untyped-def]
    return auth(APIClient(), org["tokens"]["access"]).post(
        "/api/v1/invitations", {"email": email, "role": role}, format="json"
    )


def plain_member(org, email: str, role: str = "member") -> APIClient:  # type: ignore[no-untyped-def]
    """A client logged in as a new ``role`` (a plain member by default) of ``org``."""
    user = User.objects.create_user(email, PASSWORD, name="Plain", email_verified_at=timezone.now())
    Membership.objects.create(organization_id=org["organization"]["id"], user=user, role=role)
    login = APIClient().post(
        "/api/v1/auth/token",
        {"organization": org["organization"]["slug"], "email": email, "password": PASSWORD},
        format="json",
    )
    return auth(APIClient(), login.json()["access"])


def accept(token: str, **extra):  # type: ignore[no-untyped-def]
    return APIClient().post("/api/v1/invitations/accept", {"token": token, **extra}, format="json")


def test_invited_person_accepts_from_the_mail_and_can_log_in(worker, signup, mailbox):
    org = signup(organization_name="Casa do Código")
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    created = invite(org, email)
    assert created.status_code == 201 and created.json()["role"] == "member"
    mail = mailbox.wait_for(to=email, subject_contains="invited")
    # The organization's name is text of its choosing: in the body, never in the subject.
    assert "Casa do Código" in mail["text"] and "Casa do Código" not in mail["subject"]
    token = code_from_mail(mail)
    assert "/invitations/accept?token=" in mail["text"]

    accepted = accept(token, name="Gabi Guest", password=PASSWORD)
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["created_user"] is True and body["role"] == "member"
    assert body["organization"]["id"] == org["organization"]["id"]
    user = User.objects.get(email=email)
    assert user.email_verified
    login = APIClient().post(
        "/api/v1/auth/token",
        {"organization": org["organization"]["slug"], "email": email, "password": PASSWORD},
        format="json",
    )
    assert login.status_code == 200

    replay = accept(token, name="Mallory", password=PASSWORD)
    assert replay.status_code == 410 and error_code(replay) == "invitation_used"
    assert Membership.objects.filter(user=user).count() == 1


def test_invitation_mail_is_in_portuguese_for_a_portuguese_organization(worker, signup, mailbox):
    org = signup(locale="pt-BR")
    email = f"convidada-{uuid.uuid4().hex[:8]}@example.com"
    invite(org, email)
    mail = mailbox.wait_for(to=email)
    assert "convidou" in mail["text"] and "cole este código no app" in mail["text"]


@pytest.mark.django_db
def test_accepting_links_an_existing_identity_without_a_new_password(signup):
    org = signup()
    other = signup()
    invitation = invite(org, other["email"], role="admin").json()
    from organizations.services import invitation_token

    token = invitation_token(Invitation.objects.get(id=invitation["id"]))
    response = accept(token)
    assert response.status_code == 200 and response.json()["created_user"] is False
    assert (
        Membership.objects.get(
            user_id=other["user"]["id"], organization_id=org["organization"]["id"]
        ).role
        == "admin"
    )


@pytest.mark.django_db
def test_new_person_must_give_name_and_a_strong_password(signup):
    org = signup()
    from organizations.services import invitation_token

    invitation = Invitation.objects.get(id=invite(org, "new@example.com").json()["id"])
    missing = accept(invitation_token(invitation))
    assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {
        "name",
        "password",
    }
    weak = accept(invitation_token(invitation), name="New", password="123")
    assert (
        weak.status_code == 400
        and weak.json()["error"]["fields"]["password"][0]["code"] == "password_weak"
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.django_db
def test_expired_revoked_and_forged_invitations_are_refused(signup):
    org = signup()
    from organizations.services import invitation_token

    expired = Invitation.objects.get(id=invite(org, "late@example.com").json()["id"])
    Invitation.objects.filter(id=expired.id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = accept(invitation_token(expired), name="Late", password=PASSWORD)
    assert response.status_code == 410 and error_code(response) == "invitation_expired"

    revoked = Invitation.objects.get(id=invite(org, "gone@example.com").json()["id"])
    assert (
        auth(APIClient(), org["tokens"]["access"])
        .delete(f"/api/v1/invitations/{revoked.id}")
        .status_code
        == 204
    )
    response = accept(invitation_token(revoked), name="Gone", password=PASSWORD)
    assert response.status_code == 400 and error_code(response) == "invitation_invalid"

    forged = invitation_token(revoked)[:-2] + "xx"
    assert error_code(accept(forged, name="F", password=PASSWORD)) == "invitation_invalid"
    assert not User.objects.filter(email__in=["late@example.com", "gone@example.com"]).exists()


@pytest.mark.django_db
def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(signup):
    org = signup()
    first = invite(org, "twice@example.com").json()
    second = invite(org, "twice@example.com").json()
    assert Invitation.objects.get(id=first["id"]).revoked_at is not None
    pending = (
        auth(APIClient(), org["tokens"]["access"]).get("/api/v1/invitations").json()["results"]
    )
    assert [p["id"] for p in pending] == [second["id"]]


@pytest.mark.django_db
def test_members_cannot_invite_and_admins_cannot_invite_owners(signup):
    org = signup()
    member = plain_member(org, "plain@example.com")
    response = member.post("/api/v1/invitations", {"email": "x@example.com"}, format="json")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    assert not Invitation.objects.filter(email="x@example.com").exists()
    admin = plain_member(org, "admin-of-plain@example.com", role="admin")
    as_owner = admin.post(
        "/api/v1/invitations", {"email": "boss@example.com", "role": "owner"}, format="json"
    )
    assert as_owner.status_code == 403 and error_code(as_owner) == "owner_required"
    assert not Invitation.objects.filter(email="boss@example.com").exists()
    as_member = admin.post("/api/v1/invitations", {"email": "boss@example.com"}, format="json")
    assert as_member.status_code == 201


def test_the_longest_valid_address_is_invited_and_audited_whole(worker, signup):
    org = signup()
    # The trail is written once the organization's schema exists.
    schema = wait_until_active(org["organization"]["slug"]).schema_name
    # 254 characters, the most an address may have: local part of 64, labels of 63.
    email = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 57}.com"
    assert len(email) == 254
    response = invite(org, email)
    assert response.status_code == 201, response.content
    with schema_context(schema):
        entry = AuditEntry.objects.get(action="invitation.created")
    assert entry.target == email


@pytest.mark.django_db
def test_inviting_an_existing_member_is_a_conflict(signup):
    org = signup()
    response = invite(org, org["email"])
    assert response.status_code == 409 and error_code(response) == "already_member"


@pytest.mark.django_db
def test_invitations_have_a_budget_per_organization_spent_only_by_inviters(signup, settings):
    settings.THROTTLES = {**settings.THROTTLES, "invitation_create_org": "2/3600"}
    org, other = signup(), signup()
    member = plain_member(org, f"m-{uuid.uuid4().hex[:8]}@example.com")
    for n in range(3):  # refused: they do not count
        refused = member.post("/api/v1/invitations", {"email": f"x{n}@example.com"}, format="json")
        assert refused.status_code == 403

    assert invite(org, "one@example.com").status_code == 201
    assert invite(org, "two@example.com").status_code == 201
    third = invite(org, "three@example.com")
    assert third.status_code == 429 and error_code(third) == "throttled"
    assert int(third["Retry-After"]) > 0
    assert not Invitation.objects.filter(email="three@example.com").exists()
    assert invite(other, "three@example.com").status_code == 201


@pytest.mark.django_db
def test_an_inviter_whose_email_is_not_confirmed_cannot_invite(signup):
    org, other = signup(), signup()
    User.objects.filter(email=org["email"]).update(email_verified_at=None)
    refused = invite(org, "target@example.com")
    assert refused.status_code == 403 and error_code(refused) == "email_unverified"
    assert not Invitation.objects.filter(email="target@example.com").exists()
    # Another organization's confirmed owner is not concerned.
    assert invite(other, "target@example.com").status_code == 201
    # Confirming the address through the mail's code lifts it.
    from django.core import signing

    from identity.services import VERIFY_SALT

    user = User.objects.get(email=org["email"])
    code = signing.dumps({"u": str(user.id), "e": user.email}, salt=VERIFY_SALT)
    verified = APIClient().post("/api/v1/auth/verify-email", {"token": code}, format="json")
    assert verified.status_code == 204
    assert invite(org, "target@example.com").status_code == 201


@pytest.mark.django_db
def test_an_invitation_does_not_open_an_identity_without_its_second_factor(signup):
    import time

    import pyotp

    from organizations.services import invitation_token

    org, other = signup(), signup()
    secret = pyotp.random_base32()
    User.objects.filter(email=other["email"]).update(totp_secret=secret, totp_enabled=True)
    invitation = Invitation.objects.get(id=invite(org, other["email"]).json()["id"])

    missing = accept(invitation_token(invitation))
    assert missing.status_code == 401 and error_code(missing) == "otp_required"
    near = {str(pyotp.TOTP(secret).at(time.time() + d)) for d in (-30, 0, 30)}
    not_a_code = next(f"{n:06d}" for n in range(4) if f"{n:06d}" not in near)
    wrong = accept(invitation_token(invitation), otp=not_a_code)
    assert wrong.status_code == 401 and error_code(wrong) == "otp_invalid"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(
        organization_id=org["organization"]["id"], user_id=other["user"]["id"]
    ).exists()

    code = str(pyotp.TOTP(secret).at(time.time()))
    accepted = accept(invitation_token(invitation), otp=code)
    assert accepted.status_code == 200 and accepted.json()["created_user"] is False
    assert Membership.objects.filter(
        organization_id=org["organization"]["id"], user_id=other["user"]["id"]
    ).exists()


@pytest.mark.django_db
def test_a_confirmation_made_by_another_process_is_not_refused_from_a_stale_cache(signup, settings):  # type: ignore[no-untyped-def]
    """Each process keeps a person's memberships (and user) for a moment: one that
    cached the unconfirmed person must not refuse them once another confirmed it."""
    from identity.authentication import forget_memberships
    from organizations.models import Organization
    from pocdex_shared.tenancy.models import TenantStatus

    settings.MEMBERSHIP_CACHE_SECONDS = 60
    org = signup()
    # Memberships are cached once the organization is active (not while provisioning).
    Organization.objects.filter(id=org["organization"]["id"]).update(status=TenantStatus.ACTIVE)
    User.objects.filter(email=org["email"]).update(email_verified_at=None)
    forget_memberships()
    refused = invite(org, "soon@example.com")  # caches the unconfirmed person here
    assert refused.status_code == 403 and error_code(refused) == "email_unverified"
    # Confirmed elsewhere: no signal reaches this process's cache.
    User.objects.filter(email=org["email"]).update(email_verified_at=timezone.now())
    assert invite(org, "soon@example.com").status_code == 201
    forget_memberships()
