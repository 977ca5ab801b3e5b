"""Publishing on the owners' Redis client (dojos.live.layer_publish): what the channel
layer's receivers read is exactly what ``group_send`` and ``send`` would have sent, in
order, from one pipelined round trip."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from channels.layers import get_channel_layer

from dojos import live
from dojos.owner import Owners

pytestmark = [pytest.mark.asyncio]


async def test_a_round_of_events_reaches_every_group_member_in_order_in_one_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layer: Any = get_channel_layer()
    owners = Owners()
    redis = owners._client()
    first, second = uuid.uuid4(), uuid.uuid4()
    members = [await layer.new_channel("test!"), await layer.new_channel("test!")]
    for channel in members:
        await layer.group_add(live.group_name("tenant_a", first), channel)
    await layer.group_add(live.group_name("tenant_b", second), members[1])
    calls: list[int] = []
    real_pipeline = redis.pipeline

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_pipeline(*args, **kwargs)

    monkeypatch.setattr(redis, "pipeline", counting)
    monkeypatch.setattr("dojos.owner.owners", owners)

    events = [{"type": "chat", "seq": seq, "text": f"é {seq}"} for seq in range(1, 6)]
    await live.instance.publish_many(
        [("tenant_a", first, events), ("tenant_b", second, [{"type": "chat", "seq": 9}])]
    )

    assert calls == [1]
    for channel in members:
        received = [await layer.receive(channel) for _ in events]
        assert [message["event"] for message in received] == events
        assert {message["type"] for message in received} == {"dojo.event"}
        assert all(message["dojo"] == first.hex for message in received)
        assert [message["text"] for message in received] == [live.encode(e) for e in events]
    other = await layer.receive(members[1])
    assert (other["schema"], other["dojo"], other["event"]["seq"]) == ("tenant_b", second.hex, 9)
    # The other organization's event went to its own dojo's group only.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(members[0]), 0.3)
    await redis.aclose()


async def test_a_message_to_a_channel_reads_as_the_layers_send() -> None:
    layer: Any = get_channel_layer()
    redis = Owners()._client()
    channel = await layer.new_channel("instance!")
    message = {"type": "dojo.outcome", "request": "r1", "outcome": {"ok": True}}

    await live.layer_publish(layer, redis, [(channel, message)], groups=False)

    assert await layer.receive(channel) == message
    await redis.aclose()


async def test_replies_are_parsed_by_hiredis() -> None:
    """Every event reaches an instance through a subscription: its replies are parsed in C."""
    from redis.asyncio.connection import _AsyncHiredisParser

    redis = Owners()._client()
    connection = await redis.connection_pool.get_connection()
    try:
        assert isinstance(connection._parser, _AsyncHiredisParser)
    finally:
        await redis.connection_pool.release(connection)
        await redis.aclose()


async def test_a_forward_looks_the_owner_up_once_and_again_when_its_channel_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forwards go to the owner remembered from the last one (no Redis lookup each);
    an owner whose channel nobody reads any more is looked up again at once."""
    from dojos import owner as owner_module
    from pocdex_shared.callers import Caller

    layer: Any = get_channel_layer()
    owners = Owners()
    monkeypatch.setattr(owner_module, "owners", owners)
    redis = owners._client()
    dojo_id = uuid.uuid4()
    first, second = await layer.new_channel("instance!"), await layer.new_channel("instance!")
    applied: list[str] = []

    async def owner_instance(channel: str) -> None:
        while True:
            message = await layer.receive(channel)
            applied.append(channel)
            await layer.send(
                message["reply_to"],
                {"type": owner_module.OUTCOME, "request": message["request"], "outcome": {"ok": 1}},
            )

    readers = [asyncio.create_task(owner_instance(c)) for c in (first, second)]
    await redis.set(owners.lease_key(dojo_id), f"{first}|first-instance", px=60_000)
    lookups: list[str] = []
    real_get = redis.get

    async def counting(key: str) -> Any:
        lookups.append(key)
        return await real_get(key)

    monkeypatch.setattr(redis, "get", counting)
    actor = Caller(id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="member", name="Ana")
    try:
        for text in ("one", "two", "three"):
            outcome = await owners.submit(
                "tenant", dojo_id, actor, {"type": "chat", "text": text}, "en"
            )
            assert outcome == {"ok": 1}
        assert applied == [first] * 3
        assert lookups == [owners.lease_key(dojo_id)]

        # The first owner's process is gone (nobody reads its channel); the second took over.
        owners.holders[dojo_id] = f"instance!{uuid.uuid4().hex}|a-dead-instance"
        await redis.set(owners.lease_key(dojo_id), f"{second}|second-instance", px=60_000)
        outcome = await owners.submit(
            "tenant", dojo_id, actor, {"type": "chat", "text": "four"}, "en"
        )
        assert outcome == {"ok": 1}
        assert applied == [first] * 3 + [second]
        assert lookups == [owners.lease_key(dojo_id)] * 2
    finally:
        for reader in readers:
            reader.cancel()
        await redis.delete(owners.lease_key(dojo_id))
        await redis.aclose()
