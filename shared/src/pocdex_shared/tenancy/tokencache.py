"""Recently verified access tokens, so a client's burst of calls verifies once.

The key is the exact token string (same bytes, same verdict); an entry lives
at most ``TOKEN_CACHE_SECONDS`` (default 30) and never past the token's expiry,
so a withdrawn signing key stops being honoured within that bound. Failures
are never cached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.signals import setting_changed

from pocdex_shared.jwt import VerifiedToken, get_verifier

_MAX_ENTRIES = 20_000
_lock = threading.Lock()
_entries: dict[bytes, tuple[float, VerifiedToken]] = {}


def _ttl() -> float:
    return float(getattr(settings, "TOKEN_CACHE_SECONDS", 30.0))


def verify_access_token(raw: str) -> VerifiedToken:
    """``get_verifier().verify`` with a short per-process memory of successes."""
    ttl = _ttl()
    if ttl <= 0:
        return get_verifier().verify(raw)
    key = hashlib.blake2b(raw.encode(), digest_size=20).digest()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now and entry[1].expires_at > datetime.now(UTC):
        return entry[1]
    token = get_verifier().verify(raw)
    remaining = (token.expires_at - datetime.now(UTC)).total_seconds()
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (now + min(ttl, remaining), token)
    return token


def forget_verified_tokens() -> None:
    with _lock:
        _entries.clear()


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("JWT_", "JWKS_", "TOKEN_CACHE")):
        forget_verified_tokens()


setting_changed.connect(_on_setting_changed, dispatch_uid="pocdex_forget_verified_tokens")
