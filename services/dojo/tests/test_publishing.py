"""Publishing on the owners' Redis client (dojos.live.layer_publish): what the channel
layer's receivers read is exactly what ``group_send`` and ``send`` would have sent, in
order, from one pipelined round trip."""

from __future__ import annotations

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
