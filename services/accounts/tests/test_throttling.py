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


# A Bearer token of any organization moves the connection to that organization's
# schema before the view runs; the budgets below must not care.


def other_organization_tokens(signup, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Access tokens of ``count`` unrelated organizations (anyone can sign one up)."""
    return [signup()["tokens"]["access"] for _ in range(count)]


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
def test_login_budget_is_the_same_whatever_token_is_attached(signup, settings):
    settings.THROTTLES = {**settings.THROTTLES, "login_account": "3/300", "login_ip": "100/60"}
    victim = signup()
    tokens = other_organization_tokens(signup, 4)
    slug, email = victim["organization"]["slug"], victim["email"]

    def attempt(token: str, password: str) -> int:
        return (
            with_token(token)
            .post(
                "/api/v1/auth/token",
                {"organization": slug, "email": email, "password": password},
                format="json",
                REMOTE_ADDR="198.51.100.30",
            )
            .status_code
        )

    codes = [attempt(token, f"wrong-password-{n}") for n, token in enumerate(tokens[:3])]
    assert codes == [401, 401, 401]
    assert attempt(tokens[3], PASSWORD) == 429
    assert attempt(victim["tokens"]["access"], PASSWORD) == 429


@pytest.mark.django_db
def test_second_factor_guessing_budget_is_the_same_whatever_token_is_attached(signup, settings):
    import pyotp

    from identity.models import User

    settings.THROTTLES = {**settings.THROTTLES, "login_account": "3/300", "login_ip": "100/60"}
    victim = signup()
    secret = pyotp.random_base32()
    User.objects.filter(email=victim["email"]).update(totp_secret=secret, totp_enabled=True)
    tokens = other_organization_tokens(signup, 4)

    def attempt(token: str, otp: str) -> int:
        return (
            with_token(token)
            .post(
                "/api/v1/auth/token",
                {
                    "organization": victim["organization"]["slug"],
                    "email": victim["email"],
                    "password": PASSWORD,
                    "otp": otp,
                },
                format="json",
            )
            .status_code
        )

    valid = pyotp.TOTP(secret).now()
    wrong = f"{(int(valid) + 1) % 1_000_000:06d}"
    assert [attempt(token, wrong) for token in tokens[:3]] == [401, 401, 401]
    assert attempt(tokens[3], valid) == 429


@pytest.mark.django_db
def test_password_reset_budget_is_the_same_whatever_token_is_attached(signup, settings):
    settings.THROTTLES = {
        **settings.THROTTLES,
        "password_reset_account": "2/3600",
        "password_reset_ip": "100/60",
    }
    tokens = other_organization_tokens(signup, 3)
    statuses = [
        with_token(token)
        .post("/api/v1/auth/password-reset", {"email": "target@example.com"}, format="json")
        .status_code
        for token in tokens
    ]
    assert statuses == [202, 202, 429]


@pytest.mark.django_db
def test_signup_budget_is_the_same_whatever_token_is_attached(signup, settings):
    tokens = other_organization_tokens(signup, 2)
    settings.THROTTLES = {**settings.THROTTLES, "signup_ip": "1/3600"}

    def attempt(token: str, n: int) -> int:
        body = {
            "organization_name": "Budget",
            "organization_slug": f"budget-{n}",
            "owner_name": "B",
            "email": f"budget-{n}@example.com",
            "password": PASSWORD,
        }
        return (
            with_token(token)
            .post("/api/v1/signup", body, format="json", REMOTE_ADDR="198.51.100.40")
            .status_code
        )

    assert [attempt(token, n) for n, token in enumerate(tokens)] == [201, 429]


def test_every_endpoint_open_to_anonymous_callers_ignores_an_attached_token():
    """Each view that lets anyone in goes back to the public schema before it runs."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.permissions import AllowAny

    from identity.endpoints import PublicEndpoint

    def views(patterns):  # type: ignore[no-untyped-def]
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    anonymous = [
        cls
        for cls in views(get_resolver().url_patterns)
        if cls.__module__.split(".")[0] in {"identity", "organizations", "tokens"}
        and (not cls.authentication_classes or AllowAny in cls.permission_classes)
    ]
    assert len(anonymous) >= 9
    assert [cls.__name__ for cls in anonymous if not issubclass(cls, PublicEndpoint)] == []


@pytest.mark.django_db
def test_a_person_in_two_organizations_has_one_budget_for_verification_mails(signup, settings):
    """Authenticated budgets are per person, not per organization of the token used."""
    from organizations.models import Membership

    settings.THROTTLES = {**settings.THROTTLES, "password_reset_account": "2/3600"}
    first, second = signup(), signup()
    Membership.objects.create(
        organization_id=second["organization"]["id"], user_id=first["user"]["id"], role="member"
    )
    in_second = login(second["organization"]["slug"], first["email"], PASSWORD).json()["access"]
    tokens = [first["tokens"]["access"], in_second] * 2
    statuses = [with_token(token).post("/api/v1/me/verify-email").status_code for token in tokens]
    assert statuses == [202, 202, 429, 429]


@pytest.mark.django_db
def test_second_factor_guesses_share_one_budget_across_the_persons_organizations(signup, settings):
    import pyotp

    from identity.models import User
    from organizations.models import Membership

    settings.THROTTLES = {
        **settings.THROTTLES,
        "login_account": "100/300",
        "login_ip": "100/60",
        "otp_account": "3/300",
    }
    first, second = signup(), signup()
    Membership.objects.create(
        organization_id=second["organization"]["id"], user_id=first["user"]["id"], role="member"
    )
    secret = pyotp.random_base32()
    User.objects.filter(email=first["email"]).update(totp_secret=secret, totp_enabled=True)

    def attempt(org, otp: str) -> int:  # type: ignore[no-untyped-def]
        return (
            APIClient()
            .post(
                "/api/v1/auth/token",
                {
                    "organization": org["organization"]["slug"],
                    "email": first["email"],
                    "password": PASSWORD,
                    "otp": otp,
                },
                format="json",
            )
            .status_code
        )

    valid = pyotp.TOTP(secret).now()
    wrong = f"{(int(valid) + 1) % 1_000_000:06d}"
    assert [attempt(first, wrong), attempt(second, wrong), attempt(first, wrong)] == [401] * 3
    assert attempt(second, valid) == 429
