"""The console's members page: the API's rules and audit, on the organization's host."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from identity.models import User
from organizations.models import Invitation, Membership, Organization, Role
from pocdex_shared.tenancy.provisioning import provision_schema
from pocdex_shared.tenancy.scope import Require, tenant_scope

from .console_support import add_person, console_client, console_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _schema(console_team: dict[str, Any]) -> None:
    """The organization's own schema, where its audit trail lives (the worker makes it live)."""
    provision_schema(console_team["organization"])


def logged_in(team: dict[str, Any], who: str, *, enforce_csrf_checks: bool = False) -> Client:
    """A session of ``who``; with ``enforce_csrf_checks``, a browser that posts no CSRF token.

    A member cannot log in to the console: their session is an admin's, demoted since.
    """
    demoted = who == "member"
    client = console_login(console_client(team["slug"]), team["admin" if demoted else who].email)
    if demoted:
        Membership.objects.filter(organization=team["organization"], user=team["admin"]).update(
            role=Role.MEMBER
        )
    if not enforce_csrf_checks:
        return client
    strict = console_client(team["slug"], enforce_csrf_checks=True)
    strict.cookies = client.cookies
    return strict


def confirmed(user: User) -> User:
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


def membership(team: dict[str, Any], who: str) -> Membership:
    return Membership.objects.get(organization=team["organization"], user=team[who])


def audit_actions(organization: Organization) -> list[tuple[str, str]]:
    with tenant_scope(tenant=organization, require=Require.ANY):
        return [(e.action, e.target) for e in AuditEntry.objects.order_by("id")]


def pending(organization: Organization) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
    )


def make_invitation(team: dict[str, Any], email: str, role: str = Role.MEMBER) -> Invitation:
    return Invitation.objects.create(
        organization=team["organization"],
        email=email,
        role=role,
        invited_by=team["owner"],
        expires_at=timezone.now() + timedelta(days=7),
    )


@pytest.fixture
def other_team(signup: Any) -> dict[str, Any]:
    data = signup()
    organization = Organization.objects.get(pk=data["organization"]["id"])
    return {
        "organization": organization,
        "owner": User.objects.get(email=data["email"]),
        "member": add_person(organization, "member"),
    }


def test_the_page_lists_members_with_role_and_two_factor_and_pending_invitations(console_team):
    User.objects.filter(pk=console_team["admin"].pk).update(totp_enabled=True)
    make_invitation(console_team, "guest@example.com", Role.ADMIN)
    page = logged_in(console_team, "owner").get("/members/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Members · " in html
    for who in ("owner", "admin", "member"):
        assert console_team[who].email in html
    assert "guest@example.com" in html
    rows = {
        m.user.email: m
        for m in Membership.objects.filter(organization=console_team["organization"])
    }
    assert rows[console_team["admin"].email].user.totp_enabled
    # The 2FA column reads On for the admin only.
    admin_row = html.split(console_team["admin"].email, 1)[1].split("</tr>", 1)[0]
    member_row = html.split(console_team["member"].email, 1)[1].split("</tr>", 1)[0]
    assert ">On<" in admin_row and ">Off<" in member_row
    assert 'aria-current="page"' in html.split('href="/members/"', 1)[1][:40]


def test_members_are_paged(console_team):
    for _index in range(26):
        add_person(console_team["organization"], "member")
    client = logged_in(console_team, "owner")
    first_page = client.get("/members/").content.decode()
    second_page = client.get("/members/?page=2").content.decode()
    assert "Page 1 of 2" in first_page and "Page 2 of 2" in second_page
    # The members' table only (the header names the logged-in person too).
    first, second = (
        page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] for page in (first_page, second_page)
    )
    everyone = Membership.objects.filter(organization=console_team["organization"])
    emails = [m.user.email for m in everyone.select_related("user")]
    assert sum(email in first for email in emails) == 25
    assert sum(email in second for email in emails) == 4


def test_an_admin_invites_with_a_confirmed_address_and_the_audit_records_it(console_team):
    confirmed(console_team["admin"])
    client = logged_in(console_team, "admin")
    response = client.post("/members/", {"email": "New@Example.com", "role": "member"})
    assert response.status_code == 302 and response["Location"] == "/members/"
    [invitation] = pending(console_team["organization"])
    assert (invitation.email, invitation.role) == ("new@example.com", "member")
    assert invitation.invited_by == console_team["admin"]
    assert ("invitation.created", "new@example.com") in audit_actions(console_team["organization"])
    assert "Invitation sent to new@example.com" in client.get("/members/").content.decode()


def test_an_unconfirmed_inviter_is_told_to_confirm_first(console_team):
    client = logged_in(console_team, "owner")
    response = client.post("/members/", {"email": "x@example.com", "role": "member"})
    assert response.status_code == 403
    assert "Confirm your email address" in response.content.decode()
    assert pending(console_team["organization"]) == []


def test_an_invalid_address_is_a_field_error(console_team):
    confirmed(console_team["owner"])
    response = logged_in(console_team, "owner").post(
        "/members/", {"email": "not-an-address", "role": "member"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_email-errors"' in html
    assert pending(console_team["organization"]) == []


def test_an_admin_cannot_invite_an_owner(console_team):
    confirmed(console_team["admin"])
    response = logged_in(console_team, "admin").post(
        "/members/", {"email": "boss@example.com", "role": "owner"}
    )
    assert response.status_code == 400  # not among the roles an admin may give
    assert pending(console_team["organization"]) == []


def test_the_plan_limit_shows_the_limit_and_a_link_to_billing(console_team):
    confirmed(console_team["owner"])
    organization = console_team["organization"]
    Organization.objects.filter(pk=organization.pk).update(limits={"members": 4})
    make_invitation(console_team, "seat@example.com")  # 3 members + 1 invitation = 4 seats
    response = logged_in(console_team, "owner").post(
        "/members/", {"email": "one-too-many@example.com", "role": "member"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your plan allows 4 members" in html
    assert 'href="/billing/"' in html
    assert [i.email for i in pending(organization)] == ["seat@example.com"]


def test_only_an_owner_makes_an_owner(console_team):
    member = membership(console_team, "member")
    admin_client = logged_in(console_team, "admin")
    response = admin_client.post(f"/members/{member.id}/role", {"role": "owner"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert "Only an owner can grant" in admin_client.get("/members/").content.decode()

    owner_client = logged_in(console_team, "owner")
    assert owner_client.post(f"/members/{member.id}/role", {"role": "owner"}).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.OWNER
    entry = ("member.role_changed", str(console_team["member"].id))
    assert entry in audit_actions(console_team["organization"])


def test_the_last_owner_can_be_neither_demoted_nor_removed(console_team):
    owner = membership(console_team, "owner")
    client = logged_in(console_team, "owner")
    client.post(f"/members/{owner.id}/role", {"role": "admin"})
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert "at least one owner" in client.get("/members/").content.decode()
    client.post(f"/members/{owner.id}/remove")
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_removal_asks_for_confirmation_then_removes_and_audits(console_team):
    member = membership(console_team, "member")
    client = logged_in(console_team, "admin")
    confirm = client.get(f"/members/{member.id}/remove")
    assert confirm.status_code == 200
    assert console_team["member"].email in confirm.content.decode()
    assert Membership.objects.filter(pk=member.pk).exists()  # a GET changes nothing
    assert client.post(f"/members/{member.id}/remove").status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    entry = ("member.removed", str(console_team["member"].id))
    assert entry in audit_actions(console_team["organization"])


def test_an_admin_cannot_remove_an_owner(console_team):
    owner = membership(console_team, "owner")
    client = logged_in(console_team, "admin")
    client.post(f"/members/{owner.id}/remove")
    assert Membership.objects.filter(pk=owner.pk).exists()
    assert "Only an owner can remove an owner" in client.get("/members/").content.decode()


def test_resend_replaces_the_invitation_and_revoke_ends_it(console_team):
    confirmed(console_team["owner"])
    first = make_invitation(console_team, "again@example.com", Role.ADMIN)
    client = logged_in(console_team, "owner")
    assert client.post(f"/members/invitations/{first.id}/resend").status_code == 302
    first.refresh_from_db()
    assert first.revoked_at is not None
    [second] = pending(console_team["organization"])
    assert (second.email, second.role) == ("again@example.com", Role.ADMIN)

    assert client.post(f"/members/invitations/{second.id}/revoke").status_code == 302
    assert pending(console_team["organization"]) == []
    actions = audit_actions(console_team["organization"])
    assert ("invitation.created", "again@example.com") in actions
    assert ("invitation.revoked", "again@example.com") in actions


def test_another_organizations_members_and_invitations_are_404_here(console_team, other_team):
    foreign_member = Membership.objects.get(
        organization=other_team["organization"], user=other_team["member"]
    )
    foreign_invitation = Invitation.objects.create(
        organization=other_team["organization"],
        email="theirs@example.com",
        invited_by=other_team["owner"],
        expires_at=timezone.now() + timedelta(days=7),
    )
    client = logged_in(console_team, "owner")
    assert client.get(f"/members/{foreign_member.id}/remove").status_code == 404
    assert client.post(f"/members/{foreign_member.id}/remove").status_code == 404
    assert client.post(f"/members/{foreign_member.id}/role", {"role": "admin"}).status_code == 404
    assert client.post(f"/members/invitations/{foreign_invitation.id}/resend").status_code == 404
    assert client.post(f"/members/invitations/{foreign_invitation.id}/revoke").status_code == 404
    foreign_member.refresh_from_db()
    foreign_invitation.refresh_from_db()
    assert foreign_member.role == Role.MEMBER
    assert foreign_invitation.revoked_at is None
    assert "theirs@example.com" not in client.get("/members/").content.decode()


def test_a_member_is_refused_every_page_and_post(console_team):
    target = membership(console_team, "member")
    invitation = make_invitation(console_team, "kept@example.com")
    client = logged_in(console_team, "member")
    assert client.get("/members/").status_code == 403
    assert client.post("/members/", {"email": "m@example.com", "role": "member"}).status_code == 403
    assert client.post(f"/members/{target.id}/role", {"role": "admin"}).status_code == 403
    assert client.get(f"/members/{target.id}/remove").status_code == 403
    assert client.post(f"/members/{target.id}/remove").status_code == 403
    assert client.post(f"/members/invitations/{invitation.id}/resend").status_code == 403
    assert client.post(f"/members/invitations/{invitation.id}/revoke").status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MEMBER
    assert [i.email for i in pending(console_team["organization"])] == ["kept@example.com"]


def test_posts_without_the_csrf_token_are_refused(console_team):
    confirmed(console_team["owner"])
    member = membership(console_team, "member")
    invitation = make_invitation(console_team, "kept@example.com")
    client = logged_in(console_team, "owner", enforce_csrf_checks=True)
    assert client.get("/members/").status_code == 200  # a valid session, only the token lacks
    assert client.post("/members/", {"email": "c@example.com", "role": "member"}).status_code == 403
    assert client.post(f"/members/{member.id}/role", {"role": "admin"}).status_code == 403
    assert client.post(f"/members/{member.id}/remove").status_code == 403
    assert client.post(f"/members/invitations/{invitation.id}/resend").status_code == 403
    assert client.post(f"/members/invitations/{invitation.id}/revoke").status_code == 403
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert [i.id for i in pending(console_team["organization"])] == [invitation.id]


def test_without_a_session_the_page_leads_to_the_login(console_team):
    response = console_client(console_team["slug"]).get("/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
