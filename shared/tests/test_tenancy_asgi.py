"""WebSocket tenant resolution from one-time tickets kept in the real Redis.

``TicketTenantMiddleware`` wraps a tiny consumer written the way real consumers
must be: check ``scope["auth_error"]`` before anything else. The tests drive it
with Channels' ``WebsocketCommunicator`` through ``async_to_sync``, so that the
middleware's database work runs on the test's thread and connection.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from pocdex_shared.callers import Caller
from pocdex_shared.jwt import VerifiedToken, get_verifier
from pocdex_shared.tenancy.asgi import TICKET_PREFIX, TicketTenantMiddleware, issue_ticket
from pocdex_shared.tenancy.models import TenantStatus
from tests.conftest import MakeTenant
from tests.keys import access_token

# The middleware closes stale connections as every Channels consumer does, which
# would end a test wrapped in a transaction: these tests commit instead.
pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_CODES = {"ticket_invalid": 4401, "tenant_unknown": 4401}
FORBIDDEN = 4403


class TenantEchoConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Says who it serves, or why it refuses (the code first, then the close code)."""

    async def connect(self) -> None:
        await self.accept()
        error = self.scope.get("auth_error")
        if error:
            await self.send_json({"type": "error", "code": error})
            await self.close(code=CLOSE_CODES.get(error, FORBIDDEN))
            return
        user: Caller = self.scope["user"]
        await self.send_json(
            {
                "type": "hello",
                "tenant": self.scope["tenant"].slug,
                "user": str(user.id),
                "role": user.role,
                "resource": self.scope["ticket_resource"],
            }
        )


application = TicketTenantMiddleware(TenantEchoConsumer.as_asgi())


def verified(tenant_id: Any, *, subject: str | None = None, role: str = "member") -> VerifiedToken:
    """What the REST endpoint that issues tickets has after verifying the caller's token."""
    token = access_token(tenant_id=tenant_id, subject=subject, role=role)
    return get_verifier().verify(token)


def connect(ticket: str | None) -> tuple[bool, list[dict[str, Any]]]:
    """Open a socket with ``ticket``; what the consumer sent, ending with the close frame."""

    async def run() -> tuple[bool, list[dict[str, Any]]]:
        path = "/ws/dojo/1" if ticket is None else f"/ws/dojo/1?ticket={ticket}"
        communicator = WebsocketCommunicator(application, path)
        connected, _ = await communicator.connect()
        received = [await communicator.receive_json_from()]
        if received[0]["type"] == "error":
            received.append(await communicator.receive_output())
        await communicator.disconnect()
        return connected, received

    return async_to_sync(run)()


@pytest.fixture
def ticket_store() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def test_valid_ticket_connects_with_tenant_and_user_in_scope(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("dojo-org")
    user = str(uuid.uuid4())
    ticket = issue_ticket(verified(tenant.id, subject=user, role="admin"), resource="dojo:1")

    connected, received = connect(ticket)

    assert connected
    assert received == [
        {"type": "hello", "tenant": "dojo-org", "user": user, "role": "admin", "resource": "dojo:1"}
    ]


def test_ticket_is_stored_with_a_ttl_and_without_the_token(
    make_tenant: MakeTenant, ticket_store: redis.Redis
) -> None:
    tenant = make_tenant("ttl-org")
    token = verified(tenant.id)

    ticket = issue_ticket(token, resource="dojo:7")

    key = TICKET_PREFIX + ticket
    assert 0 < ticket_store.ttl(key) <= 30
    stored = ticket_store.get(key)
    assert stored is not None
    assert token.token_id in stored.decode()
    assert str(tenant.id) in stored.decode()
    assert "eyJ" not in stored.decode(), "the JWT itself must never be stored"


def test_same_ticket_a_second_time_is_refused(
    make_tenant: MakeTenant, ticket_store: redis.Redis
) -> None:
    tenant = make_tenant("once-org")
    ticket = issue_ticket(verified(tenant.id), resource="dojo:1")
    first, _ = connect(ticket)

    _, received = connect(ticket)

    assert first
    assert received[0] == {"type": "error", "code": "ticket_invalid"}
    assert received[1] == {"type": "websocket.close", "code": 4401}
    assert ticket_store.exists(TICKET_PREFIX + ticket) == 0


def test_expired_ticket_is_refused(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("slow-org")
    ticket = issue_ticket(verified(tenant.id), resource="dojo:1", ttl=1)

    time.sleep(1.5)
    _, received = connect(ticket)

    assert received[0] == {"type": "error", "code": "ticket_invalid"}
    assert received[1]["code"] == 4401


def test_ticket_of_a_suspended_tenant_is_refused_with_tenant_suspended(
    make_tenant: MakeTenant,
) -> None:
    tenant = make_tenant("late-payer")
    ticket = issue_ticket(verified(tenant.id), resource="dojo:1")
    tenant.status = TenantStatus.SUSPENDED
    tenant.save(update_fields=["status"])

    _, received = connect(ticket)

    assert received[0] == {"type": "error", "code": "tenant_suspended"}
    assert received[1] == {"type": "websocket.close", "code": 4403}


def test_ticket_of_a_tenant_this_service_does_not_know_is_refused_with_tenant_unknown() -> None:
    ticket = issue_ticket(verified(uuid.uuid4()), resource="dojo:1")

    _, received = connect(ticket)

    assert received[0] == {"type": "error", "code": "tenant_unknown"}
    assert received[1] == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize("ticket", [None, "", "not-a-ticket", "x" * 500], ids=repr)
def test_missing_or_made_up_ticket_is_refused_with_ticket_invalid(
    make_tenant: MakeTenant, ticket: str | None
) -> None:
    make_tenant("some-org")

    _, received = connect(ticket)

    assert received[0] == {"type": "error", "code": "ticket_invalid"}
    assert received[1] == {"type": "websocket.close", "code": 4401}


def test_http_requests_pass_through_untouched() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    async def run() -> None:
        await TicketTenantMiddleware(app)({"type": "http", "path": "/"}, None, None)

    async_to_sync(run)()

    assert seen == [{"type": "http", "path": "/"}]


def test_ticket_extra_reaches_the_scope_and_stays_out_of_the_url(
    make_tenant: MakeTenant, ticket_store: redis.Redis
) -> None:
    tenant = make_tenant("extra-org")
    ticket = issue_ticket(
        verified(tenant.id), resource="dojo:3", extra={"name": "Ana", "lang": "pt-br"}
    )

    stored = json.loads(ticket_store.get(TICKET_PREFIX + ticket) or b"{}")

    assert stored["extra"] == {"name": "Ana", "lang": "pt-br"}
    assert "Ana" not in ticket
