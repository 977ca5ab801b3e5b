from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from organizations.models import Membership, Organization
from pocdex_shared.events.models import OutboxEvent

from .conftest import PASSWORD, auth


def wait_until_active(slug: str, timeout: float = 10.0) -> Organization:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        organization = Organization.objects.get(slug=slug)
        if organization.status == "active":
            return organization
        time.sleep(0.05)
    raise AssertionError(f"{slug} did not become active: {organization.status}")


def field_codes(response, field: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [item["code"] for item in response.json()["error"]["fields"][field]]


def test_signup_creates_organization_owner_and_tokens_then_becomes_active(worker, signup):
    data = signup(organization_slug="acme-labs", organization_name="Acme Labs")
    assert data["organization"]["slug"] == "acme-labs"
    assert data["role"] == "owner"
    assert data["tokens"]["access"] and data["tokens"]["refresh"]
    organization = wait_until_active("acme-labs")
    assert organization.schema_name == "t_" + organization.id.hex
    assert Membership.objects.get(organization=organization).role == "owner"
    assert (
        OutboxEvent.objects.filter(topic="tenant.created", published_at__isnull=False).count() == 1
    )
    me = auth(APIClient(), data["tokens"]["access"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["organization"]["status"] == "active"


@pytest.mark.django_db
def test_signup_with_taken_slug_is_a_field_error(signup):
    signup(organization_slug="taken-one")
    response = APIClient().post(
        "/api/v1/signup",
        {
            "organization_name": "Other",
            "organization_slug": "taken-one",
            "owner_name": "X",
            "email": "x@example.com",
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field_codes(response, "organization_slug") == ["slug_taken"]
    assert Organization.objects.filter(slug="taken-one").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug,code",
    [
        ("admin", "slug_taken"),
        ("A_b", "slug_invalid"),
        ("ab", "slug_invalid"),
        ("-abc", "slug_invalid"),
        ("a--b", "slug_invalid"),
    ],
)
def test_signup_rejects_reserved_and_malformed_slugs(slug, code):
    response = APIClient().post(
        "/api/v1/signup",
        {
            "organization_name": "Other",
            "organization_slug": slug,
            "owner_name": "X",
            "email": "x@example.com",
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response, "organization_slug") == [code]


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["password123", "short", "12345678901", "Olga Owner"])
def test_signup_rejects_weak_or_common_passwords(password):
    response = APIClient().post(
        "/api/v1/signup",
        {
            "organization_name": "Weak",
            "organization_slug": "weak-pass",
            "owner_name": "Olga Owner",
            "email": "olga@example.com",
            "password": password,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(field_codes(response, "password")) == {"password_weak"}
    assert not Organization.objects.filter(slug="weak-pass").exists()


@pytest.mark.django_db
def test_signup_rejects_invalid_email():
    response = APIClient().post(
        "/api/v1/signup",
        {
            "organization_name": "Mail",
            "organization_slug": "bad-mail",
            "owner_name": "X",
            "email": "not-an-email",
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response, "email") == ["invalid"]


@pytest.mark.django_db
def test_existing_identity_adds_an_organization_only_with_its_password(signup):
    first = signup()
    wrong = APIClient().post(
        "/api/v1/signup",
        {
            "organization_name": "Second",
            "organization_slug": "second-org",
            "owner_name": "Olga",
            "email": first["email"],
            "password": "not-the-password-1",
        },
        format="json",
    )
    assert wrong.status_code == 400
    assert field_codes(wrong, "email") == ["email_registered"]
    second = signup(
        organization_slug="second-org", email=first["email"], password=first["password"]
    )
    assert second["user"]["id"] == first["user"]["id"]
    assert Membership.objects.filter(user_id=first["user"]["id"]).count() == 2


def test_a_signed_in_person_creates_another_organization_with_their_token_attached(worker, signup):
    """Apps send their access token on every request, sign-up included."""
    first = signup()
    wait_until_active(first["organization"]["slug"])
    client = auth(APIClient(), first["tokens"]["access"])
    response = client.post(
        "/api/v1/signup",
        {
            "organization_name": "Freela Dois",
            "organization_slug": f"freela-{first['organization']['slug']}",
            "owner_name": "Olga",
            "email": first["email"],
            "password": first["password"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    second = wait_until_active(response.json()["organization"]["slug"])
    assert str(second.id) != first["organization"]["id"]
    assert Membership.objects.filter(user_id=first["user"]["id"]).count() == 2


@pytest.mark.django_db
def test_signup_with_malformed_json_is_a_coded_400():
    response = APIClient().generic(
        "POST", "/api/v1/signup", '{"organization_name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


@pytest.mark.django_db
def test_signup_with_oversized_body_is_a_coded_413():
    body = '{"organization_name": "' + "a" * (300 * 1024) + '"}'
    response = APIClient().generic("POST", "/api/v1/signup", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_signup_with_wrong_types_is_a_field_error_not_a_500():
    response = APIClient().post(
        "/api/v1/signup",
        {
            "organization_name": ["x"],
            "organization_slug": 5,
            "owner_name": None,
            "email": {},
            "password": 1,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"organization_name", "owner_name", "email"}


@pytest.mark.django_db
def test_signup_body_that_is_not_an_object_is_a_coded_400():
    response = APIClient().post("/api/v1/signup", ["a", "list"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"validation_error", "malformed_json"}
