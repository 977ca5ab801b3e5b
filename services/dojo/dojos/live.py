"""What one daphne instance keeps for the dojos its clients are connected to.

- Publishing: events go to the dojo's group on the shared channel layer.
- Commands: the instance's channel also carries the commands other instances
  forward to the dojos this instance owns, and the owners' answers to the
  commands it forwarded (``dojos.owner``).
- Delivery: the instance, not each connection, is the group member. It has one
  channel on the layer, joins a dojo's group while it has connections to that
  dojo, and hands each event it receives to those connections itself: one Redis
  subscription and one decoding per event and instance, and no task wake-up per
  connection (bench/dojo, docs/benchmarks.md).
- Timers: one local timer per dojo with connections here, set from the timer
  state the events carry. When it fires, the instance asks the engine to rotate
  for that deadline; the row lock makes exactly one instance succeed, the
  others find the deadline already moved.
- Presence: a heartbeat refreshes this instance's row in each organization it
  serves (one row, however many connections), and sweeps the dojos it serves
  for connections no live instance keeps any more (an instance that died), so
  their departure is announced.
- Access: every instance's channel is also in one control group; when access
  ends (an organization suspended, a member removed, tokens revoked: the
  event handlers of ``dojos.access``), a message there makes each instance
  close the sockets it holds that the revocation concerns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, Protocol

from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone
from redis.asyncio import Redis

from pocdex_shared.metrics import dojo_delivered

from . import owner, presence, timer
from .threads import in_schema
from .transport import text_frame
from .wire import TIMER, encode

logger = logging.getLogger(__name__)
Key = tuple[str, uuid.UUID]


class Member(Protocol):
    """What the instance needs of a connection (``consumers.DojoConsumer``)."""

    schema: str
    dojo_id: uuid.UUID
    channel_name: str
    lock: asyncio.Lock

    def ready_for(self, event: dict[str, Any]) -> bool: ...

    def send_now(self, event: dict[str, Any] | None, payload: bytes, frame: bytes) -> bool: ...

    def later(self, delivery: Coroutine[Any, Any, None]) -> None: ...

    async def dojo_event(self, message: dict[str, Any]) -> None: ...

    async def dojo_ephemeral(self, message: dict[str, Any]) -> None: ...

    def revoked_by(self, message: dict[str, Any]) -> bool: ...

    async def end_session(self, code: str) -> None: ...


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def group_name(schema: str, dojo_id: uuid.UUID) -> str:
    return f"dojo.{schema}.{dojo_id.hex}"


# How often delivered frames are written to the metric (``Instance.count``).
COUNT_SECONDS = 1.0

# Every instance's channel is in this group: revocations reach every instance.
CONTROL_GROUP = "dojo.control"
REVOKE = "dojo.revoke"


def _layer() -> Any:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS is not configured")
    return layer


async def layer_publish(
    layer: Any, redis: Redis, messages: list[tuple[str, dict[str, Any]]], *, groups: bool
) -> list[int]:
    """Send channel-layer messages (to groups, or to channels) in one pipelined round trip.

    The channel layer (channels_redis' pub/sub layer) publishes one message per
    call, each a round trip under one lock per Redis connection: the owner's
    rounds, forwards and answers would queue behind each other there. This
    publishes exactly what ``group_send``/``send`` would (the layer's own
    serializer and channel names, so the layer's receivers read them as
    theirs; ``tests/test_publishing.py``) on ``redis``, the owners' client.
    Returns how many subscribers received each message.
    """
    pipe = redis.pipeline(transaction=False)
    for target, message in messages:
        channel = layer._get_group_channel_name(target) if groups else target
        pipe.publish(channel, layer.serialize(message))
    return [int(receivers) for receivers in await pipe.execute()]


class Instance:
    def __init__(self) -> None:
        # Unique per process, even where a restarted process gets the same
        # host name and pid (a container's pid 1): its heartbeat must not keep
        # the dead process's connections alive.
        self.name = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.consumers: dict[Key, set[Member]] = {}
        self.timers: dict[Key, tuple[datetime, asyncio.TimerHandle]] = {}
        self.heartbeat: asyncio.Task[None] | None = None
        # This instance's channel on the layer and the task reading it; both
        # belong to one event loop (tests run one loop per test).
        self.channel: str | None = None
        self.reader: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        # Frames delivered since the metric was last written, by kind (``count``).
        self.delivered: dict[str, int] = {}
        self.counting: tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle] | None = None

    def connection_name(self) -> str:
        """A connection's identity in the presence table: unique, and names its instance."""
        return f"{self.name}!{uuid.uuid4().hex}"

    # ------------------------------------------------------------ connections

    async def join(self, consumer: Member) -> None:
        """Deliver the dojo's events to this connection from now on."""
        key = (consumer.schema, consumer.dojo_id)
        self.consumers.setdefault(key, set()).add(consumer)
        if self.heartbeat is None or self.heartbeat.done():
            self.heartbeat = asyncio.get_running_loop().create_task(self._beat())
        channel = await self._channel()
        # Idempotent: the layer subscribes to the group once per instance, and a
        # second caller waits for that subscription before it returns.
        await _layer().group_add(group_name(*key), channel)

    async def leave(self, consumer: Member) -> None:
        key = (consumer.schema, consumer.dojo_id)
        members = self.consumers.get(key)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            del self.consumers[key]
            self._cancel(key)
            if self.channel is not None:
                # No await between the last departure and this call: a connection
                # that joins meanwhile subscribes again after this unsubscription.
                await _layer().group_discard(group_name(*key), self.channel)

    @property
    def connection_count(self) -> int:
        return sum(len(members) for members in self.consumers.values())

    async def _channel(self) -> str:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.channel is None:
            self.loop = loop
            self.channel = await _layer().new_channel("instance!")
            self.reader = loop.create_task(self._read(self.channel))
            await _layer().group_add(CONTROL_GROUP, self.channel)
        return self.channel

    # ------------------------------------------------------------ events

    async def publish(self, schema: str, dojo_id: uuid.UUID, events: list[dict[str, Any]]) -> None:
        await self.publish_many([(schema, dojo_id, events)])

    async def publish_many(
        self, batches: list[tuple[str, uuid.UUID, list[dict[str, Any]]]]
    ) -> None:
        """Publish the events of several dojos (an owner's round) in one round trip.

        Each event goes to its dojo's group as the channel layer's ``group_send``
        would send it (``layer_publish``), but all of them in one pipeline on
        the owners' Redis client: no round trip per event, and none of them
        queued behind the layer's one lock per connection. Events of a dojo stay
        in order (one pipeline, one connection).
        """
        layer = _layer()
        messages = [
            (
                group_name(schema, dojo_id),
                {
                    "type": "dojo.event",
                    "schema": schema,
                    "dojo": dojo_id.hex,
                    "event": event,
                    # Serialized once here; every member's connection sends this text as is.
                    "text": encode(event),
                },
            )
            for schema, dojo_id, events in batches
            for event in events
        ]
        if messages:
            await layer_publish(layer, owner.owners._client(), messages, groups=True)

    async def publish_ephemeral(
        self, schema: str, dojo_id: uuid.UUID, event: dict[str, Any], origin: str
    ) -> None:
        """An unsequenced event (a cursor) for everyone in the dojo but ``origin``."""
        await _layer().group_send(
            group_name(schema, dojo_id),
            {
                "type": "dojo.ephemeral",
                "schema": schema,
                "dojo": dojo_id.hex,
                "event": event,
                "text": encode(event),
                "origin": origin,
            },
        )

    async def _read(self, channel: str) -> None:
        layer = _layer()
        while True:
            message = await layer.receive(channel)
            try:
                if message["type"] == REVOKE:
                    await self.revoke(message)
                elif message["type"] == owner.COMMAND:
                    await owner.owners.received(message)
                elif message["type"] == owner.OUTCOME:
                    owner.owners.answered(message)
                else:
                    await self.deliver(message)
            except Exception:
                logger.exception("dojo event delivery failed")

    async def deliver(self, message: dict[str, Any]) -> None:
        """Hand one event to every connection of its dojo on this instance.

        A connection that can send it now (the next in its sequence, nothing of
        its own in progress) sends it here, without suspending: daphne writes
        the frame synchronously. Any other connection gets a task that waits
        its turn and fills a gap from the log first (``DojoConsumer.dojo_event``).
        """
        schema, dojo_id = str(message["schema"]), uuid.UUID(str(message["dojo"]))
        members = self.consumers.get((schema, dojo_id))
        if not members:
            return
        ephemeral = message["type"] == "dojo.ephemeral"
        # The frame is built once and written as is to every connection that
        # can take it now (transport.text_frame): the same bytes for all.
        text = message.get("text")
        payload = text.encode() if isinstance(text, str) else b""
        frame = text_frame(payload) if payload else b""
        sequenced = None if ephemeral else message["event"]
        sent = 0
        for consumer in list(members):
            if ephemeral and message.get("origin") == consumer.channel_name:
                continue
            if frame and consumer.send_now(sequenced, payload, frame):
                sent += 1
                continue
            if ephemeral:
                if consumer.lock.locked():
                    consumer.later(consumer.dojo_ephemeral(message))
                else:
                    await consumer.dojo_ephemeral(message)
            elif consumer.ready_for(message["event"]):
                await consumer.dojo_event(message)
            else:
                consumer.later(consumer.dojo_event(message))
        self.count("ephemeral" if ephemeral else "sequenced", sent)
        if ephemeral:
            return
        event = message["event"]
        if "timer" in event:
            self.follow_timer(schema, dojo_id, event["timer"])
        elif event["type"] == TIMER:
            self.follow_timer(schema, dojo_id, event)

    def count(self, kind: str, frames: int) -> None:
        """Count delivered frames; the metric is written once per ``COUNT_SECONDS``.

        A metric write goes to the multiprocess store (a locked file write):
        once per second instead of once per event (ADR 0049).
        """
        if frames <= 0:
            return
        self.delivered[kind] = self.delivered.get(kind, 0) + frames
        loop = asyncio.get_running_loop()
        if self.counting is not None:
            if self.counting[0] is loop:
                return
            self.counting[1].cancel()  # another loop's (tests): written now instead
            self.write_counts()
        self.counting = (loop, loop.call_later(COUNT_SECONDS, self.write_counts))

    def write_counts(self) -> None:
        self.counting = None
        counts, self.delivered = self.delivered, {}
        for kind, frames in counts.items():
            dojo_delivered(kind, frames)

    # ------------------------------------------------------------ access

    async def revoke(self, message: dict[str, Any]) -> None:
        """Close this instance's sockets that a revocation concerns (``dojos.access``)."""
        concerned = [
            consumer
            for members in self.consumers.values()
            for consumer in members
            if consumer.revoked_by(message)
        ]
        for consumer in concerned:
            await consumer.end_session(str(message["code"]))

    # ------------------------------------------------------------ timers

    def follow_timer(self, schema: str, dojo_id: uuid.UUID, timer: dict[str, Any]) -> None:
        key = (schema, dojo_id)
        if key not in self.consumers:
            return
        deadline = _parse(timer.get("deadline")) if timer.get("state") == "running" else None
        current = self.timers.get(key)
        if deadline is None:
            self._cancel(key)
            return
        if current is not None and current[0] == deadline:
            return
        self._cancel(key)
        loop = asyncio.get_running_loop()
        # A little after the deadline, so the database clock has passed it too.
        delay = max(0.0, (deadline - timezone.now()).total_seconds()) + 0.05
        handle = loop.call_later(delay, lambda: loop.create_task(self._fire(key, deadline)))
        self.timers[key] = (deadline, handle)

    def _cancel(self, key: Key) -> None:
        current = self.timers.pop(key, None)
        if current is not None:
            current[1].cancel()

    async def _fire(self, key: Key, deadline: datetime) -> None:
        schema, dojo_id = key
        if self.timers.get(key, (None,))[0] == deadline:
            self.timers.pop(key, None)
        try:
            change = await in_schema(schema, timer.rotate_if_due, dojo_id, deadline)
        except Exception:
            logger.exception("dojo rotation failed", extra={"dojo": str(dojo_id)})
            return
        if change is not None:
            await self.publish(schema, dojo_id, change.events)

    # ------------------------------------------------------------ presence

    async def _beat(self) -> None:
        while self.consumers:
            await asyncio.sleep(settings.DOJO_PRESENCE_REFRESH_SECONDS)
            # Per organization this instance serves: one heartbeat row, and one
            # query for the dojos holding connections no instance keeps alive.
            by_schema: dict[str, list[uuid.UUID]] = {}
            for schema, dojo_id in list(self.consumers):
                by_schema.setdefault(schema, []).append(dojo_id)
            for schema, dojo_ids in by_schema.items():
                try:
                    await in_schema(schema, presence.refresh, self.name)
                    stale = await in_schema(schema, presence.stale_dojos, dojo_ids)
                except Exception:
                    logger.exception("dojo presence refresh failed")
                    continue
                for dojo_id in stale:
                    try:
                        change = await in_schema(schema, presence.sweep, dojo_id)
                    except Exception:
                        logger.exception("dojo presence sweep failed")
                        continue
                    if change is not None:
                        await self.publish(schema, dojo_id, change.events)


instance = Instance()
