"""Owning a dojo ahead of its first command (dojos.owner.Owners.prepare, ADR 0054):
the first connection to a dojo takes its lease, fencing token and claim on the row
in the background, so the first edit pays none of it; a lease held elsewhere is
remembered; a lease is kept while someone is connected here; a command sent while
the lease is being taken waits for it instead of taking another."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import override_settings

from dojos import owner
from dojos.models import Dojo
from dojos.owner import owners

from .conftest import Member
from .test_session import join, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CreateDojo = Callable[..., dict[str, Any]]


@pytest_asyncio.fixture
async def client() -> AsyncIterator[aioredis.Redis]:
    connection = aioredis.Redis.from_url(settings.CHANNEL_REDIS_URL, decode_responses=True)
    yield connection
    await connection.aclose()


@pytest.fixture
def acquisitions(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """The dojos whose lease this instance tried to take, in order."""
    seen: list[uuid.UUID] = []
    real = owners._acquire

    async def counting(schema: str, dojo_id: uuid.UUID, me: str) -> Any:
        seen.append(dojo_id)
        return await real(schema, dojo_id, me)

    monkeypatch.setattr(owners, "_acquire", counting)
    return seen


async def until(condition: Callable[[], Any], what: str, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def _epoch(member: Member, dojo_id: str) -> int:
    with member.data():
        return int(Dojo.objects.get(id=dojo_id).owner_epoch)


async def _live(member: Member, create_dojo: CreateDojo) -> str:
    dojo = await sync_to_async(create_dojo)(member)
    await start(member, dojo["id"])
    return str(dojo["id"])


async def test_the_first_connection_takes_the_lease_and_the_first_command_takes_none(
    ana: Member, create_dojo: CreateDojo, client: aioredis.Redis, acquisitions: list[uuid.UUID]
) -> None:
    dojo_id = await _live(ana, create_dojo)
    key = (ana.tenant.schema_name, uuid.UUID(dojo_id))
    assert await client.get(owners.lease_key(key[1])) is None
    a = await join(ana, dojo_id)

    async def owned() -> bool:
        return key in owners.leases

    await until(owned, "the lease taken ahead")
    lease = owners.leases[key]
    assert await client.get(owners.lease_key(key[1])) == await owners._channel()
    # The row carries the lease's fencing token: the claim was made too.
    assert await sync_to_async(_epoch)(ana, dojo_id) == lease.epoch
    assert acquisitions == [key[1]]

    await a.send({"type": "chat", "text": "olá"})
    await a.until(lambda f: f["type"] == "chat")
    # The command found the dojo owned: no second acquisition, the same lease.
    assert acquisitions == [key[1]]
    assert owners.leases[key] is lease
    await a.close()


async def test_a_dojo_owned_elsewhere_is_remembered_not_taken(
    ana: Member, create_dojo: CreateDojo, client: aioredis.Redis, acquisitions: list[uuid.UUID]
) -> None:
    dojo_id = await _live(ana, create_dojo)
    elsewhere = "instance!another|another-host:1:abc"
    await client.set(owners.lease_key(uuid.UUID(dojo_id)), elsewhere, px=60_000)
    try:
        a = await join(ana, dojo_id)

        async def remembered() -> bool:
            return owners.holders.get(uuid.UUID(dojo_id)) == elsewhere

        await until(remembered, "the holder remembered")
        assert acquisitions == []
        assert (ana.tenant.schema_name, uuid.UUID(dojo_id)) not in owners.leases
        assert await client.get(owners.lease_key(uuid.UUID(dojo_id))) == elsewhere
        await a.close()
    finally:
        await client.delete(owners.lease_key(uuid.UUID(dojo_id)))


async def test_an_idle_lease_is_kept_while_someone_is_connected_here(
    ana: Member, create_dojo: CreateDojo, client: aioredis.Redis
) -> None:
    dojo_id = await _live(ana, create_dojo)
    key = (ana.tenant.schema_name, uuid.UUID(dojo_id))
    lease_ms = 600
    with override_settings(DOJO_OWNER_LEASE_MS=lease_ms, DOJO_OWNER_IDLE_SECONDS=0):
        a = await join(ana, dojo_id)

        async def owned() -> bool:
            return key in owners.leases

        await until(owned, "the lease taken ahead")
        me = await owners._channel()
        # Several renewal periods, each of them idle past DOJO_OWNER_IDLE_SECONDS.
        await asyncio.sleep(lease_ms * 3 / 1000)
        assert key in owners.leases and owners.leases[key].usable()
        assert await client.get(owners.lease_key(key[1])) == me

        await a.close()

        async def released() -> bool:
            return key not in owners.leases and await client.get(owners.lease_key(key[1])) is None

        await until(released, "the idle lease given up once nobody is connected here")


async def test_a_command_sent_while_the_lease_is_being_taken_waits_for_it(
    ana: Member,
    create_dojo: CreateDojo,
    client: aioredis.Redis,
    acquisitions: list[uuid.UUID],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dojo_id = await _live(ana, create_dojo)
    key = (ana.tenant.schema_name, uuid.UUID(dojo_id))
    claiming, go = threading.Event(), threading.Event()
    real_claim = owner.claim

    def slow_claim(dojo: uuid.UUID, epoch: int) -> int | None:
        claiming.set()
        assert go.wait(10)
        return real_claim(dojo, epoch)

    monkeypatch.setattr(owner, "claim", slow_claim)
    a = await join(ana, dojo_id)
    assert await sync_to_async(claiming.wait)(10)
    # The lease is in Redis, its claim on the row not made yet: the chat's
    # submission must wait for it, not find its own instance named and take another.
    await a.send({"type": "chat", "text": "primeira"})
    go.set()
    await a.until(lambda f: f["type"] == "chat")
    assert acquisitions == [key[1]]
    assert await sync_to_async(_epoch)(ana, dojo_id) == owners.leases[key].epoch
    await a.close()
