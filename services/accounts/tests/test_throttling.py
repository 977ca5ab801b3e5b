from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .conftest import PASSWORD


def login(org: str, email: str, password: str, ip: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return APIClient().post(
        "/api/v1/auth/token",
        {"organization": org, "email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_login_is_throttled_per_account_even_across_ips(signup, settings):
    settings.THROTTLES = {**settings.THROTTLES, "login_account": "3/300", "login_ip": "100/60"}
    org = signup()
    slug, email = org["organization"]["slug"], org["email"]
    codes = [
        login(slug, email, "wrong-password-1", ip=f"198.51.100.{i}").status_code for i in range(3)
    ]
    assert codes == [401, 401, 401]
    blocked = login(slug, email, PASSWORD, ip="198.51.100.99")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0


@pytest.mark.django_db
def test_login_is_throttled_per_ip_across_accounts(signup, settings):
    settings.THROTTLES = {**settings.THROTTLES, "login_ip": "4/60", "login_account": "100/300"}
    statuses = [
        login("some-org", f"user{i}@example.com", "whatever-123").status_code for i in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    other_ip = login("some-org", "user@example.com", "whatever-123", ip="192.0.2.1")
    assert other_ip.status_code == 401


@pytest.mark.django_db
def test_password_reset_is_throttled_per_account(settings):
    settings.THROTTLES = {
        **settings.THROTTLES,
        "password_reset_account": "2/3600",
        "password_reset_ip": "100/60",
    }
    statuses = [
        APIClient()
        .post(
            "/api/v1/auth/password-reset",
            {"email": "target@example.com"},
            format="json",
            REMOTE_ADDR=f"192.0.2.{i}",
        )
        .status_code
        for i in range(3)
    ]
    assert statuses == [202, 202, 429]


@pytest.mark.django_db
def test_signup_is_throttled_per_ip(settings):
    settings.THROTTLES = {**settings.THROTTLES, "signup_ip": "1/3600"}
    body = {
        "organization_name": "A",
        "organization_slug": "throttle-a",
        "owner_name": "A",
        "email": "a@example.com",
        "password": PASSWORD,
    }
    assert APIClient().post("/api/v1/signup", body, format="json").status_code == 201
    again = APIClient().post(
        "/api/v1/signup",
        {**body, "organization_slug": "throttle-b", "email": "b@example.com"},
        format="json",
    )
    assert again.status_code == 429


@pytest.mark.django_db
def test_the_gateway_hop_decides_the_client_ip(signup, settings):
    settings.THROTTLES = {**settings.THROTTLES, "login_ip": "2/60", "login_account": "100/300"}

    def attempt(forwarded: str) -> int:
        return (
            APIClient()
            .post(
                "/api/v1/auth/token",
                {"organization": "x", "email": "a@example.com", "password": "whatever-123"},
                format="json",
                HTTP_X_FORWARDED_FOR=forwarded,
            )
            .status_code
        )

    # A client cannot dodge the limit by inventing X-Forwarded-For entries: the last hop counts.
    assert [attempt(f"10.0.0.{i}, 203.0.113.50") for i in range(3)] == [401, 401, 429]
