"""The back office: platform staff see organizations and suspend or reactivate them."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from identity.models import User
from organizations.models import Organization
from pocdex_shared.events.models import OutboxEvent

from .conftest import auth


@pytest.fixture
def staff_client() -> Client:
    staff = User.objects.create_superuser("staff@example.com", "staff-password-123")
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.django_db
def test_staff_see_organizations_with_status_plan_and_member_count(staff_client, signup):
    org = signup(organization_name="Visible Org")
    page = staff_client.get("/admin/organizations/organization/?q=Visible")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Visible Org" in html and org["organization"]["slug"] in html
    assert "provisioning" in html.lower() or "active" in html.lower()
    filtered = staff_client.get("/admin/organizations/organization/?status__exact=suspended")
    assert "Visible Org" not in filtered.content.decode()


@pytest.mark.django_db
def test_staff_suspend_then_reactivate_an_organization_from_the_admin(staff_client, signup):
    org = signup()
    organization = Organization.objects.get(id=org["organization"]["id"])
    response = staff_client.post(
        "/admin/organizations/organization/",
        {"action": "suspend", "_selected_action": [str(organization.pk)]},
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == "suspended" and organization.suspended_at is not None
    assert (
        OutboxEvent.objects.filter(
            topic="tenant.updated", payload__status="suspended", tenant_id=organization.id
        ).count()
        == 1
    )
    me = auth(APIClient(), org["tokens"]["access"]).get("/api/v1/me")
    assert me.status_code == 403 and me.json()["error"]["code"] == "tenant_suspended"

    staff_client.post(
        "/admin/organizations/organization/",
        {"action": "reactivate", "_selected_action": [str(organization.pk)]},
    )
    organization.refresh_from_db()
    assert organization.status in {"active", "provisioning"} and organization.suspended_at is None


@pytest.mark.django_db
def test_people_without_staff_rights_cannot_open_the_back_office(signup):
    org = signup()
    client = Client()
    client.force_login(User.objects.get(email=org["email"]))
    response = client.get("/admin/organizations/organization/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_organizations_cannot_be_deleted_from_the_admin(staff_client, signup):
    org = signup()
    response = staff_client.get(
        f"/admin/organizations/organization/{org['organization']['id']}/delete/"
    )
    assert response.status_code == 403
    assert Organization.objects.filter(id=org["organization"]["id"]).exists()


STAFF_PASSWORD = "staff-password-123"


def admin_login(client: Client, email: str, password: str, ip: str = "203.0.113.9", **extra):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/", **extra},
        REMOTE_ADDR=ip,
    )


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_back_office_login_is_throttled_per_account_across_ips(settings):
    settings.THROTTLES = {
        **settings.THROTTLES,
        "admin_login_account": "3/300",
        "admin_login_ip": "100/60",
    }
    User.objects.create_superuser("boss@example.com", STAFF_PASSWORD)
    for n in range(3):
        wrong = admin_login(Client(), "boss@example.com", f"guess-{n}", ip=f"198.51.100.{n}")
        assert wrong.status_code == 200 and "correct email" in wrong.content.decode()
    client = Client()
    blocked = admin_login(client, "BOSS@example.com", STAFF_PASSWORD, ip="198.51.100.77")
    assert "Too many attempts" in blocked.content.decode()
    assert not logged_in(client)


@pytest.mark.django_db
def test_the_back_office_login_is_throttled_per_ip_across_accounts(settings):
    settings.THROTTLES = {
        **settings.THROTTLES,
        "admin_login_account": "100/300",
        "admin_login_ip": "2/60",
    }
    User.objects.create_superuser("boss@example.com", STAFF_PASSWORD)
    for n in range(2):
        admin_login(Client(), f"someone-{n}@example.com", "guess-123")
    client = Client()
    admin_login(client, "boss@example.com", STAFF_PASSWORD)
    assert not logged_in(client)
    elsewhere = Client()
    response = admin_login(elsewhere, "boss@example.com", STAFF_PASSWORD, ip="192.0.2.8")
    assert response.status_code == 302 and logged_in(elsewhere)


@pytest.mark.django_db
def test_staff_with_two_factor_need_a_fresh_code_to_open_the_back_office():
    import io
    import re

    import pyotp
    from django.core.management import call_command

    User.objects.create_superuser("boss@example.com", STAFF_PASSWORD)
    out = io.StringIO()
    call_command("staff_totp", "boss@example.com", stdout=out)
    secret = re.search(r"Secret: (\w+)", out.getvalue()).group(1)  # type: ignore[union-attr]
    call_command("staff_totp", "boss@example.com", "--code", pyotp.TOTP(secret).now(), stdout=out)
    assert User.objects.get(email="boss@example.com").totp_enabled

    without = Client()
    page = admin_login(without, "boss@example.com", STAFF_PASSWORD)
    assert "Enter the code" in page.content.decode() and not logged_in(without)
    wrong = Client()
    admin_login(wrong, "boss@example.com", STAFF_PASSWORD, otp="000000")
    assert not logged_in(wrong)

    code = str(pyotp.TOTP(secret).at(time.time() + 30))  # enrollment spent the current one
    first = Client()
    assert admin_login(first, "boss@example.com", STAFF_PASSWORD, otp=code).status_code == 302
    assert logged_in(first)
    again = Client()
    admin_login(again, "boss@example.com", STAFF_PASSWORD, otp=code)
    assert not logged_in(again)


@pytest.mark.django_db
def test_back_office_pages_carry_a_content_security_policy(staff_client):
    for page in (Client().get("/admin/login/"), staff_client.get("/admin/")):
        assert page.status_code == 200
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy
    assert 'name="otp"' in Client().get("/admin/login/").content.decode()
