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
"""

from __future__ import annotations

from typing import Any

from daphne import ws_protocol


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


class EagerWebSocketProtocol(ws_protocol.WebSocketProtocol):
    def sendData(self, data: bytes, sync: bool = False, chopsize: int | None = None) -> None:  # noqa: N802
        # autobahn queues "sync" and chopped writes itself; those keep its path.
        if sync or chopsize or self.send_queue or self.transport is None:
            super().sendData(data, sync, chopsize)
            return
        write_now(self.transport, data)


def install() -> None:
    """Make daphne build WebSocket connections of the eager kind (before it starts)."""
    ws_protocol.WebSocketFactory.protocol = EagerWebSocketProtocol
