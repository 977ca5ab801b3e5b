"""The dojo WebSocket: ``/ws/dojos/{id}?ticket=…[&last_seq=n]`` (docs/protocol/dojo-websocket.md).

One consumer per connection. Commands go to the dojo's owner (``dojos.owner``:
one instance sequences each dojo, in batches committed before anything is
sent), which broadcasts the resulting sequenced events to the dojo's group on
the channel layer, which every daphne instance shares; each instance
hands them to its own connections (``dojos.live``). The channel layer delivers
at most once and not necessarily in order across instances, so each consumer
forwards events to its client strictly in sequence: an event that arrives ahead
of a missing one makes it read the gap from the database first, and anything
already sent is dropped. A client therefore sees every sequenced
event exactly once, in order, on one connection; across reconnections it asks
for what it missed with ``last_seq``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from pocdex_shared import parsers
from pocdex_shared.callers import Caller
from pocdex_shared.metrics import (
    dojo_command_done,
    dojo_gap_filled,
    dojo_socket_closed,
    dojo_socket_opened,
)

from . import access, collector, commands, presence, reads
from .live import instance
from .models import Dojo
from .owner import owners
from .rules import DojoError
from .threads import in_schema
from .transport import connection_of
from .wire import encode, whole_number

logger = logging.getLogger(__name__)

# WebSocket close codes (4000 to 4999 are the application's).
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


class TokenBucket:
    """Frames per second a client may send, with a burst. ``clock`` gives seconds."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.capacity, self.clock = rate, float(burst), clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class DojoConsumer(AsyncWebsocketConsumer):
    # No channel per connection: the instance is the member of the dojo's group
    # and hands events to its connections (dojos.live). An alias that names no
    # configured layer makes Channels skip the connection's own channel.
    channel_layer_alias = "dojo.instance-delivery"
    # The clock of the rate limits (seconds; tests set their own).
    clock: Callable[[], float] = staticmethod(time.monotonic)

    schema: str
    dojo_id: uuid.UUID
    actor: Caller
    sent_seq: int
    listening: bool = False  # the instance hands this connection its dojo's events
    joined: bool = False  # the presence table lists this connection
    ended: bool = False  # access ended (dojos.access): closing, nothing more is done
    refused: bool = False  # refused at connect: the socket is closed
    # The organization, and the session and issue time of the token behind the ticket.
    tenant_id: str = ""
    session_id: str | None = None
    issued_at: int | None = None
    # daphne's connection behind ``base_send`` (``send_now``); False: not looked up yet.
    _websocket: Any = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its ``aclose_old_connections()`` per message.

        Channels runs ``close_old_connections`` before every handler, on the one
        thread-sensitive executor thread: one thread hop, serialized per process,
        for each frame and each broadcast event delivered (4,000 deliveries a
        second in bench/dojo). This consumer never uses the ORM on the event
        loop; ``in_schema`` closes stale connections on its worker thread.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # ------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        await self.accept()
        error = self.scope.get("auth_error")
        if error:
            await self.refuse(str(error), _("This ticket is not valid."), CLOSE_UNAUTHORIZED)
            return
        try:
            self.dojo_id = uuid.UUID(str(self.scope["url_route"]["kwargs"]["dojo_id"]))
        except ValueError:
            await self.refuse("dojo_not_found", _("This dojo does not exist."), CLOSE_NOT_FOUND)
            return
        if self.scope.get("ticket_resource") != f"dojo:{self.dojo_id}":
            await self.refuse(
                "ticket_wrong_dojo", _("This ticket is for another dojo."), CLOSE_FORBIDDEN
            )
            return
        extra = self.scope.get("ticket_extra") or {}
        self.language = extra.get("lang") or settings.LANGUAGE_CODE
        self.actor = self.scope["user"]
        self.schema = self.scope["tenant"].schema_name
        self.tenant_id = str(self.scope["tenant"].id)
        self.session_id = extra.get("sid") or None
        self.issued_at = whole_number(extra.get("iat"))
        self.bucket = TokenBucket(
            settings.DOJO_FRAME_RATE, settings.DOJO_FRAME_BURST, clock=type(self).clock
        )
        self.resumes = TokenBucket(
            settings.DOJO_RESUME_RATE, settings.DOJO_RESUME_BURST, clock=type(self).clock
        )
        self.sent_seq = 0
        self.lock = asyncio.Lock()
        self.waiting: set[asyncio.Task[None]] = set()
        self.channel_name = instance.connection_name()

        # Events delivered before the welcome is sent wait for the lock.
        async with self.lock:
            self.listening = True
            await instance.join(self)
            try:
                # A ticket taken before the person was removed, used after it.
                if await in_schema(
                    self.schema, access.removed_since, self.actor.id, self.issued_at
                ):
                    self.listening = False
                    await instance.leave(self)
                    await self.refuse(
                        "membership_revoked",
                        access.MESSAGES["membership_revoked"],
                        access.CLOSE_REVOKED,
                    )
                    return
                change = await in_schema(
                    self.schema,
                    presence.connect,
                    self.dojo_id,
                    self.actor,
                    self.channel_name,
                    instance.name,
                )
            except DojoError as exc:
                self.listening = False
                await instance.leave(self)
                await self.refuse(exc.code, exc.message, CLOSE_NOT_FOUND)
                return
            self.joined = True
            owners.prepare(self.schema, self.dojo_id)
            dojo_socket_opened()
            collector.keeper.connection_opened()
            await self.broadcast(change.events)
            await self.welcome()

    async def welcome(self) -> None:
        """The first frame: the state, or what was missed since ``last_seq`` (lock held)."""
        last_seq = self.query_last_seq()
        state = await in_schema(self.schema, self._state)
        current = state["seq"]
        you = self.actor.as_json()
        tail = None
        if last_seq is not None and 0 <= last_seq <= current:
            tail = await in_schema(self.schema, self._tail, last_seq, current)
        if tail is not None and last_seq is not None:
            await self.send_json(
                {
                    "type": "welcome",
                    "protocol": 1,
                    "you": you,
                    "resumed": True,
                    "last_seq": last_seq,
                    "seq": current,
                }
            )
            self.sent_seq = last_seq
            await self.send_tail(tail)
            await self.catch_up(current)
        else:
            # No ``last_seq``, or one too far behind (``_tail``): the state instead.
            await self.send_json(
                {"type": "welcome", "protocol": 1, "you": you, "resumed": False, "state": state}
            )
            self.sent_seq = max(self.sent_seq, current)
        instance.follow_timer(self.schema, self.dojo_id, state["timer"])

    def _state(self) -> dict[str, Any]:
        return reads.state_json(Dojo.objects.get(id=self.dojo_id))

    def query_last_seq(self) -> int | None:
        from urllib.parse import parse_qs

        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return whole_number((query.get("last_seq") or [""])[0])

    async def disconnect(self, code: int) -> None:
        for task in getattr(self, "waiting", ()):
            task.cancel()
        if self.listening:
            self.listening = False
            await instance.leave(self)
        if not self.joined:
            return
        self.joined = False
        dojo_socket_closed()
        collector.keeper.connection_closed()
        try:
            change = await in_schema(
                self.schema, presence.disconnect, self.dojo_id, self.actor, self.channel_name
            )
        except Exception:  # the dojo may be gone; presence then expires on its own
            logger.exception("dojo disconnect bookkeeping failed")
            return
        await instance.publish(self.schema, self.dojo_id, change.events)

    def revoked_by(self, message: dict[str, Any]) -> bool:
        """Whether a revocation (``dojos.access``) concerns this socket.

        From the moment the instance lists it (``connect``), welcome sent or
        not: ``end_session`` waits for the welcome, then closes.
        """
        return not self.ended and access.matches(
            message,
            tenant=self.tenant_id,
            user=str(self.actor.id),
            family=self.session_id,
            issued_at=self.issued_at,
        )

    async def end_session(self, code: str) -> None:
        """Access ended: stop delivering, send the reason, close with ``CLOSE_REVOKED``.

        Presence is updated when the closed socket disconnects, as for any other.
        """
        if self.ended:
            return
        self.ended = True
        if self.listening:
            self.listening = False
            await instance.leave(self)
        with translation.override(self.language):
            async with self.lock:
                if self.refused:  # its connection was refused meanwhile, and closed
                    return
                await self.send_json(
                    {
                        "type": "error",
                        "code": code,
                        "message": str(access.MESSAGES.get(code, code)),
                        "fatal": True,
                        "after_seq": self.sent_seq,
                    }
                )
        await self.close(code=access.CLOSE_REVOKED)

    async def refuse(self, code: str, message: Any, close_code: int) -> None:
        self.refused = True
        await self.send_json(
            {"type": "error", "code": code, "message": str(message), "fatal": True}
        )
        await self.close(code=close_code)

    # ------------------------------------------------------------ client frames

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.joined or self.ended:
            return
        with translation.override(self.language):
            try:
                frame = self.parse(text_data, bytes_data)
                if frame is not None:
                    await self.dispatch_frame(frame)
            except DojoError as exc:
                await self.error(exc.code, exc.message, ref=None)
            except Exception:
                logger.exception("dojo frame failed")
                await self.error("internal_error", _("Something went wrong on our side."), ref=None)

    def parse(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any] | None:
        if text_data is None:
            raise DojoError("invalid_frame", _("Frames are JSON text."), status=400)
        if len(text_data) > settings.DOJO_MAX_FRAME_BYTES:
            raise DojoError("frame_too_large", _("This frame is too large."), status=400)
        if not self.bucket.take():
            raise DojoError("rate_limited", _("Too many messages; slow down."), status=429)
        try:
            frame = parsers.loads(text_data)
        except (ValueError, RecursionError, parsers.JsonTooDeepError):
            # also too many digits, numbers beyond a float, too deep nesting
            raise DojoError(
                "invalid_json", _("This frame is not valid JSON."), status=400
            ) from None
        if parsers.has_unstorable_text(frame):
            raise DojoError(
                "invalid_text",
                _("Text may not contain NUL characters or unpaired surrogates."),
                status=400,
            )
        if parsers.has_wide_integer(frame):
            # the owner may be another instance: msgpack carries 64 bits at most
            raise DojoError(
                "invalid_frame", _("Numbers in a frame must fit in 64 bits."), status=400
            )
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise DojoError(
                "invalid_frame", _("A frame is a JSON object with a “type”."), status=400
            )
        return frame

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        ref = frame.get("id") if isinstance(frame.get("id"), str | int) else None
        try:
            if kind == "ping":
                async with self.lock:
                    await self.send_json({"type": "pong", "after_seq": self.sent_seq, "ref": ref})
            elif kind == "resume":
                await self.resume(frame)
            elif kind == "cursor":
                event = await in_schema(self.schema, self._cursor, frame)
                await instance.publish_ephemeral(
                    self.schema, self.dojo_id, event, self.channel_name
                )
            elif kind in commands.COMMANDS:
                started = time.perf_counter()
                # The dojo's owner applies it and publishes the events once durable.
                outcome = await owners.submit(
                    self.schema, self.dojo_id, self.actor, frame, self.language
                )
                if "code" in outcome:
                    raise DojoError(str(outcome["code"]), outcome["message"])
                if outcome.get("duplicate_of") is not None:
                    async with self.lock:
                        await self.send_json(
                            {**outcome["duplicate_of"], "type": "op_ack", "duplicate": True}
                        )
                dojo_command_done(kind, started, self.scope["tenant"])
            else:
                raise DojoError(
                    "unknown_type",
                    _("Unknown frame type “%(type)s”.") % {"type": kind[:40]},
                    status=400,
                )
        except DojoError as exc:
            await self.error(exc.code, exc.message, ref=ref)

    def _cursor(self, frame: dict[str, Any]) -> dict[str, Any]:
        dojo = Dojo.objects.get(id=self.dojo_id)
        return reads.cursor_event(dojo, self.actor, frame)

    async def resume(self, frame: dict[str, Any]) -> None:
        last_seq = frame.get("last_seq")
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            raise DojoError("invalid_frame", _("“last_seq” must be a whole number."), status=400)
        if not self.resumes.take():
            raise DojoError(
                "resume_rate_limited",
                _("Too many resume requests; wait a few seconds."),
                status=429,
            )
        async with self.lock:
            if last_seq >= self.sent_seq:
                return
            # The client lost events this connection already sent: send them again,
            # or, beyond the resume window, the state as of now.
            tail = await in_schema(self.schema, self._tail, last_seq, self.sent_seq)
            if tail is not None:
                await self.send_tail(tail)
                return
            state = await in_schema(self.schema, self._state)
            await self.send_json({"type": "snapshot", "after_seq": self.sent_seq, "state": state})
            self.sent_seq = max(self.sent_seq, state["seq"])

    async def error(self, code: str, message: Any, *, ref: Any) -> None:
        body: dict[str, Any] = {"type": "error", "code": code, "message": str(message)}
        if ref is not None:
            body["ref"] = ref
        async with self.lock:
            body["after_seq"] = self.sent_seq
            await self.send_json(body)

    # ------------------------------------------------------------ server events

    async def broadcast(self, events: list[dict[str, Any]]) -> None:
        await instance.publish(self.schema, self.dojo_id, events)

    def ready_for(self, event: dict[str, Any]) -> bool:
        """Whether ``event`` can be sent right now: the next in sequence, nothing in progress."""
        return not self.lock.locked() and int(event["seq"]) == self.sent_seq + 1

    def send_now(self, event: dict[str, Any] | None, payload: bytes, frame: bytes) -> bool:
        """Write a pre-built frame without suspending, if this connection can take it now.

        ``event`` is the sequenced event the frame carries (None for an
        ephemeral one). True when it was written (``sent_seq`` advanced): the
        connection is open, nothing of its own is in progress, the event is
        the next in its sequence, and daphne's connection takes the bytes as
        they are (``transport.EagerWebSocketProtocol.send_frame``). Otherwise
        nothing is written and the caller delivers it the usual way.
        """
        if self.lock.locked() or (event is not None and int(event["seq"]) != self.sent_seq + 1):
            return False
        # Looked up once per socket: ``base_send`` does not change after the connect.
        websocket = self._websocket
        if websocket is False:
            websocket = self._websocket = connection_of(self.base_send)
        if websocket is None or not websocket.send_frame(payload, frame):
            return False
        if event is not None:
            self.sent_seq = int(event["seq"])
        return True  # counted by the caller (live.Instance.deliver), once per event

    def later(self, delivery: Coroutine[Any, Any, None]) -> None:
        """Deliver in a task of its own, once this connection's lock is free."""
        task = asyncio.get_running_loop().create_task(delivery)
        self.waiting.add(task)
        task.add_done_callback(self.waiting.discard)

    async def dojo_event(self, message: dict[str, Any]) -> None:
        """Send one sequenced event, in order: a gap is read from the log first."""
        event = message["event"]
        async with self.lock:
            seq = int(event["seq"])
            if seq <= self.sent_seq:
                return
            if seq > self.sent_seq + 1:
                await self.catch_up(seq - 1)
            text = message.get("text")
            await self.send(text_data=text) if text else await self.send_json(event)
            self.sent_seq = seq
            instance.count("sequenced", 1)

    async def dojo_ephemeral(self, message: dict[str, Any]) -> None:
        async with self.lock:
            text = message.get("text")
            await self.send(text_data=text) if text else await self.send_json(message["event"])
            instance.count("ephemeral", 1)

    async def catch_up(self, upto: int) -> None:
        """Send, from the log, every event after ``sent_seq`` up to ``upto`` (lock held)."""
        dojo_gap_filled(upto - self.sent_seq)
        while self.sent_seq < upto:
            events = await in_schema(self.schema, self._events_after, self.sent_seq, upto)
            if not events:
                break
            for event in events:
                await self.send_json(event)
                self.sent_seq = int(event["seq"])

    def _tail(self, after: int, upto: int) -> list[tuple[int, str]] | None:
        """The events after ``after`` up to ``upto`` in wire form, if within the resume window.

        None when they are more than ``DOJO_RESUME_WINDOW`` events or
        ``DOJO_RESUME_MAX_BYTES`` bytes: what one resume sends is bounded,
        and a client that far behind gets the state instead.
        """
        window = settings.DOJO_RESUME_WINDOW
        if upto - after > window:
            return None
        dojo = Dojo.objects.get(id=self.dojo_id)
        tail: list[tuple[int, str]] = []
        size = 0
        for event in reads.events_after(dojo, after, upto=upto, limit=window):
            text = encode(event)
            size += len(text.encode())
            if size > settings.DOJO_RESUME_MAX_BYTES:
                return None
            tail.append((int(event["seq"]), text))
        return tail

    async def send_tail(self, tail: list[tuple[int, str]]) -> None:
        """Send events read by ``_tail`` again, in order (lock held)."""
        for seq, text in tail:
            await self.send(text_data=text)
            self.sent_seq = max(self.sent_seq, seq)

    def _events_after(self, seq: int, upto: int) -> list[dict[str, Any]]:
        dojo = Dojo.objects.get(id=self.dojo_id)
        return reads.events_after(dojo, seq, upto=upto, limit=settings.DOJO_RESUME_BATCH)

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=encode(content))
