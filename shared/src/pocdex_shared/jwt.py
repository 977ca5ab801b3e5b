"""Verification of Pocdex JWTs (access and service tokens), the same in every service.

accounts signs with RS256 and publishes its public keys at
``/.well-known/jwks.json``; every service verifies every call against them
(zero trust between services too). Verification is written out step by step
rather than left to one ``jwt.decode`` call so that:

* the algorithm is pinned to RS256 before anything else: the header's ``alg``
  never chooses how a signature is checked (no ``none``, no HS256 forged with
  the public key as the HMAC secret, no algorithm the key was not made for);
* each failure has its own stable code (``token_expired`` …) that the error
  handler returns with 401, so the apps can tell "refresh and retry" from
  "log in again";
* an unknown ``kid`` makes one rate-limited JWKS refetch, which is how key
  rotation is picked up without a restart and without letting a flood of
  random kids hammer accounts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from jwt.algorithms import RSAAlgorithm
from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidKeyError, InvalidSignatureError, PyJWTError
from rest_framework.exceptions import AuthenticationFailed

from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ("sub", "jti", "exp", "iat", "iss", "aud", "typ")
MIN_RSA_KEY_BITS = 2048
# Real tokens are well under 2 KB; a cap keeps hostile input from costing much.
MAX_TOKEN_LENGTH = 8192
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})

# A JWS codec that knows RS256 and nothing else.
_JWS = PyJWS(algorithms=[ALGORITHM])

MESSAGES = {
    "token_malformed": _("The token is malformed."),
    "token_algorithm_not_allowed": _("The token is signed with an algorithm that is not accepted."),
    "token_unknown_key": _("The token is signed with an unknown key."),
    "token_signature_invalid": _("The token signature is invalid."),
    "token_expired": _("The token has expired."),
    "token_not_yet_valid": _("The token is not valid yet."),
    "token_issuer_invalid": _("The token was issued by an unknown issuer."),
    "token_audience_invalid": _("The token is not meant for this service."),
    "token_type_invalid": _("This kind of token cannot be used here."),
}


class InvalidToken(AuthenticationFailed):
    """A token that failed verification; ``code`` says which check failed."""

    def __init__(self, code: str, message: Any = None) -> None:
        super().__init__(
            detail=message or MESSAGES.get(code, MESSAGES["token_malformed"]), code=code
        )
        self.code = code


class JwksUnavailable(Exception):  # noqa: N818 - reads better than JwksUnavailableError
    """The JWKS could not be fetched and no keys are cached: tokens cannot be checked."""


def jwks_unavailable() -> ApiError:
    return ApiError(
        "jwks_unavailable",
        _("Sign-in cannot be checked right now. Try again in a few seconds."),
        status=503,
        headers={"Retry-After": "5"},
    )


# ------------------------------------------------------------------ keys


class KeySource(Protocol):
    def get(self, kid: str) -> Any | None:
        """The public key for ``kid``, or ``None`` if it is not known."""

    def refresh(self) -> None:
        """Look for new keys (called on an unknown kid); may be rate-limited."""


def _public(key: Any) -> Any:
    if isinstance(key, str | bytes):
        return load_pem_public_key(key.encode() if isinstance(key, str) else key)
    if isinstance(key, RSAPrivateKey):
        return key.public_key()
    return key


class StaticKeySource:
    """Fixed keys by kid: for tests, and for accounts, which verifies with its own keys.

    Values may be public keys, private keys (their public half is kept) or PEM.
    """

    def __init__(self, keys: Mapping[str, Any]) -> None:
        self._keys = {kid: _public(key) for kid, key in keys.items()}

    def get(self, kid: str) -> Any | None:
        return self._keys.get(kid)

    def refresh(self) -> None:
        return None


def parse_jwks(document: Any) -> dict[str, RSAPublicKey]:
    """The usable RS256 signing keys of a JWKS document, by kid.

    Keys for other algorithms or uses, short keys and anything carrying private
    members are skipped: a JWKS that publishes a private key is a leak to fix
    at the source, not a key to trust.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("The JWKS document has no 'keys' list.")
    keys: dict[str, RSAPublicKey] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if (
            jwk.get("kty") != "RSA"
            or jwk.get("use", "sig") != "sig"
            or jwk.get("alg", ALGORITHM) != ALGORITHM
            or not isinstance(kid, str)
            or not kid
        ):
            continue
        if _PRIVATE_JWK_MEMBERS & jwk.keys():
            logger.error("JWKS key %s carries private key material; ignoring it", kid)
            continue
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except (InvalidKeyError, ValueError, TypeError, KeyError):
            logger.warning("JWKS key %s could not be read; ignoring it", kid)
            continue
        if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_KEY_BITS:
            logger.warning(
                "JWKS key %s is not an RSA key of %d bits or more", kid, MIN_RSA_KEY_BITS
            )
            continue
        keys[kid] = key
    return keys


class JwksKeySource:
    """Keys from accounts' JWKS URL, cached in process.

    * Keys are refetched when older than ``cache_ttl``.
    * An unknown kid (``refresh``) refetches at most once per
      ``min_refetch_interval``: a new key after a rotation is picked up at
      once, random kids cost accounts one request per interval at most.
    * When a fetch fails the cached keys stay in use; a failed fetch is not
      retried within ``min_refetch_interval``. Only with no keys at all does
      ``JwksUnavailable`` reach the caller.
    * One lock serializes fetches, so a cold cache under load makes one
      request, not one per thread.
    """

    def __init__(
        self,
        url: str,
        *,
        cache_ttl: float = 300.0,
        min_refetch_interval: float = 10.0,
        timeout: float = 2.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.cache_ttl = cache_ttl
        self.min_refetch_interval = min_refetch_interval
        self.timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._refreshed_at: float | None = None
        self._failed_at: float | None = None

    def get(self, kid: str) -> Any | None:
        with self._lock:
            if self._fetched_at is None or self._clock() - self._fetched_at >= self.cache_ttl:
                self._fetch()
            return self._keys.get(kid)

    def refresh(self) -> None:
        with self._lock:
            now = self._clock()
            if (
                self._refreshed_at is not None
                and now - self._refreshed_at < self.min_refetch_interval
            ):
                return
            self._refreshed_at = now
            self._fetch()

    def _fetch(self) -> None:
        now = self._clock()
        if self._failed_at is not None and now - self._failed_at < self.min_refetch_interval:
            if self._keys:
                return
            raise JwksUnavailable(f"Fetching {self.url} failed less than a moment ago.")
        try:
            keys = self._download()
        except JwksUnavailable:
            self._failed_at = now
            if self._keys:
                logger.warning("JWKS refetch from %s failed; keeping cached keys", self.url)
                return
            raise
        self._keys = keys
        self._fetched_at = now
        self._failed_at = None

    def _download(self) -> dict[str, RSAPublicKey]:
        try:
            response = self._session.get(
                self.url, timeout=self.timeout, headers={"Accept": "application/json"}
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise JwksUnavailable(f"Could not fetch the JWKS from {self.url}: {exc}") from exc
        return parse_jwks(document)


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    tenant_id: str | None
    role: str | None
    token_id: str
    token_type: str
    audience: list[str]
    issued_at: datetime
    expires_at: datetime
    claims: Mapping[str, Any] = field(repr=False)
    #: The ``sid`` claim: the session (refresh family) the token belongs to, so a
    #: logout can revoke that session's access tokens. Absent from older tokens.
    session_id: str | None = None

    @property
    def issued_at_epoch(self) -> int:
        """``iat`` in whole epoch seconds, as revocations compare it."""
        return int(self.issued_at.timestamp())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidToken("token_malformed")
    return value


class TokenVerifier:
    """Checks one kind of token (``token_type``) for one audience."""

    def __init__(
        self,
        *,
        key_source: KeySource,
        issuer: str,
        audience: str,
        token_type: str = "access",  # noqa: S107 - a claim value, not a secret
        leeway_seconds: int = 30,
    ) -> None:
        self.key_source = key_source
        self.issuer = issuer
        self.audience = audience
        self.token_type = token_type
        self.leeway_seconds = leeway_seconds

    def verify(self, token: str) -> VerifiedToken:
        """The token's identity, or ``InvalidToken`` / ``ApiError(jwks_unavailable)``."""
        header = self._header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("token_algorithm_not_allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token_malformed")
        claims = self._verified_claims(token, self._key(kid))
        self._check_claims(claims)
        audience = claims["aud"]
        return VerifiedToken(
            subject=claims["sub"],
            tenant_id=_optional_str(claims, "tid"),
            role=_optional_str(claims, "role"),
            token_id=claims["jti"],
            token_type=claims["typ"],
            audience=[audience] if isinstance(audience, str) else list(audience),
            issued_at=datetime.fromtimestamp(claims["iat"], tz=UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
            claims=claims,
            session_id=_optional_str(claims, "sid"),
        )

    @staticmethod
    def _header(token: Any) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("token_malformed")
        if token.count(".") != 2:
            raise InvalidToken("token_malformed")
        try:
            header = _JWS.get_unverified_header(token)
        except PyJWTError:
            raise InvalidToken("token_malformed") from None
        if not isinstance(header, dict):
            raise InvalidToken("token_malformed")
        return header

    def _key(self, kid: str) -> Any:
        try:
            key = self.key_source.get(kid)
            if key is None:
                self.key_source.refresh()
                key = self.key_source.get(kid)
        except JwksUnavailable as exc:
            logger.error("Cannot verify tokens: %s", exc)
            raise jwks_unavailable() from exc
        if key is None:
            raise InvalidToken("token_unknown_key")
        return key

    @staticmethod
    def _verified_claims(token: str, key: Any) -> dict[str, Any]:
        try:
            decoded = _JWS.decode_complete(token, key=key, algorithms=[ALGORITHM])
        except InvalidSignatureError:
            raise InvalidToken("token_signature_invalid") from None
        except InvalidKeyError:
            logger.error("The key for this token cannot verify RS256 signatures")
            raise InvalidToken("token_signature_invalid") from None
        except PyJWTError:
            raise InvalidToken("token_malformed") from None
        try:
            claims = json.loads(decoded["payload"])
        except ValueError:
            raise InvalidToken("token_malformed") from None
        if not isinstance(claims, dict):
            raise InvalidToken("token_malformed")
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        now = time.time()
        leeway = self.leeway_seconds
        for name in ("exp", "nbf", "iat"):
            if name in claims and not _is_number(claims[name]):
                raise InvalidToken("token_malformed")
        if "exp" in claims and claims["exp"] <= now - leeway:
            raise InvalidToken("token_expired")
        if any(name in claims and claims[name] > now + leeway for name in ("nbf", "iat")):
            raise InvalidToken("token_not_yet_valid")
        if "iss" in claims and claims["iss"] != self.issuer:
            raise InvalidToken("token_issuer_invalid")
        if "aud" in claims:
            audience = claims["aud"]
            audiences = [audience] if isinstance(audience, str) else audience
            if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
                raise InvalidToken("token_malformed")
            if self.audience not in audiences:
                raise InvalidToken("token_audience_invalid")
        if "typ" in claims and claims["typ"] != self.token_type:
            raise InvalidToken("token_type_invalid")
        if any(name not in claims for name in REQUIRED_CLAIMS):
            raise InvalidToken("token_malformed")
        if not all(isinstance(claims[name], str) and claims[name] for name in ("sub", "jti")):
            raise InvalidToken("token_malformed")


# ------------------------------------------------------------------ from settings

_lock = threading.Lock()
_key_source: KeySource | None = None
_verifiers: dict[str, TokenVerifier] = {}


def _setting(name: str) -> str:
    value = getattr(settings, name, None)
    if not value:
        raise ImproperlyConfigured(f"settings.{name} is required to verify tokens.")
    return str(value)


def get_key_source() -> KeySource:
    """``JWT_KEY_SOURCE`` (dotted path to a zero-argument factory) or ``JWKS_URL``."""
    global _key_source
    with _lock:
        if _key_source is None:
            factory_path = getattr(settings, "JWT_KEY_SOURCE", None)
            if factory_path:
                factory: Callable[[], KeySource] = import_string(factory_path)
                _key_source = factory()
            elif getattr(settings, "JWKS_URL", None):
                _key_source = JwksKeySource(
                    str(settings.JWKS_URL),  # type: ignore[misc]
                    cache_ttl=float(getattr(settings, "JWKS_CACHE_TTL", 300)),
                    min_refetch_interval=float(getattr(settings, "JWKS_MIN_REFETCH_INTERVAL", 10)),
                )
            else:
                raise ImproperlyConfigured(
                    "Set settings.JWKS_URL (or JWT_KEY_SOURCE) to verify tokens."
                )
        return _key_source


def _verifier(kind: str, audience: str) -> TokenVerifier:
    verifier = _verifiers.get(kind)
    if verifier is None:
        key_source = get_key_source()
        with _lock:
            verifier = _verifiers.setdefault(
                kind,
                TokenVerifier(
                    key_source=key_source,
                    issuer=_setting("JWT_ISSUER"),
                    audience=audience,
                    token_type=kind,
                    leeway_seconds=int(getattr(settings, "JWT_LEEWAY_SECONDS", 30)),
                ),
            )
    return verifier


def get_verifier() -> TokenVerifier:
    """The verifier of access tokens for this service, built once from settings."""
    return _verifier("access", _setting("JWT_AUDIENCE"))


def get_service_verifier() -> TokenVerifier:
    """The verifier of service tokens addressed to this service.

    Audience is ``JWT_SERVICE_AUDIENCE``, else ``pocdex-<POCDEX_SERVICE>``.
    It shares the key source (and JWKS cache) of ``get_verifier``.
    """
    audience = getattr(settings, "JWT_SERVICE_AUDIENCE", None) or (
        f"pocdex-{_setting('POCDEX_SERVICE')}"
    )
    return _verifier("service", audience)


def reset_verifier() -> None:
    """Forget verifiers and key source (tests, or after changing key settings)."""
    global _key_source
    with _lock:
        _key_source = None
        _verifiers.clear()


def _reset_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(("JWT_", "JWKS_")) or setting == "POCDEX_SERVICE":
        reset_verifier()


setting_changed.connect(_reset_on_setting_change, dispatch_uid="pocdex_shared.jwt.reset")

__all__ = [
    "ALGORITHM",
    "InvalidToken",
    "JwksKeySource",
    "JwksUnavailable",
    "KeySource",
    "StaticKeySource",
    "TokenVerifier",
    "VerifiedToken",
    "get_key_source",
    "get_service_verifier",
    "get_verifier",
    "jwks_unavailable",
    "parse_jwks",
    "reset_verifier",
]
