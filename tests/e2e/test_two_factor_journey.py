"""An organization that requires two-factor, through the gateway, as the apps meet it: the
owner turns the rule on in the console (with two-factor on themselves first); a member who
was already in is signed out everywhere; one invited afterwards joins without tokens. Both
answer 403 `two_factor_required` at login, turn two-factor on with the public enrollment
endpoints (the apps' enrollment screen) and log in with a code, or with a recovery code once."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from pocdex_shared.testing.mail import code_from_mail
from pocdex_shared.testing.totp import Authenticator

from .test_console_billing_journey import ConsoleBrowser

PASSWORD = "member-password-2026"


def login(gateway: Any, slug: str, email: str, otp: str = "") -> requests.Response:
    body = {"organization": slug, "email": email, "password": PASSWORD}
    if otp:
        body["otp"] = otp
    return gateway.post("/api/v1/auth/token", body)


def invite_and_accept(gateway: Any, mailbox: Any, owner: str, name: str) -> tuple[str, Any]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    invited = gateway.post("/api/v1/invitations", {"email": email, "role": "member"}, owner)
    assert invited.status_code == 201, invited.text
    token = code_from_mail(mailbox.wait_for(to=email))
    accepted = gateway.post(
        "/api/v1/invitations/accept", {"token": token, "name": name, "password": PASSWORD}
    )
    return email, accepted


def enroll(gateway: Any, slug: str, email: str) -> tuple[Authenticator, list[str]]:
    """What the apps' enrollment screen does: a secret, then its first code."""
    body = {"organization": slug, "email": email, "password": PASSWORD}
    started = gateway.post("/api/v1/auth/totp-enrollment", body)
    assert started.status_code == 200, started.text
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    app = Authenticator(started.json()["secret"])
    wrong = gateway.post("/api/v1/auth/totp-enrollment/confirm", {**body, "code": app.wrong_code()})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "otp_invalid"
    confirmed = gateway.post("/api/v1/auth/totp-enrollment/confirm", {**body, "code": app.code()})
    assert confirmed.status_code == 200, confirmed.text
    return app, confirmed.json()["recovery_codes"]


def refused_within(gateway: Any, access: str, seconds: float = 10.0) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        answer = gateway.get("/api/v1/me", access)
        if answer.status_code == 401 or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_members_kept_out_by_the_two_factor_rule_enroll_and_log_in_with_a_code(
    gateway: Any, mailbox: Any
) -> None:
    org = gateway.signup()
    slug, owner = org["organization"]["slug"], org["tokens"]["access"]
    gateway.wait_active(owner)
    gateway.confirm_email(mailbox, org["email"])
    early_email, joined = invite_and_accept(gateway, mailbox, owner, "Edu")
    assert joined.status_code == 200, joined.text
    early_access = joined.json()["tokens"]["access"]
    assert gateway.get("/api/v1/me", early_access).status_code == 200

    # The owner turns two-factor on for themselves, then the rule, in the console.
    started = gateway.post("/api/v1/me/totp", {}, owner)
    assert started.status_code == 200, started.text
    owner_app = Authenticator(started.json()["secret"])
    confirmed = gateway.post("/api/v1/me/totp/confirm", {"code": owner_app.code()}, owner)
    assert confirmed.status_code == 200, confirmed.text
    console = ConsoleBrowser(gateway, slug)
    console.get("/login/")
    password = console.post("/login/", {"email": org["email"], "password": org["password"]})
    assert password.status_code == 302 and password.headers["Location"].endswith("/login/code/")
    console.get("/login/code/")
    code = console.post("/login/code/", {"code": owner_app.code()})
    assert code.status_code == 302, code.text
    console.get("/settings/")
    rule = console.post("/settings/two-factor", {"required": "on"})
    assert rule.status_code == 302, rule.text
    assert "Two-factor authentication is now required" in console.get("/settings/").text

    # The member already in is signed out everywhere, and kept out at login.
    refused = refused_within(gateway, early_access)
    assert refused.status_code == 401, refused.text
    kept_out = login(gateway, slug, early_email)
    assert kept_out.status_code == 403
    assert kept_out.json()["error"]["code"] == "two_factor_required"

    # Someone invited now joins, without tokens.
    late_email, joined_late = invite_and_accept(gateway, mailbox, owner, "Lia")
    assert joined_late.status_code == 403
    assert joined_late.json()["error"]["code"] == "two_factor_required"
    assert login(gateway, slug, late_email).json()["error"]["code"] == "two_factor_required"

    # Enrollment proves the password first, like a login.
    wrong_password = gateway.post(
        "/api/v1/auth/totp-enrollment",
        {"organization": slug, "email": late_email, "password": "not-the-password"},
    )
    assert wrong_password.status_code == 401
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"
    late_app, late_codes = enroll(gateway, slug, late_email)
    assert len(late_codes) == len(set(late_codes)) >= 8

    # Then a login asks for a code, and one lets them in.
    without = login(gateway, slug, late_email)
    assert without.status_code == 401 and without.json()["error"]["code"] == "otp_required"
    inside = login(gateway, slug, late_email, late_app.code())
    assert inside.status_code == 200, inside.text
    me = gateway.get("/api/v1/me", inside.json()["access"]).json()
    assert me["email"] == late_email and me["role"] == "member" and me["totp_enabled"]

    # The member who was in: enrolled too, then in with a recovery code, spent once.
    _early_app, early_codes = enroll(gateway, slug, early_email)
    recovered = login(gateway, slug, early_email, early_codes[0])
    assert recovered.status_code == 200, recovered.text
    again = login(gateway, slug, early_email, early_codes[0])
    assert again.status_code == 401 and again.json()["error"]["code"] == "otp_invalid"

    # Enrollment is only for people the rule keeps out.
    not_needed = gateway.post(
        "/api/v1/auth/totp-enrollment",
        {"organization": slug, "email": late_email, "password": PASSWORD},
    )
    assert not_needed.status_code == 409
    assert not_needed.json()["error"]["code"] == "two_factor_enrollment_not_needed"
