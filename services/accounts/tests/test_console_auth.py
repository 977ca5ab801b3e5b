"""The owner console's foundation: hosts, login, sessions, headers (ADR 0046).

Requests carry the Host ``<slug>.localhost`` (the test settings' public base
domain), as the gateway forwards them. The access rules are checked on two
probe pages (``tests/console_probe_urls.py``) so they do not depend on any area.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from console.access import SESSION_LAST_SEEN, SESSION_ORGANIZATION
from console.auth.views import SESSION_PENDING
from identity.models import User
from identity.services import totp_confirm, totp_start
from organizations.models import Membership, Organization
from pocdex_shared.tenancy.models import TenantStatus

from .conftest import PASSWORD
from .console_support import console_client, console_login

WRONG = "Email or password is not correct."


@pytest.fixture(autouse=True)
def _probe_pages(settings: Any) -> None:
    settings.CONSOLE_HOST_URLCONF = "tests.console_probe_urls"


def enable_totp(user: User) -> tuple[str, list[str]]:
    """Two-factor on for ``user``: its secret and its recovery codes."""
    secret = str(totp_start(user=user)["secret"])
    codes = totp_confirm(user=user, code=pyotp.TOTP(secret).now())
    return secret, codes


def next_code(secret: str) -> str:
    """The code of the next 30-second step (accepted for clock drift; the current one is spent)."""
    return str(pyotp.TOTP(secret).at(time.time() + 30))


def page(response: Any) -> str:
    return str(response.content.decode())


# Hosts -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_organization_host_serves_the_console_and_not_the_admin(
    console_team: dict[str, Any],
) -> None:
    client = console_client(console_team["slug"])
    login = client.get("/login/")
    assert login.status_code == 200
    assert login["Content-Type"].startswith("text/html")
    assert console_team["organization"].name in page(login)
    assert 'name="password"' in page(login)
    for path in ("/admin/", "/admin/login/"):
        admin = client.get(path)
        assert admin.status_code == 404, path
        assert "There is no such page" in page(admin)
    # The API host still has the admin.
    assert Client().get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_the_platforms_own_hosts_are_not_organization_hosts() -> None:
    admin = Client(HTTP_HOST="admin.localhost").get("/admin/login/")
    assert admin.status_code == 200 and "Content-Security-Policy" in admin
    assert "form-action 'self';" in admin["Content-Security-Policy"]  # the admin's own policy
    api = Client(HTTP_HOST="api.localhost:8000").get("/login/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_the_api_keys_and_health_still_answer_on_the_organization_host(
    console_team: dict[str, Any],
) -> None:
    client = console_client(console_team["slug"])
    assert client.get("/healthz").status_code == 200
    keys = client.get("/.well-known/jwks.json")
    assert keys.status_code == 200 and keys.json()["keys"]
    token = client.post(
        "/api/v1/auth/token",
        {
            "organization": console_team["slug"],
            "email": console_team["owner"].email,
            "password": PASSWORD,
        },
        content_type="application/json",
    )
    assert token.status_code == 200 and token.json()["access"]
    missing = client.get("/api/v1/no-such-route")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "Content-Security-Policy" not in token  # the API keeps its own headers


@pytest.mark.django_db
def test_an_unknown_slug_is_a_not_found_page(console_team: dict[str, Any]) -> None:
    client = console_client("no-such-organization")
    for path in ("/login/", "/probe/", "/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("text/html")
        assert "no organization at this address" in page(response)


@pytest.mark.django_db
def test_a_suspended_organization_says_so_and_lets_nobody_in(
    console_team: dict[str, Any],
) -> None:
    client = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    Organization.objects.filter(pk=console_team["organization"].pk).update(
        status=TenantStatus.SUSPENDED
    )
    for response in (client.get("/probe/"), console_client(console_team["slug"]).get("/login/")):
        assert response.status_code == 403
        assert "This organization is suspended" in page(response)
        assert 'href="/data/restore/"' in page(response)
    assert client.get("/data/restore/").status_code == 200  # the public restore page


# Login -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_needs_a_login_and_comes_back_after_it(console_team: dict[str, Any]) -> None:
    client = console_client(console_team["slug"])
    response = client.get("/probe/?tab=1")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fprobe%2F%3Ftab%3D1"
    logged_in = client.post(
        "/login/",
        {"email": console_team["owner"].email, "password": PASSWORD, "next": "/probe/?tab=1"},
    )
    assert logged_in.status_code == 302 and logged_in["Location"] == "/probe/?tab=1"
    probe = client.get("/probe/")
    assert probe.status_code == 200
    assert page(probe) == f"{console_team['slug']} {console_team['owner'].email} owner"


@pytest.mark.django_db
def test_login_never_sends_the_person_to_another_site(console_team: dict[str, Any]) -> None:
    client = console_client(console_team["slug"])
    response = client.post(
        "/login/",
        {
            "email": console_team["owner"].email,
            "password": PASSWORD,
            "next": "https://evil.example/steal",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_admins_get_in_and_owner_pages_refuse_them(console_team: dict[str, Any]) -> None:
    client = console_login(console_client(console_team["slug"]), console_team["admin"].email)
    assert page(client.get("/probe/")).endswith(" admin")
    refused = client.get("/probe/owners/")
    assert refused.status_code == 403
    assert "Only the organization's owners" in page(refused)
    owner = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    assert owner.get("/probe/owners/").status_code == 200


@pytest.mark.django_db
def test_a_member_is_refused_after_a_correct_password_only(console_team: dict[str, Any]) -> None:
    client = console_client(console_team["slug"])
    email = console_team["member"].email
    wrong = client.post("/login/", {"email": email, "password": "not-the-password-1"})
    assert wrong.status_code == 401 and WRONG in page(wrong)
    refused = client.post("/login/", {"email": email, "password": PASSWORD})
    assert refused.status_code == 403
    assert "only for its owners and admins" in page(refused)
    assert "_auth_user_id" not in client.session
    assert client.get("/probe/").status_code == 302


@pytest.mark.django_db
def test_a_member_whose_session_predates_a_demotion_is_refused(
    console_team: dict[str, Any],
) -> None:
    client = console_login(console_client(console_team["slug"]), console_team["admin"].email)
    Membership.objects.filter(user=console_team["admin"]).update(role="member")
    refused = client.get("/probe/")
    assert refused.status_code == 403 and 'action="/logout/"' in page(refused)


@pytest.mark.django_db
def test_a_wrong_password_and_a_stranger_get_the_same_answer(
    console_team: dict[str, Any], signup: Any
) -> None:
    other = signup()  # an owner of another organization, with the right password for it
    client = console_client(console_team["slug"])
    wrong = client.post("/login/", {"email": console_team["owner"].email, "password": "x" * 12})
    stranger = client.post("/login/", {"email": other["email"], "password": PASSWORD})
    nobody = client.post("/login/", {"email": "nobody@example.com", "password": PASSWORD})
    for response in (wrong, stranger, nobody):
        assert response.status_code == 401
        assert WRONG in page(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_inactive_person_cannot_log_in(console_team: dict[str, Any]) -> None:
    User.objects.filter(pk=console_team["owner"].pk).update(is_active=False)
    client = console_client(console_team["slug"])
    response = client.post("/login/", {"email": console_team["owner"].email, "password": PASSWORD})
    assert response.status_code == 401 and WRONG in page(response)


@pytest.mark.django_db
def test_an_incomplete_form_says_what_is_missing(console_team: dict[str, Any]) -> None:
    response = console_client(console_team["slug"]).post("/login/", {"email": "not-an-email"})
    assert response.status_code == 400
    body = page(response)
    assert 'aria-describedby="id_email-errors"' in body
    assert 'aria-describedby="id_password-errors"' in body
    assert 'aria-invalid="true"' in body


# Two-factor ------------------------------------------------------------------


@pytest.mark.django_db
def test_with_two_factor_on_the_login_asks_for_a_code(console_team: dict[str, Any]) -> None:
    secret, _codes = enable_totp(console_team["owner"])
    client = console_client(console_team["slug"])
    step = client.post(
        "/login/",
        {"email": console_team["owner"].email, "password": PASSWORD, "next": "/probe/"},
    )
    assert step.status_code == 302 and step["Location"] == "/login/code/"
    assert client.get("/probe/").status_code == 302  # not logged in yet
    assert client.get("/login/code/").status_code == 200
    bad = client.post("/login/code/", {"code": "000000"})
    assert bad.status_code == 401 and "The code is not valid." in page(bad)
    good = client.post("/login/code/", {"code": next_code(secret)})
    assert good.status_code == 302 and good["Location"] == "/probe/"
    assert client.get("/probe/").status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_opens_the_console_once(console_team: dict[str, Any]) -> None:
    _secret, codes = enable_totp(console_team["owner"])
    email = console_team["owner"].email
    first = console_client(console_team["slug"])
    first.post("/login/", {"email": email, "password": PASSWORD})
    assert first.post("/login/code/", {"code": codes[0]}).status_code == 302
    assert first.get("/probe/").status_code == 200
    second = console_client(console_team["slug"])
    second.post("/login/", {"email": email, "password": PASSWORD})
    again = second.post("/login/code/", {"code": codes[0]})
    assert again.status_code == 401
    assert second.get("/probe/").status_code == 302


@pytest.mark.django_db
def test_the_code_step_needs_the_password_step_of_this_host(
    console_team: dict[str, Any], signup: Any
) -> None:
    enable_totp(console_team["owner"])
    skipped = console_client(console_team["slug"]).get("/login/code/")
    assert skipped.status_code == 302 and skipped["Location"] == "/login/"
    # The password step passed on this host does not carry to another organization's host.
    other = Organization.objects.get(pk=signup()["organization"]["id"])
    Membership.objects.create(organization=other, user=console_team["owner"], role="owner")
    client = console_client(console_team["slug"])
    client.post("/login/", {"email": console_team["owner"].email, "password": PASSWORD})
    elsewhere = Client(HTTP_HOST=f"{other.slug}.localhost")
    elsewhere.cookies = client.cookies
    moved = elsewhere.get("/login/code/")
    assert moved.status_code == 302 and moved["Location"] == "/login/"


@pytest.mark.django_db
def test_the_code_step_expires_after_five_minutes(console_team: dict[str, Any]) -> None:
    secret, _codes = enable_totp(console_team["owner"])
    client = console_client(console_team["slug"])
    client.post("/login/", {"email": console_team["owner"].email, "password": PASSWORD})
    session = client.session
    pending = session[SESSION_PENDING]
    session[SESSION_PENDING] = {**pending, "at": pending["at"] - 301}
    session.save()
    late = client.post("/login/code/", {"code": next_code(secret)})
    assert late.status_code == 302 and late["Location"] == "/login/"
    assert client.get("/probe/").status_code == 302


@pytest.mark.django_db
def test_a_member_with_two_factor_is_refused_after_the_code(console_team: dict[str, Any]) -> None:
    secret, _codes = enable_totp(console_team["member"])
    client = console_client(console_team["slug"])
    client.post("/login/", {"email": console_team["member"].email, "password": PASSWORD})
    refused = client.post("/login/code/", {"code": next_code(secret)})
    assert refused.status_code == 403
    assert "only for its owners and admins" in page(refused)
    assert client.get("/probe/").status_code == 302


@pytest.mark.django_db
def test_an_organization_requiring_two_factor_turns_away_a_person_without_it(
    console_team: dict[str, Any],
) -> None:
    # A member (owners and admins turn it on at the login: test_console_enroll.py).
    Organization.objects.filter(pk=console_team["organization"].pk).update(two_factor_required=True)
    client = console_client(console_team["slug"])
    response = client.post("/login/", {"email": console_team["member"].email, "password": PASSWORD})
    assert response.status_code == 403
    assert "requires two-factor authentication" in page(response)
    assert client.get("/probe/").status_code == 302


# Throttling ------------------------------------------------------------------


@pytest.mark.django_db
def test_login_is_throttled_per_account(console_team: dict[str, Any], settings: Any) -> None:
    settings.THROTTLES = {**settings.THROTTLES, "login_account": "3/300", "login_ip": "100/60"}
    email = console_team["owner"].email
    statuses = [
        console_client(console_team["slug"])
        .post(
            "/login/",
            {"email": email, "password": f"wrong-{n}-password"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        .status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 401]
    blocked = console_client(console_team["slug"]).post(
        "/login/", {"email": email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.99"
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in page(blocked)


@pytest.mark.django_db
def test_login_is_throttled_per_address(console_team: dict[str, Any], settings: Any) -> None:
    settings.THROTTLES = {**settings.THROTTLES, "login_ip": "2/60", "login_account": "100/300"}
    client = console_client(console_team["slug"])
    statuses = [
        client.post(
            "/login/",
            {"email": f"p{n}@example.com", "password": "whatever-123"},
            REMOTE_ADDR="192.0.2.7",
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]
    elsewhere = client.post(
        "/login/",
        {"email": console_team["owner"].email, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.8",
    )
    assert elsewhere.status_code == 302


# Sessions --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_of_one_organization_is_worthless_on_another_host(
    console_team: dict[str, Any], signup: Any
) -> None:
    # The same person owns both organizations: only the host tells them apart.
    other = Organization.objects.get(pk=signup()["organization"]["id"])
    Membership.objects.create(organization=other, user=console_team["owner"], role="owner")
    client = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    assert client.get("/probe/").status_code == 200
    replay = Client(HTTP_HOST=f"{other.slug}.localhost")
    replay.cookies = client.cookies
    response = replay.get("/probe/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/probe/").status_code == 200  # still good on its own host


@pytest.mark.django_db
def test_the_session_key_changes_at_login(console_team: dict[str, Any]) -> None:
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client = console_client(console_team["slug"])
    client.cookies[django_settings.SESSION_COOKIE_NAME] = planted.session_key
    console_login(client, console_team["owner"].email)
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value != planted.session_key
    assert not SessionStore(session_key=planted.session_key).exists(planted.session_key)


@pytest.mark.django_db
def test_an_idle_session_expires(console_team: dict[str, Any], settings: Any) -> None:
    settings.CONSOLE_SESSION_IDLE_SECONDS = 3600
    client = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    assert client.get("/probe/").status_code == 200
    session = client.session
    assert session.get_expiry_age() == 3600
    session[SESSION_LAST_SEEN] = time.time() - 3601
    session.save()
    response = client.get("/probe/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert SESSION_ORGANIZATION not in client.session


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(console_team: dict[str, Any]) -> None:
    client = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    assert client.get("/logout/").status_code == 405
    assert client.get("/probe/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/probe/").status_code == 302
    assert "You are logged out." in page(client.get("/login/"))


@pytest.mark.django_db
def test_posts_without_a_csrf_token_are_refused(console_team: dict[str, Any]) -> None:
    client = console_client(console_team["slug"], enforce_csrf_checks=True)
    refused = client.post("/login/", {"email": console_team["owner"].email, "password": PASSWORD})
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    # The same browser, with the token from the form, gets in; its logout needs the token too.
    form = client.get("/login/")
    token = form.cookies[django_settings.CSRF_COOKIE_NAME].value
    logged_in = client.post(
        "/login/",
        {"email": console_team["owner"].email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert logged_in.status_code == 302
    assert client.post("/logout/").status_code == 403
    assert client.get("/probe/").status_code == 200


# Headers and cookies ---------------------------------------------------------


@pytest.mark.django_db
def test_console_pages_carry_a_strict_policy_and_are_not_cached(
    console_team: dict[str, Any],
) -> None:
    client = console_client(console_team["slug"])
    for response in (client.get("/login/"), client.get("/probe/"), client.get("/nope/")):
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["img-src"] == "'self' data:"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["form-action"].split() == [
            "'self'",
            "https://checkout.stripe.com",
            "https://billing.stripe.com",
        ]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cache-Control"] == "no-store"
    body = page(client.get("/login/"))
    assert "<style" not in body and "style=" not in body
    assert "<script>" not in body and " onclick=" not in body


@pytest.mark.django_db
def test_the_form_action_origins_are_a_setting(console_team: dict[str, Any], settings: Any) -> None:
    settings.CONSOLE_FORM_ACTION_ORIGINS = ["https://pay.example"]
    policy = console_client(console_team["slug"]).get("/login/")["Content-Security-Policy"]
    assert "form-action 'self' https://pay.example;" in policy


@pytest.mark.django_db
def test_the_session_cookie_is_host_only_http_only_lax_and_secure_in_production(
    console_team: dict[str, Any], settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = console_client(console_team["slug"])
    response = client.post(
        "/login/",
        {"email": console_team["owner"].email, "password": PASSWORD},
        **{"wsgi.url_scheme": "https"},
    )
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["domain"] == ""
    assert int(cookie["max-age"]) == django_settings.CONSOLE_SESSION_IDLE_SECONDS


# Language --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_language_switch_sets_the_cookie_and_goes_back(
    console_team: dict[str, Any],
) -> None:
    client = console_client(console_team["slug"])
    assert '<html lang="en">' in page(client.get("/login/"))
    response = client.post("/language/", {"language": "pt-br", "next": "/login/?next=/probe/"})
    assert response.status_code == 302 and response["Location"] == "/login/?next=/probe/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    portuguese = page(client.get("/login/"))
    assert '<html lang="pt-BR">' in portuguese
    assert "Entrar" in portuguese
    refused = client.post("/language/", {"language": "fr", "next": "/login/"})
    assert refused.status_code == 400
    away = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert away.status_code == 302 and away["Location"] == "/"


@pytest.mark.django_db
def test_the_layout_has_landmarks_navigation_and_logout(console_team: dict[str, Any]) -> None:
    client = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    body = page(client.get("/probe/page/?nav=members"))
    assert 'class="skip-link" href="#main"' in body
    assert '<main id="main"' in body and "<header" in body and "<nav" in body
    assert 'role="status"' in body
    assert 'action="/logout/"' in body and 'action="/language/"' in body
    assert console_team["organization"].name in body
    current = [line for line in body.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and 'href="/members/"' in current[0]
    anonymous = page(console_client(console_team["slug"]).get("/login/"))
    assert "<nav" not in anonymous and 'action="/logout/"' not in anonymous


@pytest.mark.django_db
def test_expired_sessions_are_swept_on_the_beat(console_team: dict[str, Any]) -> None:
    from config.celery import app as celery_app
    from console.tasks import sessions_sweep

    live = console_login(console_client(console_team["slug"]), console_team["owner"].email)
    stale = console_login(console_client(console_team["slug"]), console_team["admin"].email)
    stale_key = stale.cookies[django_settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=stale_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert sessions_sweep() >= 1
    assert not Session.objects.filter(session_key=stale_key).exists()
    assert live.get("/probe/").status_code == 200
    assert celery_app.conf.beat_schedule["sessions-sweep"]["task"] == "accounts.sessions_sweep"
