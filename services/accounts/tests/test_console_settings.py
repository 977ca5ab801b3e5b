"""The console's settings: name, default language, and two-factor required of every member.

The two-factor rule is enforced by accounts wherever a person gets in: the
API's login and refresh (403 ``two_factor_required``) and the console's login.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from identity.models import User
from organizations.models import Invitation, Membership, Organization, Role
from organizations.services import invitation_token, two_factor_required
from pocdex_shared.tenancy.provisioning import provision_schema
from pocdex_shared.tenancy.scope import Require, tenant_scope
from tokens.models import RefreshFamily

from .conftest import PASSWORD
from .console_support import console_client, console_login
from .git_webhooks_standin import PocsStandIn, pocs_stand_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _schema(console_team: dict[str, Any]) -> None:
    """The organization's own schema, where its audit trail lives (the worker makes it live)."""
    provision_schema(console_team["organization"])


@pytest.fixture(autouse=True)
def pocs(console_team: dict[str, Any], settings: Any) -> Iterator[PocsStandIn]:
    """pocs' Git webhook routes, knowing the team's organization (see git_webhooks_standin)."""
    with pocs_stand_in() as stand_in:
        stand_in.add_organization(console_team["organization"].id)
        settings.LGPD_SERVICE_URLS = {**settings.LGPD_SERVICE_URLS, "pocs": stand_in.url}
        yield stand_in


def logged_in(team: dict[str, Any], who: str, *, enforce_csrf_checks: bool = False) -> Client:
    """A session of ``who`` (a member's is an admin's, demoted since: members cannot log in)."""
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


def audit_actions(organization: Organization) -> list[str]:
    with tenant_scope(tenant=organization, require=Require.ANY):
        return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def with_totp(user: User) -> str:
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret=secret, totp_enabled=True)
    return secret


def api_login(organization: Organization, user: User, otp: str = "") -> Any:
    body = {"organization": organization.slug, "email": user.email, "password": PASSWORD}
    if otp:
        body["otp"] = otp
    return APIClient().post("/api/v1/auth/token", body, format="json")


def error_of(response: Any) -> str:
    return str(response.json()["error"]["code"])


def fresh(organization: Organization) -> Organization:
    return Organization.objects.get(pk=organization.pk)


# Name and default language ---------------------------------------------------------


def test_an_admin_renames_and_sets_the_default_language_and_both_are_audited(console_team):
    client = logged_in(console_team, "admin")
    page = client.get("/settings/")
    assert page.status_code == 200
    assert f'value="{console_team["organization"].name}"' in page.content.decode()
    response = client.post("/settings/", {"name": "  Acme Labs ", "locale": "pt-BR"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    organization = fresh(console_team["organization"])
    assert (organization.name, organization.locale) == ("Acme Labs", "pt-BR")
    assert audit_actions(organization)[-2:] == [
        "organization.renamed",
        "organization.locale_changed",
    ]
    assert "Settings saved." in client.get("/settings/").content.decode()


def test_saving_unchanged_settings_records_nothing(console_team):
    organization = console_team["organization"]
    before = audit_actions(organization)
    logged_in(console_team, "owner").post(
        "/settings/", {"name": organization.name, "locale": organization.locale}
    )
    assert audit_actions(organization) == before


def test_an_empty_name_or_an_unknown_language_is_a_field_error(console_team):
    client = logged_in(console_team, "owner")
    for body, field in [
        ({"name": " ", "locale": "en"}, "name"),
        ({"name": "X", "locale": "fr"}, "locale"),
    ]:
        response = client.post("/settings/", body)
        assert response.status_code == 400
        html = response.content.decode()
        assert f'id="id_{field}-errors"' in html
        assert html.count('aria-invalid="true"') == 1
    organization = fresh(console_team["organization"])
    assert organization.name == console_team["organization"].name
    assert organization.locale == console_team["organization"].locale


# Two-factor required --------------------------------------------------------------


def test_only_an_owner_changes_the_two_factor_rule(console_team):
    client = logged_in(console_team, "admin")
    with_totp(console_team["admin"])
    response = client.post("/settings/two-factor", {"required": "on"})
    assert response.status_code == 403
    assert not two_factor_required(fresh(console_team["organization"]))


def test_an_owner_without_two_factor_cannot_require_it(console_team):
    client = logged_in(console_team, "owner")
    response = client.post("/settings/two-factor", {"required": "on"})
    assert response.status_code == 409
    assert "Turn two-factor authentication on for your own account first" in (
        response.content.decode()
    )
    assert not two_factor_required(fresh(console_team["organization"]))


def test_requiring_two_factor_ends_sessions_and_refuses_tokens_to_people_without_it(
    console_team,
):
    organization = console_team["organization"]
    member_tokens = api_login(organization, console_team["member"]).json()
    admin_secret = with_totp(console_team["admin"])
    client = logged_in(console_team, "owner")
    with_totp(console_team["owner"])

    assert client.post("/settings/two-factor", {"required": "on"}).status_code == 302
    assert two_factor_required(fresh(organization))
    assert audit_actions(organization)[-1] == "organization.two_factor_required"
    # The member's session ended; its refresh token is refused like a new login.
    family = RefreshFamily.objects.get(user=console_team["member"], organization=organization)
    assert family.revoked_reason == "two_factor_required"
    refreshed = APIClient().post(
        "/api/v1/auth/refresh", {"refresh": member_tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    login = api_login(organization, console_team["member"])
    assert login.status_code == 403
    assert login.json()["error"]["code"] == "two_factor_required"
    # Someone with two-factor on still gets in, and refreshes.
    code = pyotp.TOTP(admin_secret).at(time.time())
    admitted = api_login(organization, console_team["admin"], otp=code)
    assert admitted.status_code == 200, admitted.content
    again = APIClient().post(
        "/api/v1/auth/refresh", {"refresh": admitted.json()["refresh"]}, format="json"
    )
    assert again.status_code == 200


def test_a_refresh_is_refused_when_two_factor_was_turned_off_after_the_rule(console_team):
    organization = console_team["organization"]
    secret = with_totp(console_team["member"])
    tokens = api_login(
        organization, console_team["member"], otp=pyotp.TOTP(secret).at(time.time())
    ).json()
    Organization.objects.filter(pk=organization.pk).update(two_factor_required=True)
    User.objects.filter(pk=console_team["member"].pk).update(totp_enabled=False)
    refreshed = APIClient().post(
        "/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 403
    assert refreshed.json()["error"]["code"] == "two_factor_required"


def test_the_console_login_refuses_a_person_without_two_factor_under_the_rule(console_team):
    Organization.objects.filter(pk=console_team["organization"].pk).update(two_factor_required=True)
    client = console_client(console_team["slug"])
    # A member (owners and admins turn it on at the login: test_console_enroll.py).
    response = client.post("/login/", {"email": console_team["member"].email, "password": PASSWORD})
    assert response.status_code == 403
    assert "requires two-factor authentication" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_open_console_session_without_two_factor_ends_when_the_rule_applies(console_team):
    client = logged_in(console_team, "admin")
    assert client.get("/settings/").status_code == 200
    # The rule set behind the session's back (not through the settings page,
    # which also ends the sessions it can find).
    Organization.objects.filter(pk=console_team["organization"].pk).update(two_factor_required=True)
    response = client.get("/settings/")
    assert response.status_code == 403
    assert "requires two-factor authentication" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/settings/").status_code == 302  # back to the login


def test_an_owner_stops_requiring_two_factor(console_team):
    organization = console_team["organization"]
    client = logged_in(console_team, "owner")
    with_totp(console_team["owner"])
    client.post("/settings/two-factor", {"required": "on"})
    assert client.post("/settings/two-factor", {}).status_code == 302
    assert not two_factor_required(fresh(organization))
    assert audit_actions(organization)[-1] == "organization.two_factor_optional"
    assert api_login(organization, console_team["member"]).status_code == 200


# Git webhook secrets (kept by pocs) ---------------------------------------------------------


def webhooks_section(html: str) -> str:
    return html.split('id="webhooks-heading"', 1)[1].split("</section>", 1)[0]


def test_the_settings_show_each_git_host_and_an_owner_rotates_a_secret_seen_once(
    console_team, pocs
):
    organization = console_team["organization"]
    client = logged_in(console_team, "owner")
    whole = client.get("/settings/").content.decode()
    assert "<title>Settings · " in whole and whole.count('id="webhooks-heading"') == 1
    page = webhooks_section(whole)
    assert "GitHub" in page and "GitLab" in page and page.count("Not set") == 2
    assert 'action="/settings/webhooks/github/rotate"' in page

    shown = client.post("/settings/webhooks/github/rotate")
    assert shown.status_code == 200
    assert shown["Cache-Control"] == "no-store"
    secret, _created_at, actor = pocs.secrets[str(organization.id)]["github"]
    assert actor == str(console_team["owner"].id)
    assert f'value="{secret}"' in shown.content.decode()
    assert audit_actions(organization)[-1] == "organization.webhook_secret_rotated"

    again = client.get("/settings/").content.decode()
    assert secret not in again
    assert webhooks_section(again).count("Not set") == 1
    assert "Rotate the GitHub secret" in again and "Create the GitLab secret" in again
    assert {tenant for _method, tenant in pocs.calls} == {str(organization.id)}


def test_an_admin_sees_the_git_hosts_but_cannot_rotate(console_team, pocs):
    client = logged_in(console_team, "admin")
    page = client.get("/settings/").content.decode()
    assert "GitHub" in page and "/settings/webhooks/github/rotate" not in page
    assert client.post("/settings/webhooks/github/rotate").status_code == 403
    assert pocs.secrets[str(console_team["organization"].id)] == {}
    assert [method for method, _tenant in pocs.calls] == ["GET"]


def test_an_unknown_git_host_is_404(console_team, pocs):
    assert logged_in(console_team, "owner").post("/settings/webhooks/svn/rotate").status_code == 404
    assert [method for method, _tenant in pocs.calls] == []


def test_pocs_out_of_reach_leaves_the_rest_of_the_settings_working(console_team, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.LGPD_SERVICE_URLS = {**settings.LGPD_SERVICE_URLS, "pocs": f"http://127.0.0.1:{port}"}
    organization = console_team["organization"]
    client = logged_in(console_team, "owner")
    page = client.get("/settings/")
    assert page.status_code == 200
    assert "cannot be reached right now" in page.content.decode()
    before = audit_actions(organization)
    rotated = client.post("/settings/webhooks/gitlab/rotate")
    assert rotated.status_code == 302
    assert "cannot be reached right now" in client.get("/settings/").content.decode()
    assert audit_actions(organization) == before


# Access ---------------------------------------------------------------------------------


def test_another_organizations_session_does_not_open_these_settings(console_team, signup):
    other = signup()
    stranger = console_login(console_client(other["organization"]["slug"]), other["email"])
    stranger.defaults["HTTP_HOST"] = console_client(console_team["slug"]).defaults["HTTP_HOST"]
    assert stranger.get("/settings/").status_code == 302
    assert stranger.post("/settings/", {"name": "Hijacked", "locale": "en"}).status_code == 302
    assert fresh(console_team["organization"]).name != "Hijacked"
    assert Organization.objects.get(pk=other["organization"]["id"]).name != "Hijacked"


def test_a_member_is_refused_the_settings(console_team):
    client = logged_in(console_team, "member")
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/", {"name": "Mine", "locale": "en"}).status_code == 403
    assert client.post("/settings/two-factor", {"required": "on"}).status_code == 403
    assert client.post("/settings/webhooks/github/rotate").status_code == 403
    assert fresh(console_team["organization"]).name != "Mine"


def test_settings_posts_without_the_csrf_token_are_refused(console_team, pocs):
    client = logged_in(console_team, "owner", enforce_csrf_checks=True)
    with_totp(console_team["owner"])
    assert client.get("/settings/").status_code == 200  # a valid session, only the token lacks
    assert client.post("/settings/", {"name": "No token", "locale": "en"}).status_code == 403
    assert client.post("/settings/two-factor", {"required": "on"}).status_code == 403
    assert client.post("/settings/webhooks/github/rotate").status_code == 403
    organization = fresh(console_team["organization"])
    assert organization.name != "No token" and not organization.two_factor_required
    assert [method for method, _tenant in pocs.calls if method == "POST"] == []


def test_the_api_schema_names_the_two_factor_refusal():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/auth/token", "/api/v1/auth/refresh"):
        assert "two_factor_required" in schema["paths"][path]["post"]["description"]


# Turning two-factor on when the rule keeps one out -------------------------------------------


def enrollment(path: str, organization: Organization, user: User, **extra: str) -> Any:
    body = {"organization": organization.slug, "email": user.email, "password": PASSWORD, **extra}
    return APIClient().post(f"/api/v1/auth/totp-enrollment{path}", body, format="json")


def test_a_member_kept_out_by_the_rule_turns_two_factor_on_with_the_password_then_logs_in(
    console_team,
):
    organization = console_team["organization"]
    member = console_team["member"]
    Organization.objects.filter(pk=organization.pk).update(two_factor_required=True)
    assert error_of(api_login(organization, member)) == "two_factor_required"

    wrong = enrollment("", organization, member, password="not-the-password")
    assert wrong.status_code == 401 and error_of(wrong) == "invalid_credentials"
    started = enrollment("", organization, member)
    assert started.status_code == 200
    secret = started.json()["secret"]
    bad_code = enrollment("/confirm", organization, member, code="000000")
    assert bad_code.status_code == 400 and error_of(bad_code) == "otp_invalid"
    confirmed = enrollment(
        "/confirm", organization, member, code=pyotp.TOTP(secret).at(time.time())
    )
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    member.refresh_from_db()
    assert member.totp_enabled

    login = api_login(organization, member, otp=pyotp.TOTP(secret).at(time.time() + 30))
    assert login.status_code == 200, login.content
    again = enrollment("", organization, member)
    assert again.status_code == 409 and error_of(again) == "two_factor_enrollment_not_needed"


def test_enrollment_without_the_rule_is_not_the_way_in(console_team):
    response = enrollment("", console_team["organization"], console_team["member"])
    assert response.status_code == 409
    assert error_of(response) == "two_factor_enrollment_not_needed"
    assert not User.objects.get(pk=console_team["member"].pk).totp_secret


def test_an_invitation_accepted_under_the_rule_makes_the_membership_but_no_tokens(
    console_team,
):
    organization = console_team["organization"]
    Organization.objects.filter(pk=organization.pk).update(two_factor_required=True)
    invitation = Invitation.objects.create(
        organization=organization,
        email="joiner@example.com",
        role=Role.MEMBER,
        invited_by=console_team["owner"],
        expires_at=timezone.now() + timedelta(days=7),
    )
    body = {"token": invitation_token(invitation), "name": "Joiner", "password": PASSWORD}
    response = APIClient().post("/api/v1/invitations/accept", body, format="json")
    assert response.status_code == 403 and error_of(response) == "two_factor_required"
    joiner = User.objects.get(email="joiner@example.com")
    assert Membership.objects.filter(organization=organization, user=joiner).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert not RefreshFamily.objects.filter(user=joiner).exists()
    assert enrollment("", organization, joiner).status_code == 200
