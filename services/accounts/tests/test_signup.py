from __future__ import annotations

import time
import uuid

import pytest
from rest_framework.test import APIClient

from identity.models import User
from organizations.models import Membership, Organization
from pocdex_shared.events.models import OutboxEvent
from tokens.models import RefreshFamily

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


def signup_body(**overrides):  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:8]
    return {
        "organization_name": f"Second {suffix}",
        "organization_slug": f"second-{suffix}",
        "owner_name": "Olga",
        "email": f"new-{suffix}@example.com",
        "password": PASSWORD,
        "locale": "en",
        **overrides,
    }


def test_signup_with_an_existing_email_checks_no_password_gives_no_tokens_and_mails_the_owner(
    worker, signup, mailbox
):
    first = signup()
    # TOTP on: signup used to hand out tokens for the right password regardless.
    User.objects.filter(email=first["email"]).update(totp_enabled=True, totp_secret="A" * 32)
    answers = [
        APIClient().post(
            "/api/v1/signup",
            signup_body(email=first["email"], password=password),
            format="json",
        )
        for password in (first["password"], "not-the-password-1")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json() == {"status": "mail_sent"}
    assert Membership.objects.filter(user_id=first["user"]["id"]).count() == 1
    assert Organization.objects.count() == 1
    assert RefreshFamily.objects.filter(user_id=first["user"]["id"]).count() == 1
    mail = mailbox.wait_for(to=first["email"], subject_contains="signed up")
    assert "Nothing was created" in mail["text"]
    assert "Second" not in mail["text"] + mail["subject"]  # no text chosen by the requester


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field,code",
    [
        ({"password": "password123"}, "password", "password_weak"),
        ({"password": "Olga Owner"}, "password", "password_weak"),
        ({"organization_slug": "admin"}, "organization_slug", "slug_taken"),
        ({"organization_slug": "a--b"}, "organization_slug", "slug_invalid"),
    ],
)
def test_signup_errors_are_the_same_whether_or_not_the_email_has_an_account(
    signup, change, field, code
):
    first = signup(owner_name="Olga Owner")
    known = APIClient().post(
        "/api/v1/signup",
        signup_body(email=first["email"], owner_name="Olga Owner", **change),
        format="json",
    )
    unknown = APIClient().post(
        "/api/v1/signup", signup_body(owner_name="Olga Owner", **change), format="json"
    )
    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()
    assert field_codes(known, field) == [code]


@pytest.mark.django_db
def test_signups_for_one_address_have_a_budget_whether_or_not_it_has_an_account(signup, settings):
    first = signup()
    settings.THROTTLES = {**settings.THROTTLES, "signup_account": "2/3600", "signup_ip": "100/60"}
    for email in (first["email"], "nobody-yet@example.com"):
        statuses = [
            APIClient().post("/api/v1/signup", signup_body(email=email), format="json").status_code
            for _ in range(3)
        ]
        assert statuses[2] == 429
    assert Organization.objects.count() == 2  # the first, and one for the new address


@pytest.mark.django_db
def test_a_logged_in_person_adds_an_organization_and_gets_tokens_for_it(signup):
    first = signup()
    other = signup()
    client = auth(APIClient(), first["tokens"]["access"])
    response = client.post(
        "/api/v1/organizations",
        {"organization_name": "Freela Dois", "organization_slug": "freela-dois"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "owner" and body["user"]["id"] == first["user"]["id"]
    assert body["organization"]["slug"] == "freela-dois"
    organization = Organization.objects.get(slug="freela-dois")
    assert organization.locale == "en"  # the person's language when none is given
    assert Membership.objects.filter(user_id=first["user"]["id"]).count() == 2
    assert OutboxEvent.objects.filter(topic="tenant.created", tenant_id=organization.id).exists()
    me = auth(APIClient(), body["tokens"]["access"]).get("/api/v1/me").json()
    assert me["organization"]["id"] == str(organization.id) and me["role"] == "owner"
    # The new organization's token sees its members only, not the first's or another's.
    members = auth(APIClient(), body["tokens"]["access"]).get("/api/v1/members").json()
    assert [m["user"]["email"] for m in members["results"]] == [first["email"]]
    assert not Membership.objects.filter(
        organization=organization, user_id=other["user"]["id"]
    ).exists()
    # The session the request came from goes on.
    assert client.get("/api/v1/me").json()["organization"]["id"] == first["organization"]["id"]


@pytest.mark.django_db
def test_adding_an_organization_needs_a_login_and_a_free_address(signup):
    first = signup()
    anonymous = APIClient().post(
        "/api/v1/organizations",
        {"organization_name": "X", "organization_slug": "needs-login"},
        format="json",
    )
    assert anonymous.status_code == 401
    taken = auth(APIClient(), first["tokens"]["access"]).post(
        "/api/v1/organizations",
        {"organization_name": "X", "organization_slug": first["organization"]["slug"]},
        format="json",
    )
    assert taken.status_code == 400 and field_codes(taken, "organization_slug") == ["slug_taken"]
    assert not Organization.objects.filter(slug="needs-login").exists()


def test_a_signed_in_person_signs_up_a_new_identity_with_their_token_attached(worker, signup):
    """Apps send their access token on every request, sign-up included."""
    first = signup()
    wait_until_active(first["organization"]["slug"])
    client = auth(APIClient(), first["tokens"]["access"])
    response = client.post("/api/v1/signup", signup_body(), format="json")
    assert response.status_code == 201, response.content
    second = wait_until_active(response.json()["organization"]["slug"])
    assert str(second.id) != first["organization"]["id"]
    assert response.json()["user"]["id"] != first["user"]["id"]


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
