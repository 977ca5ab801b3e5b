"""Fixed-window throttles in the shared cache, keyed per IP and per account.

Rates are read from ``settings.THROTTLES`` at call time ("<count>/<seconds>").
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.exceptions import Throttled


def client_ip(request: HttpRequest) -> str:
    """The gateway appends the peer to X-Forwarded-For; trust only its last hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _rate(scope: str) -> tuple[int, int]:
    count, _, seconds = settings.THROTTLES[scope].partition("/")
    return int(count), int(seconds)


def hit(scope: str, ident: str) -> None:
    """Count one attempt; raise 429 ``throttled`` once the window's budget is spent."""
    limit, window = _rate(scope)
    now = int(time.time())
    bucket = now // window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        raise Throttled(wait=(bucket + 1) * window - now)


def reset(scope: str, ident: str) -> None:
    _limit, window = _rate(scope)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    cache.delete(f"throttle:{scope}:{digest}:{int(time.time()) // window}")
