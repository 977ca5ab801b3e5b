"""Revoked access tokens: a short-lived deny list every service checks.

Access tokens are verified locally by every service, so on their own they would
keep working after a logout, a refresh-token reuse, a password reset, a removal
or a role change until they expire. Accounts publishes ``tokens.revoked`` for
each of those, in the transaction that causes it; every service (accounts
included) records it here, and refuses a matching token with
``401 token_revoked``.

A revocation names a person (``user_id``), optionally one organization
(``tenant_id``, ``None``: all of them) and one session (``family_id``, the
token's ``sid``; ``None``: every session), and refuses the tokens issued at or
before ``issued_before`` (epoch seconds). Tokens issued later (a new login, a
refresh after a role change) are untouched.

Entries live in Redis, one hash per person, and only as long as a token they
can match may still pass verification: the access-token lifetime plus the
verifiers' leeway (``revocation_window``). A process keeps what it read for a
person for ``REVOCATION_CACHE_SECONDS`` (default 1), so a burst of calls costs
one Redis round trip; see docs/tokens.md for the resulting window.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.signals import setting_changed
from rest_framework.exceptions import AuthenticationFailed

from pocdex_shared.conf import env
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.jwt import VerifiedToken
from pocdex_shared.memo import TtlCache

logger = logging.getLogger(__name__)

TOKENS_REVOKED = "tokens.revoked"
REASONS = ("logout", "refresh_reuse", "password_reset", "member_removed", "role_changed")
KEY_PREFIX = "pocdex:revoked:"
_ANY = "*"

#: Raised when the deny list cannot be reached.
RedisError = redis.RedisError


class TokenRevoked(AuthenticationFailed):
    default_code = "token_revoked"
    default_detail = _(
        "This access token has been revoked. Refresh it, or log in again if that fails."
    )


@dataclass(frozen=True)
class Revocation:
    user_id: str
    tenant_id: str | None
    family_id: str | None
    issued_before: int
    reason: str

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Revocation:
        """Read a ``tokens.revoked`` payload; ``ValueError`` if it is not one."""

        def optional_uuid(name: str) -> str | None:
            value = payload.get(name)
            return None if value is None else str(uuid.UUID(str(value)))

        issued_before = payload.get("issued_before")
        if not isinstance(issued_before, int) or isinstance(issued_before, bool):
            raise ValueError("issued_before must be an integer")
        reason = str(payload.get("reason", ""))
        return cls(
            user_id=str(uuid.UUID(str(payload["user_id"]))),
            tenant_id=optional_uuid("tenant_id"),
            family_id=optional_uuid("family_id"),
            issued_before=issued_before,
            reason=reason,
        )

    def payload(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "tenant_id": self.tenant_id,
            "family_id": self.family_id,
            "issued_before": self.issued_before,
            "reason": self.reason,
        }

    @property
    def scope(self) -> str:
        """The hash field of this revocation: ``<tenant or *>|<family or *>``."""
        return f"{self.tenant_id or _ANY}|{self.family_id or _ANY}"


def revocation_window() -> int:
    """Seconds a revoked token could still pass verification: access TTL plus leeway.

    The access-token lifetime is accounts' ``ACCESS_TOKEN_TTL_SECONDS`` (the same
    environment variable, read here so every service agrees without a call).
    """
    configured = getattr(settings, "REVOCATION_WINDOW_SECONDS", None)
    if configured is not None:
        return int(configured)
    ttl = env.int("ACCESS_TOKEN_TTL_SECONDS", default=600)
    return int(ttl) + int(getattr(settings, "JWT_LEEWAY_SECONDS", 30))


def matches(
    entries: Mapping[str, int],
    *,
    tenant_id: str | None,
    session_id: str | None,
    issued_at: int,
    now: float,
    window: int,
) -> bool:
    """Whether a token (its ``tid``, ``sid`` and ``iat``) falls under one of a person's entries.

    An entry scoped to a session never matches a token without ``sid`` (issued
    before sessions were named); an entry older than ``window`` matches nothing,
    since every token it covered has expired.
    """
    for scope, issued_before in entries.items():
        if issued_at > issued_before or issued_before + window < now:
            continue
        tenant, _sep, family = scope.partition("|")
        if tenant != _ANY and tenant != tenant_id:
            continue
        if family != _ANY and family != session_id:
            continue
        return True
    return False


# ------------------------------------------------------------------ Redis

# Keep the newest issued_before per scope (an event delivered twice, or late,
# never weakens a revocation), drop entries past the window, and let the
# person's key expire with its newest entry.
_RECORD = """
local key = KEYS[1]
local scope, value = ARGV[1], tonumber(ARGV[2])
local stale_before, window = tonumber(ARGV[3]), tonumber(ARGV[4])
local current = tonumber(redis.call('HGET', key, scope))
if current == nil or current < value then redis.call('HSET', key, scope, value) end
local newest = nil
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  local v = tonumber(all[i + 1])
  if v < stale_before then
    redis.call('HDEL', key, all[i])
  elseif newest == nil or v > newest then
    newest = v
  end
end
if newest ~= nil then redis.call('EXPIREAT', key, newest + window) end
return newest
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def _redis_url() -> str:
    return str(getattr(settings, "REVOCATION_REDIS_URL", None) or settings.REDIS_URL)


def _client() -> redis.Redis:
    url = _redis_url()
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.setdefault(
                url,
                redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5),
            )
    return client


def _key(user_id: str) -> str:
    return KEY_PREFIX + user_id


# What this process last read for a person: {scope: issued_before}.
_local: TtlCache[str, dict[str, int]] = TtlCache(max_entries=50_000)
#: The clock of the window checks (wall seconds); tests replace it.
wall_clock: Callable[[], float] = time.time


def forget_local(user_id: str | None = None) -> None:
    _local.forget(user_id)


def record(revocation: Revocation) -> None:
    """Add a revocation to the deny list (idempotent; the newest ``issued_before`` wins)."""
    window = revocation_window()
    now = int(wall_clock())
    _client().eval(
        _RECORD,
        1,
        _key(revocation.user_id),
        revocation.scope,
        revocation.issued_before,
        now - window,
        window,
    )
    forget_local(revocation.user_id)


def entries_for(user_id: str, *, fresh: bool = False) -> dict[str, int]:
    """A person's entries, from this process's memory for a moment (unless ``fresh``), else Redis."""
    cached = None if fresh else _local.get(user_id)
    if cached is not None:
        return cached
    raw: dict[bytes, bytes] = _client().hgetall(_key(user_id))  # type: ignore[assignment]
    entries = {scope.decode(): int(value) for scope, value in raw.items()}
    ttl = float(getattr(settings, "REVOCATION_CACHE_SECONDS", 1.0))
    if ttl > 0:
        _local.put(user_id, entries, ttl)
    return entries


def is_revoked(
    *, user_id: str, tenant_id: str | None, session_id: str | None, issued_at: int
) -> bool:
    """Whether the deny list refuses this token. Fails open (logged) when Redis is down."""
    try:
        entries = entries_for(user_id)
    except redis.RedisError as exc:
        logger.warning("revocation list unreachable; token accepted: %s", exc)
        return False
    if not entries:
        return False
    return matches(
        entries,
        tenant_id=tenant_id,
        session_id=session_id,
        issued_at=issued_at,
        now=wall_clock(),
        window=revocation_window(),
    )


def check(token: VerifiedToken) -> None:
    """Raise ``TokenRevoked`` for a verified access token the deny list refuses."""
    if is_revoked(
        user_id=token.subject,
        tenant_id=token.tenant_id,
        session_id=token.session_id,
        issued_at=token.issued_at_epoch,
    ):
        raise TokenRevoked()


def reissue_floor(*, user_id: str, tenant_id: str) -> int | None:
    """The newest ``issued_before`` that would refuse any new token of this person here.

    Accounts issues new tokens with an ``iat`` above it, so a token issued in the
    same second as a revocation (a refresh right after a role change) is not
    refused with the old ones. Session-scoped entries are left out: a revoked
    session issues no new token.
    """
    entries = entries_for(user_id, fresh=True)
    floors = [
        issued_before
        for scope, issued_before in entries.items()
        if scope.partition("|")[0] in (_ANY, tenant_id) and scope.endswith("|" + _ANY)
    ]
    return max(floors) if floors else None


def on_tokens_revoked(envelope: dict[str, Any]) -> None:
    """The ``tokens.revoked`` handler every service registers."""
    try:
        revocation = Revocation.from_payload(envelope["payload"])
    except (KeyError, ValueError, TypeError):
        logger.error("malformed tokens.revoked event dropped", extra={"event_id": envelope["id"]})
        return
    record(revocation)


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("REVOCATION_", "REDIS_URL")):
        forget_local()


setting_changed.connect(_on_setting_changed, dispatch_uid="pocdex_revocation_settings")
