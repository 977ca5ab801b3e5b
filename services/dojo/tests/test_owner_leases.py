"""Renewing the owner's leases (dojos.owner.Owners._renew, ADR 0042): every lease an
instance keeps is renewed in one script call; one that another instance holds now
is given up, and what was queued for it goes to the dojo's next owner."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from django.conf import settings
from django.test import override_settings

from dojos import owner
from dojos.owner import Lease, Owners, Pending

pytestmark = [pytest.mark.asyncio]

LEASE_MS = 600


@pytest_asyncio.fixture
async def client() -> AsyncIterator[aioredis.Redis]:
    connection = aioredis.Redis.from_url(settings.CHANNEL_REDIS_URL, decode_responses=True)
    yield connection
    await connection.aclose()


async def test_every_kept_lease_is_renewed_in_one_call_and_a_lost_one_is_given_up(
    client: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    owners = Owners()
    owners._client()
    me = await owners._channel()
    kept = [uuid.uuid4() for _ in range(3)]
    lost = uuid.uuid4()
    for dojo_id in kept:
        await client.set(owners.lease_key(dojo_id), me, px=LEASE_MS)
    await client.set(owners.lease_key(lost), "another-instance|elsewhere", px=60_000)
    now = time.monotonic()
    for dojo_id in [*kept, lost]:
        owners.leases[("tenant", dojo_id)] = Lease("tenant", dojo_id, 1, now + 0.1)
    answers: list[dict[str, Any]] = []
    owners.leases[("tenant", lost)].queue.put_nowait(
        Pending({}, {"type": "chat"}, "en", "r1", False, answers.append)
    )
    calls: list[int] = []
    real_eval = owners.redis.eval  # type: ignore[union-attr]

    async def counting(script: str, keys: int, *args: Any) -> Any:
        if script == owner.RENEW:
            calls.append(keys)
        return await real_eval(script, keys, *args)

    monkeypatch.setattr(owners.redis, "eval", counting)

    with override_settings(DOJO_OWNER_LEASE_MS=LEASE_MS):
        renewer = asyncio.get_running_loop().create_task(owners._renew())
        try:
            # Well past the first lease's expiry: only renewals keep the three alive.
            await asyncio.sleep(LEASE_MS * 2.5 / 1000)
        finally:
            renewer.cancel()

    assert calls and all(count == 3 for count in calls[1:]), calls
    assert calls[0] == 4  # the first call carried the lost lease too
    for dojo_id in kept:
        assert await client.get(owners.lease_key(dojo_id)) == me
        lease = owners.leases[("tenant", dojo_id)]
        assert lease.usable()
    assert ("tenant", lost) not in owners.leases
    assert answers == [{"reroute": True}]
    # The other instance's lease is untouched.
    assert await client.get(owners.lease_key(lost)) == "another-instance|elsewhere"
    for dojo_id in [*kept, lost]:
        await client.delete(owners.lease_key(dojo_id))
