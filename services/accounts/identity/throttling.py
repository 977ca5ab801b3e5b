"""Fixed-window throttles in the shared cache, keyed per IP and per account.

Rates are read from ``settings.THROTTLES`` at call time ("<count>/<seconds>").
A window opens at the first attempt and lasts its seconds.

Counters live in the ``throttles`` cache alias, whose keys do not carry the
active tenant schema: the default cache prefixes every key with the schema the
tenant middleware chose from the request's Bearer token, so a token of any
organization would otherwise open a fresh budget (ADR 0018).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest
from rest_framework.exceptions import Throttled


def client_ip(request: HttpRequest) -> str:
    """The gateway appends the peer to X-Forwarded-For; trust only its last hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", "unknown"))


THROTTLE_CACHE = "throttles"


def _cache() -> BaseCache:
    return caches[THROTTLE_CACHE]


def _rate(scope: str) -> tuple[int, int]:
    count, _, seconds = settings.THROTTLES[scope].partition("/")
    return int(count), int(seconds)


def _keys(scope: str, ident: str) -> tuple[str, str]:
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    base = f"throttle:{scope}:{digest}"
    return base + ":count", base + ":start"


def hit(scope: str, ident: str) -> None:
    """Count one attempt; raise 429 ``throttled`` once the window's budget is spent.

    The window opens at the first attempt (not at a clock boundary), so a burst
    can never straddle two windows and get twice the budget.
    """
    limit, window = _rate(scope)
    count_key, start_key = _keys(scope, ident)
    now = time.time()
    cache = _cache()
    cache.add(start_key, now, timeout=window)
    if cache.add(count_key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(count_key)
        except ValueError:  # the window closed between add and incr
            cache.add(start_key, now, timeout=window)
            cache.add(count_key, 1, timeout=window)
            count = 1
    if count > limit:
        started = cache.get(start_key) or now
        raise Throttled(wait=max(1, math.ceil(started + window - now)))


def reset(scope: str, ident: str) -> None:
    _cache().delete_many(list(_keys(scope, ident)))
