"""Two-factor enrollment at the console's login, for an owner or admin the rule keeps out.

An organization that requires two-factor refuses people without it; at the
console's login an owner or admin with the right password turns it on then and
there (``console.auth.enrollment``) and lands logged in. The access rules are
checked on the foundation's probe pages (``tests/console_probe_urls.py``).
"""

from __future__ import annotations

import html
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from django.test import Client

from console.auth.enrollment import ENROLL_SECONDS, SESSION_ENROLL, qr_image
from identity.models import RecoveryCode, User
from organizations.models import Membership, Organization, Role

from .conftest import PASSWORD
from .console_support import console_client, host_of

pytestmark = pytest.mark.django_db

ENROLL = "/login/two-factor/"


@pytest.fixture(autouse=True)
def _probe_pages(settings: Any) -> None:
    settings.CONSOLE_HOST_URLCONF = "tests.console_probe_urls"


@pytest.fixture
def team(console_team: dict[str, Any]) -> dict[str, Any]:
    """``console_team`` in an organization that requires two-factor, nobody having it on."""
    Organization.objects.filter(pk=console_team["organization"].pk).update(two_factor_required=True)
    return console_team


def page(response: Any) -> str:
    return str(response.content.decode())


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def password_step(client: Client, user: User, **extra: str) -> Any:
    return client.post("/login/", {"email": user.email, "password": PASSWORD, **extra})


def shown_secret(response: Any) -> str:
    """The key as the page shows it for typing, spaces included."""
    found = re.search(r'<code id="enroll-secret"[^>]*>([^<]+)</code>', page(response))
    assert found, page(response)[:3000]
    return found.group(1)


def shown_uri(response: Any) -> str:
    found = re.search(r'<a href="(otpauth://[^"]+)"', page(response))
    assert found, page(response)[:3000]
    return html.unescape(found.group(1))


def shown_codes(response: Any) -> list[str]:
    return re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", page(response))


def logged_in_as(client: Client) -> str | None:
    """The probe page's "<slug> <email> <role>" when the session opens the console, else None."""
    probe = client.get("/probe/")
    return page(probe) if probe.status_code == 200 else None


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_an_owner_or_admin_turns_two_factor_on_at_the_login_and_lands_logged_in(
    team: dict[str, Any], role: str
) -> None:
    person = team[role]
    client = console_client(team["slug"])
    step = password_step(client, person, next="/probe/")
    assert step.status_code == 302 and step["Location"] == ENROLL
    assert logged_in_as(client) is None
    # The proof of the password step is in the session; the password is nowhere.
    assert PASSWORD not in str(dict(client.session.items()))

    offered = client.get(ENROLL)
    assert offered.status_code == 200
    assert PASSWORD not in page(offered)
    grouped = shown_secret(offered)
    secret = grouped.replace(" ", "")
    assert secret == fresh(person).totp_secret and len(secret) >= 16
    assert all(len(group) == 4 for group in grouped.split(" ")[:-1])
    uri = shown_uri(offered)
    assert uri.startswith("otpauth://totp/")
    query = parse_qs(urlsplit(uri).query)
    assert query["secret"] == [secret] and query["issuer"] == ["Pocdex"]
    qr = qr_image(uri)
    assert qr["src"].startswith("data:image/svg+xml")
    assert qr["src"] in html.unescape(page(offered))
    assert f'width="{qr["size"]}"' in page(offered)
    # A reload shows the same key: the one already scanned keeps working.
    assert shown_secret(client.get(ENROLL)) == grouped
    assert not fresh(person).totp_enabled

    done = client.post(ENROLL, {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, page(done)[:3000]
    assert fresh(person).totp_enabled
    assert RecoveryCode.objects.filter(user=person).count() == 10
    assert len(set(shown_codes(done))) == 10
    assert 'href="/probe/"' in page(done)
    assert logged_in_as(client) == f"{team['slug']} {person.email} {role}"
    assert SESSION_ENROLL not in client.session


def test_a_wrong_code_keeps_two_factor_off_and_nobody_logged_in(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    password_step(client, team["admin"])
    secret = shown_secret(client.get(ENROLL)).replace(" ", "")
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    for code in (wrong, "not-a-code", "١٢٣٤٥٦"):
        refused = client.post(ENROLL, {"code": code})
        assert refused.status_code == 401
        assert "The code is not valid." in page(refused)
        assert 'aria-invalid="true"' in page(refused)
        # The same key is still shown, to try again.
        assert shown_secret(refused).replace(" ", "") == secret
    empty = client.post(ENROLL, {"code": ""})
    assert empty.status_code == 400
    assert not fresh(team["admin"]).totp_enabled
    assert not RecoveryCode.objects.filter(user=team["admin"]).exists()
    assert logged_in_as(client) is None


def test_the_recovery_codes_are_shown_once_and_each_logs_in_once(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    password_step(client, team["owner"], next="/probe/")
    secret = shown_secret(client.get(ENROLL)).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    done = client.post(ENROLL, {"code": code})
    assert "no-store" in done["Cache-Control"]  # no copy in a cache either
    codes = shown_codes(done)
    assert len(codes) == 10
    # Neither the page nor a replay of the form shows them again.
    again = client.get(ENROLL)
    replay = client.post(ENROLL, {"code": code})
    for response in (again, replay):
        assert response.status_code == 302
        assert not any(c in page(response) for c in codes)
    assert logged_in_as(client) is not None
    # The codes shown are the account's: one opens a new login, once.
    other = console_client(team["slug"])
    assert password_step(other, team["owner"])["Location"] == "/login/code/"
    assert other.post("/login/code/", {"code": codes[3]}).status_code == 302
    assert logged_in_as(other) is not None
    third = console_client(team["slug"])
    password_step(third, team["owner"])
    assert third.post("/login/code/", {"code": codes[3]}).status_code == 401


def test_the_enrollment_page_needs_the_password_step(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    for response in (client.get(ENROLL), client.post(ENROLL, {"code": "123456"})):
        assert response.status_code == 302 and response["Location"] == "/login/"
    assert fresh(team["admin"]).totp_secret == ""  # no key was made
    # A wrong password opens nothing either.
    wrong = client.post("/login/", {"email": team["admin"].email, "password": "not-the-password"})
    assert wrong.status_code == 401
    assert client.get(ENROLL).status_code == 302
    assert fresh(team["admin"]).totp_secret == ""


def test_the_password_step_does_not_open_the_enrollment_on_another_organizations_host(
    team: dict[str, Any], signup: Any
) -> None:
    # The same person is an admin of both; the other organization requires two-factor too.
    other = Organization.objects.get(pk=signup()["organization"]["id"])
    Organization.objects.filter(pk=other.pk).update(two_factor_required=True)
    Membership.objects.create(organization=other, user=team["admin"], role=Role.ADMIN)
    client = console_client(team["slug"])
    assert password_step(client, team["admin"])["Location"] == ENROLL
    elsewhere = Client(HTTP_HOST=host_of(other.slug))
    elsewhere.cookies = client.cookies
    for response in (elsewhere.get(ENROLL), elsewhere.post(ENROLL, {"code": "123456"})):
        assert response.status_code == 302 and response["Location"] == "/login/"
    assert fresh(team["admin"]).totp_secret == ""
    assert logged_in_as(elsewhere) is None


def test_the_password_step_counts_for_ten_minutes(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    password_step(client, team["admin"])
    session = client.session
    pending = session[SESSION_ENROLL]
    session[SESSION_ENROLL] = {**pending, "at": pending["at"] - (ENROLL_SECONDS - 30)}
    session.save()
    secret = shown_secret(client.get(ENROLL)).replace(" ", "")  # still open
    session = client.session
    pending = session[SESSION_ENROLL]
    session[SESSION_ENROLL] = {**pending, "at": time.time() - ENROLL_SECONDS - 1}
    session.save()
    late = client.post(ENROLL, {"code": pyotp.TOTP(secret).now()})
    assert late.status_code == 302 and late["Location"] == "/login/"
    assert not fresh(team["admin"]).totp_enabled
    assert client.get(ENROLL).status_code == 302
    assert logged_in_as(client) is None
    assert "the previous attempt expired" in page(client.get("/login/"))


def test_a_member_gets_the_refusal_page_and_no_enrollment(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    refused = password_step(client, team["member"])
    assert refused.status_code == 403
    text = html.unescape(page(refused))
    assert "requires two-factor authentication" in text
    assert "only for the organization's owners and admins" in text
    assert "POST /api/v1/auth/totp-enrollment" in text
    assert SESSION_ENROLL not in client.session
    assert client.get(ENROLL).status_code == 302
    assert fresh(team["member"]).totp_secret == ""


def test_an_admin_demoted_after_the_password_step_is_refused(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    password_step(client, team["admin"])
    Membership.objects.filter(organization=team["organization"], user=team["admin"]).update(
        role=Role.MEMBER
    )
    refused = client.get(ENROLL)
    assert refused.status_code == 403
    assert "requires two-factor authentication" in page(refused)
    assert SESSION_ENROLL not in client.session  # the password step is spent
    assert client.post(ENROLL, {"code": "123456"}).status_code == 302
    assert fresh(team["admin"]).totp_secret == ""
    assert not fresh(team["admin"]).totp_enabled
    assert logged_in_as(client) is None


def test_the_enrollment_ends_when_the_rule_is_lifted_meanwhile(team: dict[str, Any]) -> None:
    client = console_client(team["slug"])
    password_step(client, team["admin"])
    Organization.objects.filter(pk=team["organization"].pk).update(two_factor_required=False)
    response = client.get(ENROLL)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "not needed here any more" in page(client.get("/login/"))
    assert fresh(team["admin"]).totp_secret == ""


def test_the_first_codes_spend_the_code_steps_budget(team: dict[str, Any], settings: Any) -> None:
    settings.THROTTLES = {**settings.THROTTLES, "otp_account": "2/300"}
    client = console_client(team["slug"])
    password_step(client, team["admin"])
    secret = shown_secret(client.get(ENROLL)).replace(" ", "")
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    assert [client.post(ENROLL, {"code": wrong}).status_code for _ in range(2)] == [401, 401]
    blocked = client.post(ENROLL, {"code": pyotp.TOTP(secret).now()})
    assert blocked.status_code == 429
    assert "Too many attempts" in page(blocked)
    assert not fresh(team["admin"]).totp_enabled
    assert logged_in_as(client) is None


def test_the_password_step_keeps_the_logins_budget(team: dict[str, Any], settings: Any) -> None:
    settings.THROTTLES = {**settings.THROTTLES, "login_account": "1/300"}
    password_step(console_client(team["slug"]), team["admin"])
    again = password_step(console_client(team["slug"]), team["admin"])
    assert again.status_code == 429
    assert "Too many attempts" in page(again)


def test_the_first_code_needs_the_csrf_token(team: dict[str, Any]) -> None:
    client = console_client(team["slug"], enforce_csrf_checks=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(client.get("/login/")))
    assert token
    step = password_step(client, team["admin"], csrfmiddlewaretoken=token.group(1))
    assert step.status_code == 302 and step["Location"] == ENROLL
    offered = client.get(ENROLL)
    secret = shown_secret(offered).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    forged = client.post(ENROLL, {"code": code})
    assert forged.status_code == 403
    assert not fresh(team["admin"]).totp_enabled
    assert logged_in_as(client) is None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(offered))
    assert token
    done = client.post(ENROLL, {"code": code, "csrfmiddlewaretoken": token.group(1)})
    assert done.status_code == 200
    assert fresh(team["admin"]).totp_enabled
