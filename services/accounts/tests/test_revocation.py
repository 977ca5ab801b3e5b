"""Revoking access tokens: every way a session ends publishes ``tokens.revoked``.

Access tokens name their session (``sid``); logout and refresh-token reuse revoke
that session's tokens, a password reset every token of the person, a removal
or a role change the person's tokens in that organization. The event goes out
through the outbox with the change; accounts records it in its own deny list
when the transaction commits, and refuses the tokens at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import redis
from django.conf import settings
from django.core import signing
from rest_framework.test import APIClient

from identity.models import User
from identity.services import RESET_SALT, _reset_tokens
from organizations.models import Membership
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.tenancy import revocation
from tokens.models import RefreshFamily

from .conftest import PASSWORD, auth

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_deny_list() -> Iterator[None]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(revocation.KEY_PREFIX + "*"):
        client.delete(key)
    revocation.forget_local()
    yield
    revocation.forget_local()


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Any:
    """Run what waits for a commit (the test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def claims(access: str) -> dict[str, Any]:
    return dict(jwt.decode(access, options={"verify_signature": False}))


def revocations() -> list[dict[str, Any]]:
    return [
        dict(event.payload)
        for event in OutboxEvent.objects.filter(topic="tokens.revoked").order_by("created_at")
    ]


def me(access: str) -> Any:
    return auth(APIClient(), access).get("/api/v1/me")


def login(org: dict[str, Any], email: str | None = None) -> dict[str, Any]:
    response = APIClient().post(
        "/api/v1/auth/token",
        {
            "organization": org["organization"]["slug"],
            "email": email or org["email"],
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_an_access_token_names_its_session(signup: Any) -> None:
    org = signup()
    family = RefreshFamily.objects.get(user_id=org["user"]["id"])
    assert claims(org["tokens"]["access"])["sid"] == str(family.id)
    rotated = APIClient().post(
        "/api/v1/auth/refresh", {"refresh": org["tokens"]["refresh"]}, format="json"
    )
    assert claims(rotated.json()["access"])["sid"] == str(family.id)


def test_logout_revokes_that_sessions_access_tokens_only(signup: Any, commits: Any) -> None:
    org = signup()
    other_session = login(org)
    access = org["tokens"]["access"]
    family = RefreshFamily.objects.get(id=claims(access)["sid"])

    with commits():
        response = APIClient().post(
            "/api/v1/auth/logout", {"refresh": org["tokens"]["refresh"]}, format="json"
        )
    assert response.status_code == 204

    [payload] = revocations()
    assert payload == {
        "user_id": org["user"]["id"],
        "tenant_id": org["organization"]["id"],
        "family_id": str(family.id),
        "issued_before": payload["issued_before"],
        "reason": "logout",
    }
    assert payload["issued_before"] >= claims(access)["iat"]
    refused = me(access)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert me(other_session["access"]).status_code == 200


def test_logging_out_twice_publishes_once(signup: Any) -> None:
    org = signup()
    for _ in range(2):
        APIClient().post(
            "/api/v1/auth/logout", {"refresh": org["tokens"]["refresh"]}, format="json"
        )
    assert [p["reason"] for p in revocations()] == ["logout"]


def test_refresh_token_reuse_revokes_that_sessions_access_tokens(signup: Any, commits: Any) -> None:
    org = signup()
    first = org["tokens"]["refresh"]
    rotated = APIClient().post("/api/v1/auth/refresh", {"refresh": first}, format="json").json()

    with commits():
        reused = APIClient().post("/api/v1/auth/refresh", {"refresh": first}, format="json")
    assert reused.json()["error"]["code"] == "refresh_token_reused"

    [payload] = revocations()
    assert payload["reason"] == "refresh_reuse"
    assert payload["family_id"] == claims(rotated["access"])["sid"]
    assert payload["tenant_id"] == org["organization"]["id"]
    assert me(rotated["access"]).json()["error"]["code"] == "token_revoked"


def test_a_password_reset_revokes_every_token_of_the_person_everywhere(
    signup: Any, commits: Any
) -> None:
    org = signup()
    second_org = signup()
    user = User.objects.get(id=org["user"]["id"])
    Membership.objects.create(
        organization_id=second_org["organization"]["id"], user=user, role="member"
    )
    reset = signing.dumps({"u": str(user.id), "t": _reset_tokens.make_token(user)}, salt=RESET_SALT)
    access_tokens = [org["tokens"]["access"], login(second_org, email=org["email"])["access"]]

    with commits():
        done = APIClient().post(
            "/api/v1/auth/password-reset/confirm",
            {"token": reset, "new_password": "an-entirely-new-passphrase-9"},
            format="json",
        )
    assert done.status_code == 204

    [payload] = revocations()
    assert payload["user_id"] == str(user.id)
    assert (payload["tenant_id"], payload["family_id"]) == (None, None)
    assert payload["reason"] == "password_reset"
    assert [me(access).json()["error"]["code"] for access in access_tokens] == ["token_revoked"] * 2


def test_removing_a_member_revokes_their_tokens_in_that_organization(
    signup: Any, commits: Any
) -> None:
    org = signup()
    member = User.objects.create_user(f"m-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, name="Mia")
    membership = Membership.objects.create(
        organization_id=org["organization"]["id"], user=member, role="member"
    )

    with commits():
        removed = auth(APIClient(), org["tokens"]["access"]).delete(
            f"/api/v1/members/{membership.id}"
        )
    assert removed.status_code == 204

    [payload] = revocations()
    assert payload == {
        "user_id": str(member.id),
        "tenant_id": org["organization"]["id"],
        "family_id": None,
        "issued_before": payload["issued_before"],
        "reason": "member_removed",
    }


def test_a_role_change_revokes_the_old_role_and_the_next_refresh_carries_the_new_one(
    signup: Any, commits: Any
) -> None:
    org = signup()
    member = User.objects.create_user(f"r-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, name="Rui")
    membership = Membership.objects.create(
        organization_id=org["organization"]["id"], user=member, role="member"
    )
    session = login(org, email=member.email)

    with commits():
        changed = auth(APIClient(), org["tokens"]["access"]).patch(
            f"/api/v1/members/{membership.id}", {"role": "admin"}, format="json"
        )
    assert changed.status_code == 200, changed.content

    [payload] = revocations()
    assert payload["reason"] == "role_changed"
    assert (payload["user_id"], payload["tenant_id"], payload["family_id"]) == (
        str(member.id),
        org["organization"]["id"],
        None,
    )
    assert me(session["access"]).json()["error"]["code"] == "token_revoked"
    # The session survives: a refresh, even within the same second, is served.
    refreshed = (
        APIClient()
        .post("/api/v1/auth/refresh", {"refresh": session["refresh"]}, format="json")
        .json()
    )
    assert claims(refreshed["access"])["role"] == "admin"
    assert claims(refreshed["access"])["iat"] > payload["issued_before"]
    assert me(refreshed["access"]).status_code == 200


def test_a_login_right_after_a_password_reset_is_served(signup: Any, commits: Any) -> None:
    org = signup()
    with commits():
        revocation_entry = revocation.Revocation(
            user_id=org["user"]["id"],
            tenant_id=None,
            family_id=None,
            issued_before=int(claims(org["tokens"]["access"])["iat"]) + 5,
            reason="password_reset",
        )
        revocation.record(revocation_entry)
    fresh = login(org)
    assert claims(fresh["access"])["iat"] == revocation_entry.issued_before + 1
    assert me(fresh["access"]).status_code == 200
