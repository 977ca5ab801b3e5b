"""The back office: platform staff see organizations and suspend or reactivate them."""

from __future__ import annotations

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
