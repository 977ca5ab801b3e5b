"""Token verification against real keys, real tokens and a real JWKS over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jwt as pyjwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from pocdex_shared.errors import ApiError
from pocdex_shared.jwt import (
    InvalidToken,
    JwksKeySource,
    KeySource,
    StaticKeySource,
    TokenVerifier,
    get_service_verifier,
    get_verifier,
    parse_jwks,
    reset_verifier,
)
from tests._b_jwt import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    access_claims,
    closed_port_url,
    ec_key,
    forge,
    mint,
    service_claims,
    signing_key,
    without,
)

KEY = signing_key("key-2026-01")
OTHER_KEY = signing_key("key-attacker")


def verifier(*, key_source: KeySource | None = None, **options: Any) -> TokenVerifier:
    return TokenVerifier(
        key_source=key_source or StaticKeySource({KEY.kid: KEY.public_key}),
        issuer=options.pop("issuer", ISSUER),
        audience=options.pop("audience", AUDIENCE),
        **options,
    )


def rejection_code(token: object, checker: TokenVerifier | None = None) -> str:
    with pytest.raises(InvalidToken) as caught:
        (checker or verifier()).verify(token)  # type: ignore[arg-type]
    assert caught.value.status_code == 401
    return caught.value.code


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer([KEY]).running() as server:
        yield server


# ------------------------------------------------------------------ accepted


def test_valid_access_token_is_verified_with_its_identity() -> None:
    claims = access_claims(role="owner")

    token = verifier().verify(mint(claims, KEY))

    assert token.subject == claims["sub"]
    assert token.tenant_id == claims["tid"]
    assert token.role == "owner"
    assert token.token_id == claims["jti"]
    assert token.token_type == "access"
    assert token.audience == [AUDIENCE]
    assert token.issued_at == datetime.fromtimestamp(claims["iat"], tz=UTC)
    assert token.expires_at == datetime.fromtimestamp(claims["exp"], tz=UTC)
    assert token.claims["jti"] == claims["jti"]


def test_audience_given_as_a_single_string_is_accepted() -> None:
    token = verifier().verify(mint(access_claims(aud=AUDIENCE), KEY))

    assert token.audience == [AUDIENCE]


def test_audience_list_needs_only_to_contain_ours() -> None:
    token = verifier().verify(mint(access_claims(aud=["pocdex-other", AUDIENCE]), KEY))

    assert token.audience == ["pocdex-other", AUDIENCE]


def test_token_expired_less_than_the_leeway_ago_is_still_accepted() -> None:
    now = int(time.time())
    claims = access_claims(iat=now - 620, exp=now - 10)

    assert verifier(leeway_seconds=30).verify(mint(claims, KEY)).subject == claims["sub"]


def test_service_token_is_accepted_by_a_service_token_verifier() -> None:
    checker = verifier(audience="pocdex-pocs", token_type="service")

    token = checker.verify(mint(service_claims("pocs"), KEY))

    assert token.subject == "service:media"
    assert token.tenant_id is None
    assert token.token_type == "service"


# ------------------------------------------------------------------ algorithm


def test_token_with_alg_none_is_rejected() -> None:
    token = pyjwt.encode(access_claims(), None, algorithm="none", headers={"kid": KEY.kid})

    assert rejection_code(token) == "token_algorithm_not_allowed"


def test_unsigned_token_claiming_rs256_is_rejected() -> None:
    token = forge(
        {"alg": "RS256", "kid": KEY.kid, "typ": "at+jwt"}, access_claims(), hmac_secret=None
    )

    assert rejection_code(token) == "token_signature_invalid"


def test_token_signed_with_hs256_using_public_key_is_rejected() -> None:
    # The classic key-confusion forgery: the public key is public, so an
    # attacker can use its PEM as an HMAC secret and claim HS256.
    header = {"alg": "HS256", "kid": KEY.kid, "typ": "at+jwt"}
    token = forge(header, access_claims(role="owner"), hmac_secret=KEY.public_pem())

    assert rejection_code(token) == "token_algorithm_not_allowed"


def test_token_signed_with_hs256_claiming_rs256_fails_the_signature_check() -> None:
    header = {"alg": "RS256", "kid": KEY.kid, "typ": "at+jwt"}
    token = forge(header, access_claims(), hmac_secret=KEY.public_pem())

    assert rejection_code(token) == "token_signature_invalid"


def test_token_signed_with_rs512_is_rejected() -> None:
    assert rejection_code(mint(access_claims(), KEY, algorithm="RS512")) == (
        "token_algorithm_not_allowed"
    )


def test_token_signed_with_es256_is_rejected() -> None:
    token = pyjwt.encode(
        access_claims(), ec_key(), algorithm="ES256", headers={"kid": KEY.kid, "typ": "at+jwt"}
    )

    assert rejection_code(token) == "token_algorithm_not_allowed"


# ------------------------------------------------------------------ keys and signature


def test_token_without_kid_is_malformed() -> None:
    assert rejection_code(mint(access_claims(), KEY, kid=None)) == "token_malformed"


def test_token_with_unknown_kid_is_rejected() -> None:
    assert rejection_code(mint(access_claims(), OTHER_KEY)) == "token_unknown_key"


def test_token_signed_by_another_key_under_a_known_kid_has_an_invalid_signature() -> None:
    token = mint(access_claims(), OTHER_KEY, kid=KEY.kid)

    assert rejection_code(token) == "token_signature_invalid"


def test_token_whose_payload_was_altered_has_an_invalid_signature() -> None:
    genuine = mint(access_claims(role="member"), KEY)
    forged_payload = mint(access_claims(role="owner"), OTHER_KEY, kid=KEY.kid).split(".")[1]
    header, _, signature = genuine.split(".")

    assert rejection_code(f"{header}.{forged_payload}.{signature}") == "token_signature_invalid"


# ------------------------------------------------------------------ claims


def test_expired_token_is_rejected() -> None:
    now = int(time.time())
    token = mint(access_claims(iat=now - 1200, exp=now - 600), KEY)

    assert rejection_code(token) == "token_expired"


def test_token_with_nbf_in_the_future_is_rejected() -> None:
    token = mint(access_claims(nbf=int(time.time()) + 300), KEY)

    assert rejection_code(token) == "token_not_yet_valid"


def test_token_issued_in_the_future_beyond_the_leeway_is_rejected() -> None:
    now = int(time.time())
    token = mint(access_claims(iat=now + 300, exp=now + 900), KEY)

    assert rejection_code(token) == "token_not_yet_valid"


def test_token_for_another_audience_is_rejected() -> None:
    token = mint(access_claims(aud=["pocdex-dojo"]), KEY)

    assert rejection_code(token) == "token_audience_invalid"


def test_token_from_another_issuer_is_rejected() -> None:
    token = mint(access_claims(iss="https://evil.example"), KEY)

    assert rejection_code(token) == "token_issuer_invalid"


def test_service_token_is_rejected_where_an_access_token_is_expected() -> None:
    token = mint(service_claims("pocs", aud=[AUDIENCE]), KEY)

    assert rejection_code(token) == "token_type_invalid"


def test_access_token_is_rejected_where_a_service_token_is_expected() -> None:
    checker = verifier(audience=AUDIENCE, token_type="service")

    assert rejection_code(mint(access_claims(), KEY), checker) == "token_type_invalid"


@pytest.mark.parametrize("claim", ["sub", "jti", "exp", "iat", "iss", "aud", "typ"])
def test_token_missing_a_required_claim_is_malformed(claim: str) -> None:
    token = mint(without(access_claims(), claim), KEY)

    assert rejection_code(token) == "token_malformed"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "tomorrow"},
        {"iat": True},
        {"sub": ""},
        {"sub": 42},
        {"aud": [AUDIENCE, 7]},
        {"tid": 123},
    ],
    ids=["exp-string", "iat-bool", "empty-sub", "numeric-sub", "aud-with-number", "numeric-tid"],
)
def test_token_with_claims_of_the_wrong_type_is_malformed(claims: dict[str, object]) -> None:
    assert rejection_code(mint(access_claims(**claims), KEY)) == "token_malformed"


def test_checks_run_in_order_so_an_expired_token_for_another_audience_reads_expired() -> None:
    now = int(time.time())
    token = mint(access_claims(aud="pocdex-dojo", iat=now - 1200, exp=now - 600), KEY)

    assert rejection_code(token) == "token_expired"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not-a-token",
        "a.b",
        "a.b.c",
        "...",
        "a.b.c.d.e",
        "Bearer eyJhbGciOiJSUzI1NiJ9",
        "é.é.é",
        "eyJhbGciOiJSUzI1NiJ9.e30",
        "bm90IGpzb24.e30.c2ln",
        "W10.e30.c2ln",
        "x" * 20_000,
        None,
        b"bytes.are.refused",
    ],
    ids=lambda value: repr(value)[:24],
)
def test_garbage_is_rejected_as_malformed(garbage: object) -> None:
    assert rejection_code(garbage) == "token_malformed"


def test_payload_that_is_not_a_json_object_is_malformed() -> None:
    token = pyjwt.api_jws.encode(
        b"[1, 2]", KEY.private_key, algorithm="RS256", headers={"kid": KEY.kid}
    )

    assert rejection_code(token) == "token_malformed"


# ------------------------------------------------------------------ JWKS over HTTP


def test_jwks_keys_are_fetched_once_and_cached(jwks: JwksServer) -> None:
    checker = verifier(key_source=JwksKeySource(jwks.url))

    for _ in range(5):
        checker.verify(mint(access_claims(), KEY))

    assert jwks.fetches == 1


def test_unknown_kid_triggers_exactly_one_refetch_then_rejects(jwks: JwksServer) -> None:
    checker = TokenVerifier(
        key_source=JwksKeySource(jwks.url, min_refetch_interval=10),
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    checker.verify(mint(access_claims(), KEY))
    assert jwks.fetches == 1

    assert rejection_code(mint(access_claims(), OTHER_KEY), checker) == "token_unknown_key"
    assert jwks.fetches == 2

    ghost = signing_key("key-ghost")
    assert rejection_code(mint(access_claims(), ghost), checker) == "token_unknown_key"
    assert jwks.fetches == 2, "a second unknown kid within the interval must not refetch"


def test_unknown_kids_may_refetch_again_once_the_interval_has_passed(jwks: JwksServer) -> None:
    checker = verifier(key_source=JwksKeySource(jwks.url, min_refetch_interval=0.3))
    checker.verify(mint(access_claims(), KEY))
    rejection_code(mint(access_claims(), OTHER_KEY), checker)
    assert jwks.fetches == 2

    time.sleep(0.35)
    rejection_code(mint(access_claims(), OTHER_KEY), checker)

    assert jwks.fetches == 3


def test_rotated_key_is_picked_up_by_refetch(jwks: JwksServer) -> None:
    checker = verifier(key_source=JwksKeySource(jwks.url, cache_ttl=3600))
    checker.verify(mint(access_claims(), KEY))
    next_key = signing_key("key-2026-02")

    jwks.publish(KEY, next_key)
    token = checker.verify(mint(access_claims(), next_key))

    assert token.subject
    assert jwks.fetches == 2
    checker.verify(mint(access_claims(), KEY))  # the previous key keeps working
    assert jwks.fetches == 2


def test_key_withdrawn_from_the_jwks_stops_working_after_the_cache_ttl(jwks: JwksServer) -> None:
    checker = verifier(key_source=JwksKeySource(jwks.url, cache_ttl=0.2))
    checker.verify(mint(access_claims(), KEY))
    next_key = signing_key("key-2026-02")

    jwks.publish(next_key)
    time.sleep(0.25)

    assert rejection_code(mint(access_claims(), KEY), checker) == "token_unknown_key"


def test_cold_cache_under_concurrent_load_fetches_the_jwks_once(jwks: JwksServer) -> None:
    checker = verifier(key_source=JwksKeySource(jwks.url))
    tokens = [mint(access_claims(), KEY) for _ in range(16)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(tokens))

    def verify(token: str) -> None:
        start.wait()
        try:
            checker.verify(token)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=verify, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert jwks.fetches == 1


def test_unreachable_jwks_answers_503_jwks_unavailable() -> None:
    checker = verifier(key_source=JwksKeySource(closed_port_url(), timeout=0.5))

    with pytest.raises(ApiError) as caught:
        checker.verify(mint(access_claims(), KEY))

    assert caught.value.status_code == 503
    assert caught.value.code == "jwks_unavailable"


def test_failing_jwks_is_not_retried_on_every_request(jwks: JwksServer) -> None:
    jwks.status = 500
    checker = verifier(key_source=JwksKeySource(jwks.url, min_refetch_interval=10))

    for _ in range(3):
        with pytest.raises(ApiError) as caught:
            checker.verify(mint(access_claims(), KEY))
        assert caught.value.code == "jwks_unavailable"

    assert jwks.fetches == 1


def test_cached_keys_keep_working_while_the_jwks_is_down(jwks: JwksServer) -> None:
    checker = verifier(key_source=JwksKeySource(jwks.url, cache_ttl=0.2))
    checker.verify(mint(access_claims(), KEY))

    jwks.status = 503
    time.sleep(0.25)
    token = checker.verify(mint(access_claims(), KEY))

    assert token.subject
    assert jwks.fetches == 2


def test_jwks_parsing_keeps_only_rs256_signing_keys() -> None:
    good = signing_key("good")
    weak = signing_key("weak", bits=1024)
    leaked = good.jwk(kid="leaked", d="AQAB")
    document = {
        "keys": [
            good.jwk(),
            good.jwk(kid="for-encryption", use="enc"),
            good.jwk(kid="for-rs512", alg="RS512"),
            weak.jwk(),
            leaked,
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            "not a key",
        ]
    }

    assert list(parse_jwks(document)) == ["good"]


# ------------------------------------------------------------------ from settings


@pytest.fixture
def fresh_verifier() -> Iterator[None]:
    reset_verifier()
    yield
    reset_verifier()


@pytest.mark.usefixtures("fresh_verifier")
@override_settings(
    JWT_KEY_SOURCE="tests._b_jwt.static_key_source", JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE
)
def test_get_verifier_is_built_once_from_the_key_source_setting() -> None:
    checker = get_verifier()

    assert get_verifier() is checker
    token = checker.verify(mint(access_claims(), signing_key("static-1")))
    assert token.token_type == "access"


@pytest.mark.usefixtures("fresh_verifier")
def test_get_verifier_reads_the_jwks_url_setting(jwks: JwksServer) -> None:
    with override_settings(
        JWT_KEY_SOURCE=None, JWKS_URL=jwks.url, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE
    ):
        get_verifier().verify(mint(access_claims(), KEY))

    assert jwks.fetches == 1


@pytest.mark.usefixtures("fresh_verifier")
def test_reset_verifier_picks_up_new_settings() -> None:
    with override_settings(
        JWT_KEY_SOURCE="tests._b_jwt.static_key_source", JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE
    ):
        first = get_verifier()
        reset_verifier()
        assert get_verifier() is not first


@pytest.mark.usefixtures("fresh_verifier")
@override_settings(
    JWT_KEY_SOURCE="tests._b_jwt.static_key_source",
    JWT_ISSUER=ISSUER,
    JWT_AUDIENCE=AUDIENCE,
    POCDEX_SERVICE="pocs",
)
def test_service_verifier_expects_this_services_audience_and_shares_the_keys() -> None:
    key = signing_key("static-1")

    token = get_service_verifier().verify(mint(service_claims("pocs"), key))

    assert token.token_type == "service"
    with pytest.raises(InvalidToken) as caught:
        get_service_verifier().verify(mint(service_claims("dojo"), key))
    assert caught.value.code == "token_audience_invalid"


@pytest.mark.usefixtures("fresh_verifier")
@override_settings(JWT_KEY_SOURCE=None, JWKS_URL=None, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE)
def test_get_verifier_without_keys_configured_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="JWKS_URL"):
        get_verifier()
