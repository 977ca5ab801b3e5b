"""Frames written to the socket at once, not on the next turn of the event loop.

Twisted's TCP transport queues every write and waits for the reactor to report
the socket writable: per frame, two ``epoll_ctl`` calls (start and stop
watching for writability), one more wake-up of the loop, and Twisted's logging
context around the write. A dojo event goes to every member, so that is paid
thousands of times a second (bench/dojo, docs/benchmarks.md).

``EagerWebSocketProtocol`` sends a frame straight away when nothing is queued
on the transport, as asyncio's own transports do. Whatever the kernel does not
take at once (a slow reader) is handed to the transport's normal buffered
write, which keeps the order: it is only used while the buffer is empty, and
the buffer is used for everything after. An error is left for that buffered
write to meet, so a broken connection is reported the way Twisted always does.

``text_frame`` builds a dojo event's WebSocket frame once: a server's frames
are not masked and these are not compressed, so the bytes are the same for
every member. ``EagerWebSocketProtocol.send_frame`` writes them as they are,
instead of each connection going through Channels' ``send``, daphne's reply
dispatch and autobahn's framing (about 40 µs per member per event on the
development machine). A connection whose options would make autobahn frame
the message differently (compression, fragmentation, masking, a payload limit)
or that is not open declines, and the caller sends the usual way.

A closed connection leaves no reference cycle behind. The instance freezes what
open connections hold and collects cyclic garbage only after thousands of
disconnections (``dojos.collector``, ADR 0048), so every object a cycle keeps
alive stays in memory until then: on the benchmark, about 300 MB per run of
4,000 connections. Two cycles came from daphne and autobahn themselves, and
both are broken here (ADR 0052):

- autobahn resolves a connection's ``is_closed`` Deferred with the connection
  itself, so a closed connection referred to itself through it, and with it
  its transport, its buffers and what the application left on it.
  ``EagerWebSocketProtocol.connectionLost`` leaves an ``is_closed`` resolved
  with None instead (neither daphne nor Channels waits on it);
- the HTTP request daphne upgrades to a WebSocket stays in its HTTP channel's
  list of requests, and refers to the channel: ``HandedOverRequest`` takes it
  out of that list once the connection is handed over.
"""

from __future__ import annotations

import functools
import struct
from typing import Any

from daphne import http_protocol, ws_protocol
from twisted.internet import defer
from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure


def write_now(transport: Any, data: bytes) -> None:
    """Write ``data`` on a Twisted TCP transport, sending what the kernel takes now."""
    if (
        data
        and getattr(transport, "connected", False)
        and not getattr(transport, "disconnecting", True)
        and not getattr(transport, "_writeDisconnected", True)
        and not getattr(transport, "TLS", False)
        and not getattr(transport, "_tempDataBuffer", True)
        and len(getattr(transport, "dataBuffer", b"x")) == getattr(transport, "offset", -1)
    ):
        try:
            sent = transport.socket.send(data)
        except OSError:  # would block, or broken: the buffered write deals with it
            sent = 0
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


def text_frame(payload: bytes) -> bytes:
    """A final, unmasked, uncompressed text frame carrying ``payload`` (RFC 6455, 5.2)."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class EagerWebSocketProtocol(ws_protocol.WebSocketProtocol):
    def send_frame(self, payload: bytes, frame: bytes) -> bool:
        """Send ``frame`` (``text_frame(payload)``) if autobahn would have sent those bytes.

        Returns False, having sent nothing, when this connection is not open or
        its options would frame the message differently: the caller then sends
        it through Channels as usual (which also reports the error, if any).
        """
        if (
            self.state != self.STATE_OPEN
            or self.transport is None
            or self.send_queue
            or self.send_state != self.SEND_STATE_GROUND
            or self._perMessageCompress is not None
            or self.autoFragmentSize > 0
            or self.maskServerFrames
            or 0 < self.maxMessagePayloadSize < len(payload)
            or self.trackedTimings
        ):
            return False
        stats = self.trafficStats
        stats.outgoingWebSocketMessages += 1
        stats.outgoingOctetsAppLevel += len(payload)
        stats.outgoingOctetsWebSocketLevel += len(payload)
        write_now(self.transport, frame)
        return True

    def sendData(self, data: bytes, sync: bool = False, chopsize: int | None = None) -> None:  # noqa: N802
        # autobahn queues "sync" and chopped writes itself; those keep its path.
        if sync or chopsize or self.send_queue or self.transport is None:
            super().sendData(data, sync, chopsize)
            return
        write_now(self.transport, data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:  # noqa: N802
        super().connectionLost(reason)
        # autobahn resolved is_closed with this connection: a cycle (see above).
        self.is_closed = defer.succeed(None)


class HandedOverRequest(http_protocol.WebRequest):
    """daphne's request, out of its HTTP channel once handed over to a WebSocket."""

    def process(self) -> None:
        super().process()
        channel = self.channel
        # daphne hands the transport to the WebSocket connection and drops it from here.
        if self.transport is None and channel is not None and self in channel.requests:
            channel.requests.remove(self)


def connection_of(send: Any) -> EagerWebSocketProtocol | None:
    """The eager connection behind an ASGI ``send`` daphne made, if it is one.

    Middleware that wraps ``send`` (``pocdex_shared.tracing.traced_websocket``)
    names what it wraps in ``__wrapped__``; a wrapper that does not hides the
    connection, and every frame then takes Channels' path (a few times the cost).
    """
    for _depth in range(8):
        inner = getattr(send, "__wrapped__", None)
        if inner is None:
            break
        send = inner
    if isinstance(send, functools.partial) and send.args:
        candidate = send.args[0]
        if isinstance(candidate, EagerWebSocketProtocol):
            return candidate
    return None


def install() -> None:
    """Make daphne build WebSocket connections of the eager kind (before it starts)."""
    ws_protocol.WebSocketFactory.protocol = EagerWebSocketProtocol
    http_protocol.WebRequest = HandedOverRequest  # what daphne's HTTPFactory builds
