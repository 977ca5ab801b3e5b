"""Recently verified access tokens, so a client's burst of calls verifies once.

The key is the exact token string (same bytes, same verdict); an entry lives
at most ``TOKEN_CACHE_SECONDS`` (default 30) and never past the token's expiry,
so a withdrawn signing key stops being honoured within that bound. Failures
are never cached.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.signals import setting_changed

from pocdex_shared.jwt import VerifiedToken, get_verifier
from pocdex_shared.memo import TtlCache

_entries: TtlCache[bytes, VerifiedToken] = TtlCache()


def _ttl() -> float:
    return float(getattr(settings, "TOKEN_CACHE_SECONDS", 30.0))


def verify_access_token(raw: str) -> VerifiedToken:
    """``get_verifier().verify`` with a short per-process memory of successes."""
    ttl = _ttl()
    if ttl <= 0:
        return get_verifier().verify(raw)
    key = hashlib.blake2b(raw.encode(), digest_size=20).digest()
    cached = _entries.get(key)
    if cached is not None and cached.expires_at > datetime.now(UTC):
        return cached
    token = get_verifier().verify(raw)
    remaining = (token.expires_at - datetime.now(UTC)).total_seconds()
    _entries.put(key, token, min(ttl, remaining))
    return token


def forget_verified_tokens() -> None:
    _entries.forget()


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("JWT_", "JWKS_", "TOKEN_CACHE")):
        forget_verified_tokens()


setting_changed.connect(_on_setting_changed, dispatch_uid="pocdex_forget_verified_tokens")
