"""Access that ends while sockets are open: suspension, removal, revoked tokens (dojos.access).

The events are consumed as the Celery task does (``consume``); the sockets are
the real consumer on the real Redis channel layer. Each test checks that the
sockets concerned receive the reason and close with 4410, and that the others
(another organization, another person, another session) stay open.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from rest_framework.test import APIClient

from config.asgi import application
from dojos.models import Connection, RemovedMember
from pocdex_shared.events.consumer import consume
from pocdex_shared.testing.tokens import access_token

from .conftest import Member, error_code
from .test_session import open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CreateDojo = Callable[..., dict[str, Any]]
CLOSE_REVOKED = 4410


@pytest_asyncio.fixture(autouse=True)
async def _close_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


def same_person(member: Member, tenant: Any, **claims: Any) -> Member:
    """``member`` with another access token: another session, or another organization."""
    token = access_token(
        tenant_id=tenant.id, subject=member.id, role=member.role, name=member.name, **claims
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return Member(tenant, member.id, member.role, member.name, token, client)


def event(topic: str, payload: dict[str, Any], *, occurred_at: float | None = None) -> bool:
    """Consume one event from accounts, as the Celery task does."""
    moment = datetime.fromtimestamp(occurred_at or time.time(), tz=UTC)
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": topic,
        "producer": "accounts",
        "tenant_id": payload.get("tenant_id"),
        "occurred_at": moment.isoformat(),
        "payload": payload,
    }
    return consume(envelope)


async def consumed(topic: str, payload: dict[str, Any], **kw: Any) -> None:
    assert await sync_to_async(event)(topic, payload, **kw) is True


async def closed(communicator: WebsocketCommunicator) -> tuple[dict[str, Any], int]:
    """Read until the server closes the socket: the last frame before it, and the close code."""
    frames: list[dict[str, Any]] = []
    while True:
        message = await communicator.receive_output(5)
        if message["type"] == "websocket.close":
            await communicator.disconnect()
            return frames[-1], int(message["code"])
        frames.append(json.loads(message["text"]))


async def still_open(communicator: WebsocketCommunicator) -> None:
    """The socket answers a ping, and nothing closed it before."""
    ref = uuid.uuid4().hex
    await communicator.send_json_to({"type": "ping", "id": ref})
    while True:
        message = await communicator.receive_output(5)
        assert message["type"] == "websocket.send", message
        frame = json.loads(message["text"])
        assert frame.get("fatal") is not True, frame
        if frame["type"] == "pong" and frame["ref"] == ref:
            return


async def test_suspending_an_organization_closes_its_sockets_and_no_others(
    org: Any, ana: Member, bruno: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    ours = await sync_to_async(create_dojo)(ana)
    theirs = await sync_to_async(create_dojo)(outsider)
    a = await open_socket(ana, ours["id"])
    b = await open_socket(bruno, ours["id"])
    o = await open_socket(outsider, theirs["id"])

    # Another organization's suspension, and an update that is not one, close nothing.
    await consumed("tenant.updated", {"id": str(org.id), "slug": org.slug, "status": "active"})
    await consumed("tenant.updated", {"id": str(outsider.tenant.id), "status": "suspended"})
    error, code = await closed(o)
    assert (error["code"], error["fatal"], code) == ("tenant_suspended", True, CLOSE_REVOKED)

    await consumed("tenant.updated", {"id": str(org.id), "slug": org.slug, "status": "suspended"})
    for communicator in (a, b):
        error, code = await closed(communicator)
        assert (error["type"], error["code"], code) == ("error", "tenant_suspended", CLOSE_REVOKED)
        assert error["message"] == "This organization is suspended."


async def test_a_removed_member_is_disconnected_and_refused_a_ticket_until_invited_back(
    org: Any,
    ana: Member,
    make_member: Callable[..., Member],
    make_tenant: Callable[..., Any],
    create_dojo: CreateDojo,
) -> None:
    an_hour_ago = int(time.time()) - 3600
    bruno = await sync_to_async(make_member)(org, name="Bruno Barros", iat=an_hour_ago)
    elsewhere = await sync_to_async(make_tenant)()
    bruno_elsewhere = same_person(bruno, elsewhere, iat=an_hour_ago)
    ours = await sync_to_async(create_dojo)(ana)
    theirs = await sync_to_async(create_dojo)(bruno_elsewhere)
    a = await open_socket(ana, ours["id"])
    b = await open_socket(bruno, ours["id"])
    b_elsewhere = await open_socket(bruno_elsewhere, theirs["id"])
    # A ticket taken before the removal, to be used after it.
    early = await sync_to_async(bruno.client.post)(f"/api/v1/dojos/{ours['id']}/ticket")
    assert early.status_code == 201

    await consumed(
        "member.removed",
        {"user_id": str(bruno.id), "tenant_id": str(org.id)},
        occurred_at=time.time() - 60,
    )
    error, code = await closed(b)
    assert (error["code"], error["fatal"], code) == ("membership_revoked", True, CLOSE_REVOKED)
    await still_open(a)
    await still_open(b_elsewhere)

    def removed_here_only() -> tuple[bool, bool]:
        with ana.data():
            here = RemovedMember.objects.filter(user_id=bruno.id).exists()
        with bruno_elsewhere.data():
            there = RemovedMember.objects.filter(user_id=bruno.id).exists()
        return here, there

    assert await sync_to_async(removed_here_only)() == (True, False)

    refused = await sync_to_async(bruno.client.post)(f"/api/v1/dojos/{ours['id']}/ticket")
    assert refused.status_code == 403
    assert error_code(refused) == "membership_revoked"
    late = WebsocketCommunicator(application, early.json()["url"])
    await late.connect()
    error, code = await closed(late)
    assert (error["code"], error["fatal"], code) == ("membership_revoked", True, CLOSE_REVOKED)

    def bruno_connected() -> bool:
        with ana.data():
            return Connection.objects.filter(user_id=bruno.id).exists()

    assert await sync_to_async(bruno_connected)() is False
    # His membership elsewhere is untouched; invited back here, a new token works.
    other = await sync_to_async(bruno_elsewhere.client.post)(f"/api/v1/dojos/{theirs['id']}/ticket")
    assert other.status_code == 201
    back = same_person(bruno, org)
    assert (
        await sync_to_async(back.client.post)(f"/api/v1/dojos/{ours['id']}/ticket")
    ).status_code == 201
    await a.disconnect()
    await b_elsewhere.disconnect()


async def test_revoked_tokens_close_the_sockets_of_their_session_organization_and_age(
    org: Any,
    ana: Member,
    make_member: Callable[..., Member],
    make_tenant: Callable[..., Any],
    create_dojo: CreateDojo,
) -> None:
    now = int(time.time())
    issued = now - 100
    elsewhere = await sync_to_async(make_tenant)()
    bruno = await sync_to_async(make_member)(org, name="Bruno Barros", sid=str(uuid.uuid4()))
    phone = same_person(ana, org, sid=str(uuid.uuid4()), iat=issued)
    laptop = same_person(ana, org, sid=str(uuid.uuid4()), iat=issued)
    legacy = same_person(ana, org, iat=issued)  # a token from before sessions had an id
    away = same_person(ana, elsewhere, sid=str(uuid.uuid4()), iat=issued)
    away_too = same_person(ana, elsewhere, sid=str(uuid.uuid4()), iat=issued)
    ours = await sync_to_async(create_dojo)(ana)
    theirs = await sync_to_async(create_dojo)(away)
    sockets = {
        "phone": await open_socket(phone, ours["id"]),
        "laptop": await open_socket(laptop, ours["id"]),
        "legacy": await open_socket(legacy, ours["id"]),
        "away": await open_socket(away, theirs["id"]),
        "away_too": await open_socket(away_too, theirs["id"]),
        "bruno": await open_socket(bruno, ours["id"]),
    }

    def revoked(token_of: Member | None, reason: str, **fields: Any) -> dict[str, Any]:
        sid = None
        if token_of is not None:
            from pocdex_shared.jwt import get_verifier

            sid = get_verifier().verify(token_of.token).claims["sid"]
        return {
            "user_id": str(ana.id),
            "tenant_id": str(org.id),
            "family_id": sid,
            "issued_before": now,
            "reason": reason,
            **fields,
        }

    # Logging out of the phone ends that session; the token without a session id
    # can only be matched by person and age, so it ends too.
    await consumed("tokens.revoked", await sync_to_async(revoked)(phone, "logout"))
    for name in ("phone", "legacy"):
        error, code = await closed(sockets.pop(name))
        assert (error["code"], error["fatal"], code) == ("token_revoked", True, CLOSE_REVOKED)

    # A role change older than the laptop's token concerns none of them; then a
    # logout in the other organization closes that session only (revocations are
    # handled in order, so by then the role change was too).
    await consumed(
        "tokens.revoked",
        await sync_to_async(revoked)(None, "role_changed", issued_before=now - 200),
    )
    await consumed(
        "tokens.revoked",
        await sync_to_async(revoked)(away, "logout", tenant_id=str(elsewhere.id)),
    )
    error, code = await closed(sockets.pop("away"))
    assert (error["code"], code) == ("token_revoked", CLOSE_REVOKED)
    for name in ("laptop", "away_too", "bruno"):
        await still_open(sockets[name])

    # A password reset ends every session of the person in every organization.
    await consumed(
        "tokens.revoked", await sync_to_async(revoked)(None, "password_reset", tenant_id=None)
    )
    for name in ("laptop", "away_too"):
        error, code = await closed(sockets.pop(name))
        assert (error["code"], code) == ("token_revoked", CLOSE_REVOKED)
    await still_open(sockets["bruno"])
    await sockets["bruno"].disconnect()
