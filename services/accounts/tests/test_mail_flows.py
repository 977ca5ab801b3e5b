"""Email verification and password reset through real mail."""

from __future__ import annotations

import time
import uuid

import pytest
from rest_framework.test import APIClient

from identity.models import User
from pocdex_shared.testing.mail import code_from_mail

from .conftest import PASSWORD, auth


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


def test_signup_sends_a_verification_mail_that_verifies_the_email(worker, signup, mailbox):
    email = f"verify-{uuid.uuid4().hex[:8]}@example.com"
    org = signup(email=email)
    assert (
        auth(APIClient(), org["tokens"]["access"]).get("/api/v1/me").json()["email_verified"]
        is False
    )
    token = code_from_mail(mailbox.wait_for(to=email, subject_contains="Confirm"))
    assert (
        APIClient().post("/api/v1/auth/verify-email", {"token": token}, format="json").status_code
        == 204
    )
    assert User.objects.get(email=email).email_verified
    assert (
        auth(APIClient(), org["tokens"]["access"]).get("/api/v1/me").json()["email_verified"]
        is True
    )


@pytest.mark.django_db
def test_a_tampered_verification_token_is_refused():
    response = APIClient().post("/api/v1/auth/verify-email", {"token": "abc:def"}, format="json")
    assert response.status_code == 400 and error_code(response) == "verification_invalid"


def test_password_reset_does_not_reveal_whether_an_account_exists(worker, signup, mailbox):
    email = f"reset-{uuid.uuid4().hex[:8]}@example.com"
    signup(email=email)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    known_response = APIClient().post(
        "/api/v1/auth/password-reset", {"email": email}, format="json"
    )
    unknown_response = APIClient().post(
        "/api/v1/auth/password-reset", {"email": unknown}, format="json"
    )
    assert known_response.status_code == unknown_response.status_code == 202
    assert known_response.content == unknown_response.content
    mailbox.wait_for(to=email, subject_contains="Reset")
    time.sleep(0.5)
    assert mailbox.messages_to(unknown) == []


def test_password_reset_sets_a_new_password_once_and_ends_sessions(worker, signup, mailbox):
    email = f"reset2-{uuid.uuid4().hex[:8]}@example.com"
    org = signup(email=email)
    APIClient().post("/api/v1/auth/password-reset", {"email": email}, format="json")
    token = code_from_mail(mailbox.wait_for(to=email, subject_contains="Reset"))

    weak = APIClient().post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token, "new_password": "123"},
        format="json",
    )
    assert (
        weak.status_code == 400
        and weak.json()["error"]["fields"]["new_password"][0]["code"] == "password_weak"
    )

    new_password = "a-brand-new-passphrase-7"
    done = APIClient().post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token, "new_password": new_password},
        format="json",
    )
    assert done.status_code == 204
    again = APIClient().post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token, "new_password": PASSWORD},
        format="json",
    )
    assert again.status_code == 400 and error_code(again) == "reset_token_invalid"

    slug = org["organization"]["slug"]
    old = APIClient().post(
        "/api/v1/auth/token",
        {"organization": slug, "email": email, "password": PASSWORD},
        format="json",
    )
    new = APIClient().post(
        "/api/v1/auth/token",
        {"organization": slug, "email": email, "password": new_password},
        format="json",
    )
    assert (old.status_code, new.status_code) == (401, 200)
    refresh = APIClient().post(
        "/api/v1/auth/refresh", {"refresh": org["tokens"]["refresh"]}, format="json"
    )
    assert refresh.status_code == 401
