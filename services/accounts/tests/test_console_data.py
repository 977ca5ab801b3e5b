"""The console's data pages: export with progress, deletion with re-authentication, restore.

The export runs in a real Celery worker (``worker``) against s3proxy, as in
``test_lgpd.py``; accounts' test settings list only accounts among the services,
so the archive holds accounts' part.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import requests
from django.test import Client
from django.utils import timezone

from identity.models import User
from lgpd.models import ExportStatus, OrganizationDeletion, OrganizationExport, PersonExport
from lgpd.people import person_export_start
from lgpd.services import export_start
from organizations.models import Membership, Organization
from pocdex_shared.tenancy.models import TenantStatus

from .conftest import PASSWORD
from .console_support import console_client, console_login

DATA_POSTS = ("/data/exports/", "/data/delete/")


def logged_in(team: dict[str, Any], who: str = "owner", *, csrf: bool = False) -> Client:
    """A browser logged in as ``who`` (a member's is an admin's session, demoted since);
    with ``csrf`` it posts without CSRF tokens."""
    person = "admin" if who == "member" else who
    client = console_login(console_client(team["slug"]), team[person].email)
    if who == "member":
        Membership.objects.filter(user=team["admin"]).update(role="member")
    if not csrf:
        return client
    strict = console_client(team["slug"], enforce_csrf_checks=True)
    strict.cookies = client.cookies
    return strict


def text(response: Any) -> str:
    return str(response.content.decode())


def status_of(team: dict[str, Any]) -> str:
    return str(Organization.objects.get(pk=team["organization"].pk).status)


def delete_form(team: dict[str, Any], **overrides: str) -> dict[str, str]:
    return {"password": PASSWORD, "otp": "", "confirmation": team["slug"], **overrides}


def owner_membership(team: dict[str, Any]) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=team["owner"])


# ------------------------------------------------------------------ access


@pytest.mark.django_db
def test_a_member_is_refused_and_admins_cannot_delete(console_team: dict[str, Any]) -> None:
    admin = logged_in(console_team, "admin")
    page = admin.get("/data/")
    assert page.status_code == 200 and "Only the owner can delete the organization." in text(page)
    assert admin.get("/data/delete/").status_code == 403
    assert admin.post("/data/delete/", delete_form(console_team)).status_code == 403
    assert status_of(console_team) != TenantStatus.SUSPENDED

    ours = export_start(actor=Membership.objects.get(user=console_team["owner"]))
    member = logged_in(console_team, "member")
    for path in ("/data/", f"/data/exports/{ours.id}/", "/data/delete/"):
        assert member.get(path).status_code == 403, path
    assert member.post("/data/exports/").status_code == 403
    assert member.post("/data/delete/", delete_form(console_team)).status_code == 403
    assert OrganizationExport.objects.filter(organization=console_team["organization"]).count() == 1
    assert status_of(console_team) != TenantStatus.SUSPENDED


@pytest.mark.django_db
def test_posts_without_a_csrf_token_are_refused(console_team: dict[str, Any]) -> None:
    client = logged_in(console_team, csrf=True)
    for path in DATA_POSTS:
        assert client.post(path, delete_form(console_team)).status_code == 403, path
    assert client.post("/data/restore/", {"email": "x@example.com"}).status_code == 403
    assert not OrganizationExport.objects.filter(organization=console_team["organization"]).exists()
    assert status_of(console_team) != TenantStatus.SUSPENDED


@pytest.mark.django_db
def test_another_organizations_export_is_not_found_here(
    console_team: dict[str, Any], signup: Any
) -> None:
    other = signup()
    theirs = export_start(
        actor=Membership.objects.select_related("organization", "user").get(
            organization_id=other["organization"]["id"], role="owner"
        )
    )
    client = logged_in(console_team)
    assert client.get(f"/data/exports/{theirs.id}/").status_code == 404
    assert str(theirs.id) not in text(client.get("/data/"))


@pytest.mark.django_db
def test_a_running_export_is_polled_and_has_a_no_script_refresh_link(
    console_team: dict[str, Any],
) -> None:
    # No worker here: the export stays pending.
    client = logged_in(console_team)
    started = client.post("/data/exports/")
    assert started.status_code == 302 and started["Location"] == "/data/"
    export = OrganizationExport.objects.get(organization=console_team["organization"])
    fragment = text(client.get(f"/data/exports/{export.id}/"))
    assert f'data-poll-url="/data/exports/{export.id}/"' in fragment
    assert 'max="100" value="0"' in fragment and 'href="/data/">Refresh<' in fragment
    page = text(client.get("/data/"))
    assert "The export started." in page and "An export is running" in page
    # A second export while one runs is refused with the service's message.
    client.post("/data/exports/")
    assert "An export of this organization is running." in text(client.get("/data/"))
    assert OrganizationExport.objects.filter(organization=console_team["organization"]).count() == 1


# ------------------------------------------------------------------ export, for real


@pytest.fixture
def live_team(worker: Any, console_team: dict[str, Any]) -> dict[str, Any]:
    return console_team


def test_an_export_runs_and_its_archive_is_linked(live_team: dict[str, Any]) -> None:
    client = logged_in(live_team)
    assert client.post("/data/exports/").status_code == 302
    export = OrganizationExport.objects.get(organization=live_team["organization"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED):
            break
        time.sleep(0.2)
    assert export.status == ExportStatus.COMPLETED
    fragment = text(client.get(f"/data/exports/{export.id}/"))
    assert "data-poll-url" not in fragment and "Ready" in fragment
    link = fragment.split('class="button" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    archive = requests.get(link, timeout=10)
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    assert "Download the archive (zip)" in text(client.get("/data/"))


# ------------------------------------------------------------------ deletion and restore


@pytest.mark.django_db
def test_deletion_needs_the_password_the_code_and_the_typed_address(
    console_team: dict[str, Any],
) -> None:
    client = logged_in(console_team)
    empty = client.post("/data/delete/", {})
    assert empty.status_code == 400 and 'id="id_password-errors"' in text(empty)
    wrong_password = client.post("/data/delete/", delete_form(console_team, password="nope-nope"))
    assert wrong_password.status_code == 400
    assert "The password is not correct." in text(wrong_password)
    assert 'id="id_password-errors"' in text(wrong_password)
    wrong_slug = client.post("/data/delete/", delete_form(console_team, confirmation="other"))
    assert wrong_slug.status_code == 400
    assert "Type the organization&#x27;s address to confirm." in text(wrong_slug)
    assert 'aria-describedby="id_confirmation-help id_confirmation-errors"' in text(wrong_slug)

    owner = console_team["owner"]
    owner.totp_secret = pyotp.random_base32()
    owner.totp_enabled = True
    owner.save(update_fields=["totp_secret", "totp_enabled"])
    no_code = client.post("/data/delete/", delete_form(console_team))
    assert no_code.status_code == 400 and 'id="id_otp-errors"' in text(no_code)
    assert "Enter the code from your authenticator app." in text(no_code)
    assert status_of(console_team) != TenantStatus.SUSPENDED
    assert not OrganizationDeletion.objects.filter(organization=console_team["organization"])

    code = pyotp.TOTP(owner.totp_secret).now()
    done = client.post("/data/delete/", delete_form(console_team, otp=code))
    assert done.status_code == 302 and done["Location"] == "/data/"
    assert status_of(console_team) == TenantStatus.SUSPENDED
    assert OrganizationDeletion.objects.filter(organization=console_team["organization"]).exists()
    # The session ended with it; the host now says the organization is suspended.
    assert "_auth_user_id" not in client.session
    suspended = client.get("/data/")
    assert suspended.status_code == 403 and 'href="/data/restore/"' in text(suspended)
    assert "The organization will be deleted on" in text(suspended)


@pytest.mark.django_db
def test_the_owner_restores_during_the_grace_period_but_not_after(
    console_team: dict[str, Any], signup: Any
) -> None:
    client = logged_in(console_team)
    assert client.post("/data/delete/", delete_form(console_team)).status_code == 302
    browser = console_client(console_team["slug"])
    page = browser.get("/data/restore/")
    assert page.status_code == 200 and "is scheduled for deletion on" in text(page)

    # The admin, a wrong password and an owner of another organization cannot restore it.
    admin = browser.post(
        "/data/restore/", {"email": console_team["admin"].email, "password": PASSWORD}
    )
    assert admin.status_code == 400
    assert "Only the owner can restore the organization." in text(admin)
    wrong = browser.post(
        "/data/restore/", {"email": console_team["owner"].email, "password": "nope-nope"}
    )
    assert wrong.status_code == 400 and 'id="id_password-errors"' in text(wrong)
    stranger = signup()
    other = browser.post("/data/restore/", {"email": stranger["email"], "password": PASSWORD})
    assert other.status_code == 400
    assert status_of(console_team) == TenantStatus.SUSPENDED

    # After the grace period the purge owns it.
    OrganizationDeletion.objects.filter(organization=console_team["organization"]).update(
        purge_after=timezone.now() - timedelta(minutes=1)
    )
    late = browser.post(
        "/data/restore/", {"email": console_team["owner"].email, "password": PASSWORD}
    )
    assert late.status_code == 400 and "The grace period is over" in text(late)
    assert status_of(console_team) == TenantStatus.SUSPENDED

    OrganizationDeletion.objects.filter(organization=console_team["organization"]).update(
        purge_after=timezone.now() + timedelta(days=1)
    )
    back = browser.post(
        "/data/restore/", {"email": console_team["owner"].email, "password": PASSWORD}
    )
    assert back.status_code == 302 and back["Location"] == "/login/"
    assert status_of(console_team) != TenantStatus.SUSPENDED
    assert not OrganizationDeletion.objects.filter(organization=console_team["organization"])
    console_login(browser, console_team["owner"].email)
    assert browser.get("/data/").status_code == 200


@pytest.mark.django_db
def test_restore_is_throttled_like_a_login(console_team: dict[str, Any], settings: Any) -> None:
    settings.THROTTLES = {**settings.THROTTLES, "login_account": "2/300"}
    client = logged_in(console_team)
    client.post("/data/delete/", delete_form(console_team))
    browser = console_client(console_team["slug"])
    wrong = {"email": console_team["owner"].email, "password": "nope-nope"}
    for _attempt in range(2):
        refused = browser.post("/data/restore/", wrong)
        assert "Organization, email or password is not correct." in text(refused)
    throttled = browser.post(
        "/data/restore/", {"email": console_team["owner"].email, "password": PASSWORD}
    )
    assert throttled.status_code == 400 and "Too many requests" in text(throttled)
    assert status_of(console_team) == TenantStatus.SUSPENDED


# ------------------------------------------------------------------ a person's own data


@pytest.mark.django_db
def test_a_person_exports_their_own_data_and_sees_no_one_elses(
    console_team: dict[str, Any],
) -> None:
    theirs = person_export_start(user=console_team["admin"])
    client = logged_in(console_team)
    assert 'href="/data/me/"' in text(client.get("/data/"))
    started = client.post("/data/me/exports/")
    assert started.status_code == 302 and started["Location"] == "/data/me/"
    mine = PersonExport.objects.get(user=console_team["owner"])
    page = text(client.get("/data/me/"))
    assert "The export of your data started." in page and str(theirs.id) not in page
    fragment = text(client.get(f"/data/me/exports/{mine.id}/"))
    assert f'data-poll-url="/data/me/exports/{mine.id}/"' in fragment
    assert 'href="/data/me/">Refresh<' in fragment
    assert client.get(f"/data/me/exports/{theirs.id}/").status_code == 404
    client.post("/data/me/exports/")
    assert "An export of your data is running." in text(client.get("/data/me/"))
    assert PersonExport.objects.filter(user=console_team["owner"]).count() == 1


@pytest.mark.django_db
def test_a_person_deletes_their_account_unless_they_are_the_only_owner(
    console_team: dict[str, Any],
) -> None:
    owner = logged_in(console_team)
    refused = owner.post(
        "/data/me/delete/",
        {"password": PASSWORD, "confirmation": console_team["owner"].email},
    )
    assert refused.status_code == 400
    assert "You are the only owner of an organization with other members" in text(refused)
    assert f"<li>{console_team['slug']}</li>" in text(refused)
    assert User.objects.filter(pk=console_team["owner"].pk).exists()

    admin = logged_in(console_team, "admin")
    mistyped = admin.post("/data/me/delete/", {"password": PASSWORD, "confirmation": "x@y.z"})
    assert mistyped.status_code == 400 and 'id="id_confirmation-errors"' in text(mistyped)
    wrong = admin.post(
        "/data/me/delete/",
        {"password": "nope-nope", "confirmation": console_team["admin"].email},
    )
    assert wrong.status_code == 400 and 'id="id_password-errors"' in text(wrong)
    assert User.objects.filter(pk=console_team["admin"].pk).exists()

    done = admin.post(
        "/data/me/delete/",
        {"password": PASSWORD, "confirmation": console_team["admin"].email},
    )
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert not User.objects.filter(email=console_team["admin"].email).exists()
    assert "_auth_user_id" not in admin.session
    assert admin.get("/data/me/")["Location"].startswith("/login/")
    # The organization and its owner are untouched.
    assert status_of(console_team) != TenantStatus.SUSPENDED
    assert owner.get("/data/").status_code == 200


@pytest.mark.django_db
def test_personal_posts_need_csrf_and_a_member_is_refused(console_team: dict[str, Any]) -> None:
    strict = logged_in(console_team, csrf=True)
    assert strict.post("/data/me/exports/").status_code == 403
    refused = strict.post(
        "/data/me/delete/", {"password": PASSWORD, "confirmation": console_team["owner"].email}
    )
    assert refused.status_code == 403
    member = logged_in(console_team, "member")
    assert member.get("/data/me/").status_code == 403
    assert member.post("/data/me/exports/").status_code == 403
    assert not PersonExport.objects.exists()
