"""Eager frame writes (dojos.transport) on a real Twisted TCP connection.

A reactor instance of its own (not the global one) is driven by hand, so the
tests can tell what was sent at the call from what waited for the reactor.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.selectreactor import SelectReactor

from dojos.transport import EagerWebSocketProtocol, write_now


class Accepted(Protocol):
    connections: list[Accepted]

    def connectionMade(self) -> None:  # noqa: N802
        self.lost = False
        self.connections.append(self)

    def connectionLost(self, reason: Any = None) -> None:  # noqa: N802
        self.lost = True


class Pair:
    def __init__(self, reactor: SelectReactor, server: Accepted, client: socket.socket) -> None:
        self.reactor, self.server, self.client = reactor, server, client

    @property
    def transport(self) -> Any:
        return self.server.transport

    def buffered(self) -> int:
        t = self.transport
        return len(t.dataBuffer) - t.offset + t._tempDataLen

    def read_all(self, size: int) -> bytes:
        """Read ``size`` bytes, letting the reactor flush its buffer meanwhile."""
        received = bytearray()
        self.client.setblocking(False)
        for _ in range(200_000):
            if len(received) >= size:
                break
            self.reactor.iterate(0)
            try:
                received += self.client.recv(1 << 20)
            except BlockingIOError:
                continue
        return bytes(received)


@pytest.fixture
def pair() -> Iterator[Pair]:
    reactor = SelectReactor()
    connections: list[Accepted] = []
    factory = Factory.forProtocol(Accepted)
    Accepted.connections = connections
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client = socket.socket()
    # A small receive window, so that a large write cannot all go at once.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", port.getHost().port))
    for _ in range(1000):
        if connections:
            break
        reactor.iterate(0.01)
    assert connections, "the reactor did not accept the connection"
    yield Pair(reactor, connections[0], client)
    client.close()
    connections[0].transport.loseConnection()
    port.stopListening()
    for _ in range(20):
        reactor.iterate(0)


def test_a_frame_goes_out_at_the_call_without_waiting_for_the_reactor(pair: Pair) -> None:
    write_now(pair.transport, b"hello")
    assert pair.buffered() == 0
    pair.client.settimeout(2)
    # The reactor has not run since the call: the bytes can only have come from it.
    assert pair.client.recv(100) == b"hello"


def test_what_the_kernel_does_not_take_waits_in_order_behind_the_rest(pair: Pair) -> None:
    big = os.urandom(16 * 1024 * 1024)
    write_now(pair.transport, big)
    # A slow reader: the kernel took a part, the transport holds the remainder.
    assert 0 < pair.buffered() < len(big)
    # Nothing jumps the queue while something is buffered.
    write_now(pair.transport, b"tail")
    write_now(pair.transport, b"")
    received = pair.read_all(len(big) + 4)
    assert received == big + b"tail"
    assert pair.buffered() == 0
    # Once the buffer is empty, writes are immediate again.
    write_now(pair.transport, b"again")
    assert pair.buffered() == 0
    pair.client.setblocking(True)
    pair.client.settimeout(2)
    assert pair.client.recv(100) == b"again"


def test_a_broken_connection_is_reported_the_usual_way_not_raised(pair: Pair) -> None:
    pair.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    pair.client.close()  # a reset, not a clean close
    for _ in range(100):
        write_now(pair.transport, b"x" * 65536)
        pair.reactor.iterate(0.01)
        if pair.server.lost:
            break
    assert pair.server.lost


def test_a_closing_connection_keeps_twisted_order_last_writes_then_the_close(pair: Pair) -> None:
    pair.transport.loseConnection()
    write_now(pair.transport, b"last")  # not sent at the call: Twisted flushes it, then closes
    assert pair.buffered() == 4
    received = pair.read_all(4)
    assert received == b"last"
    for _ in range(100):
        pair.reactor.iterate(0.01)
        if pair.server.lost:
            break
    pair.client.setblocking(True)
    pair.client.settimeout(2)
    assert pair.client.recv(100) == b""  # then the end of the stream


def test_daphne_builds_eager_websocket_connections_once_installed() -> None:
    from daphne import ws_protocol

    from dojos.transport import install

    original = ws_protocol.WebSocketFactory.protocol
    try:
        install()
        assert ws_protocol.WebSocketFactory.protocol is EagerWebSocketProtocol
        assert issubclass(EagerWebSocketProtocol, original)
    finally:
        ws_protocol.WebSocketFactory.protocol = original
