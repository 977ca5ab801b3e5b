"""WebSocket tenant resolution from a short-lived, one-time ticket.

Long-lived JWTs never travel in URLs (they end up in logs): a client trades its
access token for a ticket over REST (``issue_ticket``), then connects with
``?ticket=…``. The ticket is consumed atomically (GETDEL), so it works once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from rest_framework.exceptions import APIException

from pocdex_shared.callers import Caller
from pocdex_shared.jwt import VerifiedToken

from . import revocation
from .resolution import tenant_for_token

Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[Any]
]

TICKET_PREFIX = "pocdex:ws-ticket:"
TICKET_TTL_SECONDS = 30


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def issue_ticket(
    token: VerifiedToken,
    *,
    resource: str,
    ttl: int = TICKET_TTL_SECONDS,
    extra: Mapping[str, str] | None = None,
) -> str:
    """Mint a one-time ticket bound to one user, tenant and resource (e.g. ``dojo:<id>``).

    ``extra`` carries what the socket needs from the REST request and cannot get
    later (the display name, the language); it reaches ``scope["ticket_extra"]``.
    """
    ticket = secrets.token_urlsafe(32)
    data = {
        "sub": token.subject,
        "tid": token.tenant_id,
        "role": token.role,
        "jti": token.token_id,
        # The session and issue time of the token, so the socket can be matched
        # against a later revocation (``tokens.revoked``).
        "sid": token.session_id,
        "iat": token.issued_at_epoch,
        "resource": resource,
        "extra": dict(extra or {}),
    }
    _redis().set(TICKET_PREFIX + ticket, json.dumps(data), ex=ttl)
    return ticket


def redeem_ticket(ticket: str) -> dict[str, Any] | None:
    if not ticket or len(ticket) > 128:
        return None
    raw = _redis().getdel(TICKET_PREFIX + ticket)
    return json.loads(raw) if raw else None


def _resolve(ticket: str) -> tuple[dict[str, Any], Any] | str:
    close_old_connections()
    data = redeem_ticket(ticket)
    if data is None:
        return "ticket_invalid"
    # The token the ticket came from may have been revoked since it was issued.
    if revocation.is_revoked(
        user_id=str(data.get("sub")),
        tenant_id=data.get("tid"),
        session_id=data.get("sid"),
        issued_at=int(data.get("iat") or 0),
    ):
        return revocation.TokenRevoked.default_code
    try:
        tenant = tenant_for_token(data.get("tid"))
    except APIException as exc:
        return str(exc.get_codes())
    return data, tenant


class TicketTenantMiddleware:
    """Sets ``scope["tenant"]``, ``scope["user"]`` and ``scope["ticket_resource"]``.

    On a bad ticket it sets ``scope["auth_error"]`` to a stable code and lets the
    consumer close the socket with it (a consumer must check it before accept).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        if scope.get("type") != "websocket":
            return await self.app(scope, receive, send)
        scope = dict(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        ticket = (query.get("ticket") or [""])[0]
        result = await sync_to_async(_resolve, thread_sensitive=True)(ticket)
        if isinstance(result, str):
            scope["auth_error"] = result
            scope["tenant"] = None
            scope["user"] = None
        else:
            data, tenant = result
            scope["tenant"] = tenant
            scope["ticket_resource"] = data["resource"]
            scope["ticket_extra"] = data.get("extra") or {}
            scope["user"] = Caller.from_ticket(data, tenant=tenant)
        return await self.app(scope, receive, send)
