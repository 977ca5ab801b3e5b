"""RS256 signing keys: creation, rotation, and the published JWKS."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

from .models import SigningKey

# Published keys stay a little longer than the tokens they signed (clock skew).
RETIREMENT_MARGIN = timedelta(minutes=5)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _new_key_material() -> tuple[str, dict[str, Any], str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = _b64(hashlib.sha256(public_der).digest())[:16]
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    return kid, jwk, pem


@transaction.atomic
def rotate_signing_key() -> SigningKey:
    """Make a new key the signing key; previous ones stay published until their tokens expire."""
    retire_after = timezone.now() + settings.ACCESS_TOKEN_TTL + RETIREMENT_MARGIN
    SigningKey.objects.select_for_update().filter(signing=True).update(
        signing=False, retire_after=retire_after
    )
    kid, jwk, pem = _new_key_material()
    key = SigningKey.objects.create(kid=kid, private_pem=pem, public_jwk=jwk, signing=True)
    _cache.clear()
    return key


def ensure_signing_key() -> SigningKey:
    key = SigningKey.objects.filter(signing=True).order_by("-created_at").first()
    return key or rotate_signing_key()


def prune_retired_keys() -> int:
    deleted, _ = SigningKey.objects.filter(signing=False, retire_after__lt=timezone.now()).delete()
    _cache.clear()
    return deleted


def published_keys() -> list[SigningKey]:
    return list(
        SigningKey.objects.filter(Q(signing=True) | Q(retire_after__gte=timezone.now())).order_by(
            "-created_at"
        )
    )


def jwks() -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in published_keys()]}


class _KeyCache:
    """Process cache of the signing key and public keys, refreshed every few seconds.

    Another process may rotate keys; a short TTL, and a reload when a token
    names an unknown kid, pick the change up. That reload happens at most once
    per ``min_refresh_seconds``: a token with a made-up kid costs nothing more
    than a malformed one, however many arrive (like the other services'
    ``JwksKeySource``). ``loads`` counts reads of the keys from the database.
    """

    ttl_seconds = 5.0

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_refresh_seconds: float | None = None,
    ) -> None:
        self._clock = clock
        self._min_refresh_seconds = min_refresh_seconds
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._refreshed_at: float | None = None
        self._signing: tuple[str, Any] | None = None
        self._public: dict[str, Any] = {}
        self.loads = 0

    @property
    def min_refresh_seconds(self) -> float:
        if self._min_refresh_seconds is not None:
            return self._min_refresh_seconds
        return float(getattr(settings, "JWKS_MIN_REFETCH_INTERVAL", 10))

    def clear(self) -> None:
        """Forget the keys (this process created or removed one): the next use reloads."""
        with self._lock:
            self._loaded_at = None

    def refresh(self) -> None:
        """Reload for an unknown kid, unless a reload for one happened within the interval."""
        with self._lock:
            now = self._clock()
            if (
                self._refreshed_at is not None
                and now - self._refreshed_at < self.min_refresh_seconds
            ):
                return
            self._refreshed_at = now
            self._load()

    def _load(self) -> None:
        keys = published_keys()
        public = {k.kid: RSAAlgorithm.from_jwk(k.public_jwk) for k in keys}
        signing = next((k for k in keys if k.signing), None)
        self._public = public
        self._signing = (
            (signing.kid, serialization.load_pem_private_key(signing.private_pem.encode(), None))
            if signing
            else None
        )
        self._loaded_at = self._clock()
        self.loads += 1

    def _fresh(self) -> None:
        with self._lock:
            if self._loaded_at is None or self._clock() - self._loaded_at > self.ttl_seconds:
                self._load()

    def signing_key(self) -> tuple[str, Any]:
        self._fresh()
        if self._signing is None:
            ensure_signing_key()
            self.clear()
            self._fresh()
        if self._signing is None:
            raise RuntimeError("no signing key could be created")
        return self._signing

    def public_keys(self) -> dict[str, Any]:
        self._fresh()
        return self._public


_cache = _KeyCache()


def signing_key() -> tuple[str, Any]:
    return _cache.signing_key()


class PublishedKeySource:
    """Accounts verifies its own tokens from its database, not over HTTP (a KeySource)."""

    def __init__(self, cache: _KeyCache | None = None) -> None:
        self._cache = cache or _cache

    def get(self, kid: str) -> Any | None:
        return self._cache.public_keys().get(kid)

    def refresh(self) -> None:
        self._cache.refresh()


def published_key_source() -> PublishedKeySource:
    return PublishedKeySource()
