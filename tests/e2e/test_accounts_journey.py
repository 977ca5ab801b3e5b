"""What a person following the README does, through the gateway."""

from __future__ import annotations

import re
import time
import uuid

import jwt
import requests

from .conftest import DEMO_PASSWORD, GATEWAY, code_from_mail


def test_signup_login_refresh_and_me_through_the_gateway(gateway):
    org = gateway.signup(organization_name="Laboratório Ágil")
    me = gateway.wait_active(org["tokens"]["access"])
    assert me["organization"]["name"] == "Laboratório Ágil" and me["role"] == "owner"

    login = gateway.post(
        "/api/v1/auth/token",
        {
            "organization": org["organization"]["slug"],
            "email": org["email"],
            "password": org["password"],
        },
    )
    assert login.status_code == 200
    refreshed = gateway.post("/api/v1/auth/refresh", {"refresh": login.json()["refresh"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh"] != login.json()["refresh"]
    me = gateway.get("/api/v1/me", refreshed.json()["access"])
    assert me.status_code == 200 and me.json()["email"] == org["email"]
    assert me.headers.get("X-Request-ID")


def test_the_access_token_verifies_against_the_published_jwks(gateway):
    org = gateway.signup()
    jwks = gateway.get("/.well-known/jwks.json").json()
    access = org["tokens"]["access"]
    kid = jwt.get_unverified_header(access)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(access, jwt.PyJWK(key).key, algorithms=["RS256"], audience="pocdex-api")
    assert claims["tid"] == org["organization"]["id"]


def test_owner_invites_a_member_who_accepts_from_the_mail_catcher(gateway, mailbox):
    org = gateway.signup(organization_name="Convites S.A.", locale="pt-BR")
    owner = org["tokens"]["access"]
    gateway.wait_active(owner)
    guest = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    unconfirmed = gateway.post("/api/v1/invitations", {"email": guest}, owner)
    assert unconfirmed.status_code == 403
    assert unconfirmed.json()["error"]["code"] == "email_unverified"
    gateway.confirm_email(mailbox, org["email"])
    assert gateway.post("/api/v1/invitations", {"email": guest}, owner).status_code == 201

    mail = mailbox.wait_for(to=guest)
    assert "Convites S.A." in mail["text"] and "Convites S.A." not in mail["subject"]
    accepted = gateway.post(
        "/api/v1/invitations/accept",
        {"token": code_from_mail(mail), "name": "Gil Guest", "password": "guest-password-2026"},
    )
    assert accepted.status_code == 200, accepted.text
    login = gateway.post(
        "/api/v1/auth/token",
        {
            "organization": org["organization"]["slug"],
            "email": guest,
            "password": "guest-password-2026",
        },
    )
    assert login.status_code == 200
    members = gateway.get("/api/v1/members", owner).json()["results"]
    assert {m["user"]["email"] for m in members} == {org["email"], guest}

    replay = gateway.post(
        "/api/v1/invitations/accept",
        {"token": code_from_mail(mail), "name": "X", "password": "guest-password-2026"},
    )
    assert replay.status_code == 410 and replay.json()["error"]["code"] == "invitation_used"


def test_staff_suspend_an_organization_in_the_back_office_and_its_tokens_stop_working(gateway):
    org = gateway.signup(organization_name="Suspensa Ltda")
    access = org["tokens"]["access"]
    gateway.wait_active(access)

    session = requests.Session()
    page = session.get(f"{GATEWAY}/admin/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    logged_in = session.post(
        f"{GATEWAY}/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": csrf,
            "username": "staff@pocdex.local",
            "password": DEMO_PASSWORD,
        },
        headers={"Referer": f"{GATEWAY}/admin/login/"},
        timeout=10,
    )
    assert logged_in.status_code == 200 and "/admin/logout/" in logged_in.text

    listing = session.get(
        f"{GATEWAY}/admin/organizations/organization/",
        params={"q": org["organization"]["slug"]},
        timeout=10,
    )
    assert "Suspensa Ltda" in listing.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing.text).group(1)
    done = session.post(
        f"{GATEWAY}/admin/organizations/organization/",
        data={
            "csrfmiddlewaretoken": csrf,
            "action": "suspend",
            "_selected_action": org["organization"]["id"],
        },
        headers={"Referer": listing.url},
        timeout=10,
    )
    assert done.status_code == 200

    # Other web processes may hold the organization in their two-second cache (ADR 0008).
    deadline = time.monotonic() + 3.0
    while True:
        me = gateway.get("/api/v1/me", access)
        if me.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert me.status_code == 403 and me.json()["error"]["code"] == "tenant_suspended"


def test_bad_input_through_the_gateway_gets_coded_errors(gateway):
    malformed = requests.post(
        f"{GATEWAY}/api/v1/signup",
        data="{not json",
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    huge = requests.post(
        f"{GATEWAY}/api/v1/signup",
        data="x" * (11 * 1024 * 1024),
        timeout=30,
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"
    forged = gateway.get("/api/v1/me", "not.a.jwt")
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "token_malformed"
    unknown = gateway.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
