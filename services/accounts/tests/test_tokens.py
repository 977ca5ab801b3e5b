from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from typing import Any

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from rest_framework.test import APIClient

from identity.models import User
from tokens.keys import published_keys, rotate_signing_key, signing_key
from tokens.models import RefreshFamily

from .conftest import auth


def login(org: str, email: str, password: str, **extra: Any):  # type: ignore[no-untyped-def]
    return APIClient().post(
        "/api/v1/auth/token",
        {"organization": org, "email": email, "password": password, **extra},
        format="json",
    )


def me(access: str):  # type: ignore[no-untyped-def]
    return auth(APIClient(), access).get("/api/v1/me")


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


def claims_of(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    payload = jwt.decode(data["tokens"]["access"], options={"verify_signature": False})
    payload.update(changes)
    return payload


def sign(payload: dict[str, Any], **headers: Any) -> str:
    kid, key = signing_key()
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid, **headers})


@pytest.mark.django_db
def test_login_returns_rs256_access_token_with_expected_claims(signup):
    org = signup()
    response = login(org["organization"]["slug"], org["email"], org["password"])
    assert response.status_code == 200
    body = response.json()
    header = jwt.get_unverified_header(body["access"])
    assert header["alg"] == "RS256" and header["kid"] in {k.kid for k in published_keys()}
    claims = jwt.decode(body["access"], options={"verify_signature": False})
    assert claims["sub"] == org["user"]["id"]
    assert claims["tid"] == org["organization"]["id"]
    assert claims["role"] == "owner" and claims["typ"] == "access" and claims["aud"] == "pocdex-api"
    assert 540 <= claims["exp"] - claims["iat"] <= 660
    assert body["expires_in"] == 600 and body["token_type"] == "Bearer"
    assert me(body["access"]).json()["email"] == org["email"]


@pytest.mark.django_db
def test_login_errors_are_uniform_for_wrong_org_email_password_or_membership(signup):
    org = signup()
    other = signup()
    attempts = [
        login("no-such-org", org["email"], org["password"]),
        login(org["organization"]["slug"], "nobody@example.com", org["password"]),
        login(org["organization"]["slug"], org["email"], "wrong-password-123"),
        login(other["organization"]["slug"], org["email"], org["password"]),
    ]
    assert {r.status_code for r in attempts} == {401}
    assert {json.dumps(r.json()) for r in attempts} == {json.dumps(attempts[0].json())}
    assert error_code(attempts[0]) == "invalid_credentials"


@pytest.mark.django_db
def test_email_is_case_insensitive_at_login(signup):
    org = signup()
    assert (
        login(org["organization"]["slug"], org["email"].upper(), org["password"]).status_code == 200
    )


@pytest.mark.django_db
def test_refresh_rotates_and_reuse_of_a_used_token_revokes_the_family(signup):
    org = signup()
    first = org["tokens"]["refresh"]
    rotated = APIClient().post("/api/v1/auth/refresh", {"refresh": first}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()["refresh"]
    assert second != first
    reused = APIClient().post("/api/v1/auth/refresh", {"refresh": first}, format="json")
    assert reused.status_code == 401 and error_code(reused) == "refresh_token_reused"
    after = APIClient().post("/api/v1/auth/refresh", {"refresh": second}, format="json")
    assert after.status_code == 401 and error_code(after) == "refresh_token_invalid"
    assert RefreshFamily.objects.get().revoked_reason == "reuse"


def test_two_concurrent_refreshes_of_one_token_leave_no_usable_session(worker, signup):
    org = signup()
    token = org["tokens"]["refresh"]
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def refresh() -> None:
        barrier.wait()
        results.append(APIClient().post("/api/v1/auth/refresh", {"refresh": token}, format="json"))
        connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 401]
    winner = next(r for r in results if r.status_code == 200).json()["refresh"]
    loser = next(r for r in results if r.status_code == 401)
    assert error_code(loser) == "refresh_token_reused"
    after = APIClient().post("/api/v1/auth/refresh", {"refresh": winner}, format="json")
    assert after.status_code == 401
    assert RefreshFamily.objects.get(user_id=org["user"]["id"]).revoked_at is not None


@pytest.mark.django_db
def test_logout_revokes_the_family(signup):
    org = signup()
    refresh = org["tokens"]["refresh"]
    assert (
        APIClient().post("/api/v1/auth/logout", {"refresh": refresh}, format="json").status_code
        == 204
    )
    again = APIClient().post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")
    assert again.status_code == 401 and error_code(again) == "refresh_token_invalid"


@pytest.mark.django_db
def test_refresh_with_garbage_is_a_coded_401():
    response = APIClient().post("/api/v1/auth/refresh", {"refresh": "garbage"}, format="json")
    assert response.status_code == 401 and error_code(response) == "refresh_token_invalid"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.django_db
class TestForgedAccessTokens:
    def test_alg_none_is_rejected(self, signup):
        org = signup()
        kid, _ = signing_key()
        token = f"{_b64({'alg': 'none', 'kid': kid, 'typ': 'at+jwt'})}.{_b64(claims_of(org))}."
        response = me(token)
        assert response.status_code == 401 and error_code(response) == "token_algorithm_not_allowed"

    def test_hs256_signed_with_the_public_key_is_rejected(self, signup):
        org = signup()
        kid, private = signing_key()
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        header = _b64({"alg": "HS256", "kid": kid, "typ": "JWT"})
        body = _b64(claims_of(org))
        import hashlib
        import hmac

        signature = (
            base64.urlsafe_b64encode(
                hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
            )
            .rstrip(b"=")
            .decode()
        )
        response = me(f"{header}.{body}.{signature}")
        assert response.status_code == 401 and error_code(response) == "token_algorithm_not_allowed"

    def test_expired_token_is_rejected(self, signup):
        org = signup()
        now = int(time.time())
        response = me(sign(claims_of(org, iat=now - 4000, exp=now - 3000)))
        assert response.status_code == 401 and error_code(response) == "token_expired"

    def test_wrong_audience_is_rejected(self, signup):
        org = signup()
        response = me(sign(claims_of(org, aud="pocdex-media")))
        assert response.status_code == 401 and error_code(response) == "token_audience_invalid"

    def test_wrong_issuer_is_rejected(self, signup):
        org = signup()
        response = me(sign(claims_of(org, iss="https://evil.example")))
        assert response.status_code == 401 and error_code(response) == "token_issuer_invalid"

    def test_wrong_type_is_rejected(self, signup):
        org = signup()
        response = me(sign(claims_of(org, typ="service")))
        assert response.status_code == 401 and error_code(response) == "token_type_invalid"

    def test_unknown_kid_is_rejected(self, signup):
        org = signup()
        _, key = signing_key()
        token = jwt.encode(claims_of(org), key, algorithm="RS256", headers={"kid": "nope"})
        response = me(token)
        assert response.status_code == 401 and error_code(response) == "token_unknown_key"

    def test_a_refresh_token_is_not_an_access_token(self, signup):
        org = signup()
        response = me(org["tokens"]["refresh"])
        assert response.status_code == 401 and error_code(response) == "token_malformed"

    def test_token_for_a_tenant_that_does_not_exist_is_rejected(self, signup):
        org = signup()
        response = me(sign(claims_of(org, tid=str(uuid.uuid4()))))
        assert response.status_code == 401 and error_code(response) == "tenant_unknown"

    def test_missing_token_is_not_authenticated(self):
        response = APIClient().get("/api/v1/me")
        assert response.status_code == 401 and error_code(response) == "not_authenticated"


@pytest.mark.django_db
def test_rotation_keeps_old_tokens_valid_and_publishes_both_keys(signup):
    org = signup()
    old_access = org["tokens"]["access"]
    old_kid = jwt.get_unverified_header(old_access)["kid"]
    new_key = rotate_signing_key()
    assert new_key.kid != old_kid
    jwks = APIClient().get("/.well-known/jwks.json").json()
    assert {k["kid"] for k in jwks["keys"]} >= {old_kid, new_key.kid}
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k for k in jwks["keys"])
    assert me(old_access).status_code == 200
    fresh = login(org["organization"]["slug"], org["email"], org["password"]).json()["access"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_key.kid
    assert me(fresh).status_code == 200


def next_code(secret: str) -> str:
    """The code of the next 30-second step (accepted for clock drift)."""
    return str(pyotp.TOTP(secret).at(time.time() + 30))


@pytest.mark.django_db
def test_totp_enrollment_then_login_needs_a_code_and_recovery_codes_work_once(signup):
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    secret = client.post("/api/v1/me/totp").json()["secret"]
    bad = client.post("/api/v1/me/totp/confirm", {"code": "000000"}, format="json")
    assert bad.status_code == 400 and error_code(bad) == "otp_invalid"
    codes = client.post(
        "/api/v1/me/totp/confirm", {"code": pyotp.TOTP(secret).now()}, format="json"
    ).json()["recovery_codes"]
    assert len(codes) == 10
    slug, email, password = org["organization"]["slug"], org["email"], org["password"]
    missing = login(slug, email, password)
    assert missing.status_code == 401 and error_code(missing) == "otp_required"
    wrong = login(slug, email, password, otp="123456")
    assert wrong.status_code == 401 and error_code(wrong) == "otp_invalid"
    # The enrollment spent the current code: the next step's is still within the window.
    assert login(slug, email, password, otp=next_code(secret)).status_code == 200
    assert login(slug, email, password, otp=codes[0]).status_code == 200
    replay = login(slug, email, password, otp=codes[0])
    assert replay.status_code == 401 and error_code(replay) == "otp_invalid"
    assert login(slug, email, "wrong-password-123", otp=codes[1]).status_code == 401
    assert login(slug, email, password, otp=codes[1]).status_code == 200


@pytest.mark.django_db
def test_rotation_command_prunes_only_keys_whose_tokens_have_all_expired():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from tokens.models import SigningKey

    call_command("rotate_signing_keys", "--if-missing")
    first = SigningKey.objects.get(signing=True)
    call_command("rotate_signing_keys")
    second = SigningKey.objects.get(signing=True)
    assert second.kid != first.kid
    first.refresh_from_db()
    assert first.retire_after > timezone.now() + timedelta(minutes=10)
    call_command("rotate_signing_keys", "--prune")
    assert SigningKey.objects.filter(kid=first.kid).exists()
    SigningKey.objects.filter(kid=first.kid).update(
        retire_after=timezone.now() - timedelta(seconds=1)
    )
    call_command("rotate_signing_keys", "--prune")
    assert list(SigningKey.objects.values_list("kid", flat=True)) == [second.kid]
    jwks = APIClient().get("/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [second.kid]


@pytest.mark.django_db
def test_tokens_with_made_up_key_ids_reload_the_keys_at_most_once_per_interval(signup, settings):
    from pocdex_shared.jwt import InvalidToken, TokenVerifier
    from tokens.keys import PublishedKeySource, _KeyCache

    org = signup()
    now = [1_000.0]
    keys = _KeyCache(clock=lambda: now[0], min_refresh_seconds=10)
    keys.ttl_seconds = 3_600  # only unknown kids make it read the keys again
    verifier = TokenVerifier(
        key_source=PublishedKeySource(keys),
        issuer=settings.JWT_ISSUER,
        audience=settings.JWT_AUDIENCE,
    )
    _, private = signing_key()

    def made_up(n: int) -> str:
        return jwt.encode(claims_of(org), private, algorithm="RS256", headers={"kid": f"kid-{n}"})

    for n in range(50):
        with pytest.raises(InvalidToken) as refused:
            verifier.verify(made_up(n))
        assert refused.value.code == "token_unknown_key"
    assert keys.loads == 2  # the first read, and one reload for an unknown kid

    # Within the interval a real token still verifies from what is loaded.
    assert verifier.verify(org["tokens"]["access"]).subject == org["user"]["id"]
    assert keys.loads == 2

    # A key rotated elsewhere is found by the first unknown kid after the interval.
    now[0] += 4
    rotated = rotate_signing_key()
    fresh = jwt.encode(
        claims_of(org), signing_key()[1], algorithm="RS256", headers={"kid": rotated.kid}
    )
    with pytest.raises(InvalidToken):
        verifier.verify(fresh)
    now[0] += 7
    assert verifier.verify(fresh).subject == org["user"]["id"]
    assert keys.loads == 3


@pytest.mark.django_db
def test_a_totp_code_is_good_for_one_login_only(signup):
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    secret = client.post("/api/v1/me/totp").json()["secret"]
    enrolled = client.post(
        "/api/v1/me/totp/confirm", {"code": pyotp.TOTP(secret).now()}, format="json"
    )
    assert enrolled.status_code == 200
    slug, email, password = org["organization"]["slug"], org["email"], org["password"]
    # The code that confirmed the enrollment cannot log in.
    reused = login(slug, email, password, otp=pyotp.TOTP(secret).now())
    assert reused.status_code == 401 and error_code(reused) == "otp_invalid"

    code = next_code(secret)
    assert login(slug, email, password, otp=code).status_code == 200
    replay = login(slug, email, password, otp=code)
    assert replay.status_code == 401 and error_code(replay) == "otp_invalid"
    # Nor does it turn two-factor off.
    off = client.delete("/api/v1/me/totp", {"password": password, "code": code}, format="json")
    assert off.status_code == 401 and error_code(off) == "invalid_credentials"
    assert User.objects.get(email=email).totp_enabled is True


@pytest.mark.django_db
def test_turning_two_factor_off_has_a_guessing_budget(signup, settings):
    """It checks a password and a code: a stolen access token must not make it an oracle."""
    settings.THROTTLES = {**settings.THROTTLES, "otp_account": "3/300"}
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    secret = client.post("/api/v1/me/totp").json()["secret"]
    client.post("/api/v1/me/totp/confirm", {"code": pyotp.TOTP(secret).now()}, format="json")
    guesses = [
        client.delete(
            "/api/v1/me/totp", {"password": f"guess-{n}-password", "code": "123456"}, format="json"
        ).status_code
        for n in range(2)
    ]
    assert guesses == [401, 401]  # with the enrollment, three codes checked
    blocked = client.delete(
        "/api/v1/me/totp", {"password": org["password"], "code": next_code(secret)}, format="json"
    )
    assert blocked.status_code == 429 and error_code(blocked) == "throttled"
    assert User.objects.get(email=org["email"]).totp_enabled is True


@pytest.mark.django_db
def test_a_code_of_non_ascii_digits_is_a_wrong_code_not_a_server_error(signup):
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    secret = client.post("/api/v1/me/totp").json()["secret"]
    hostile = [
        "\u00b2" * 6,
        "\u0661\u0662\u0663\u0664\u0665\u0666",
        "\uff11" * 6,
    ]  # superscript, Arabic-Indic, full-width
    for code in hostile:
        refused = client.post("/api/v1/me/totp/confirm", {"code": code}, format="json")
        assert refused.status_code in (400, 401), (code, refused.content)
        assert error_code(refused) in ("otp_invalid", "validation_error"), code
    confirmed = client.post(
        "/api/v1/me/totp/confirm", {"code": pyotp.TOTP(secret).now()}, format="json"
    )
    assert confirmed.status_code == 200
    slug, email, password = org["organization"]["slug"], org["email"], org["password"]
    for code in hostile:
        refused = login(slug, email, password, otp=code)
        assert refused.status_code == 401 and error_code(refused) == "otp_invalid", code
    assert login(slug, email, password, otp=next_code(secret)).status_code == 200
