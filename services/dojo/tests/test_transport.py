"""Eager frame writes (dojos.transport) on a real Twisted TCP connection.

A reactor instance of its own (not the global one) is driven by hand, so the
tests can tell what was sent at the call from what waited for the reactor.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.selectreactor import SelectReactor
from twisted.python.failure import Failure

from dojos.transport import EagerWebSocketProtocol, connection_of, text_frame, write_now


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
    from daphne import http_protocol, ws_protocol

    from dojos.transport import HandedOverRequest, install

    original, original_request = ws_protocol.WebSocketFactory.protocol, http_protocol.WebRequest
    try:
        install()
        assert ws_protocol.WebSocketFactory.protocol is EagerWebSocketProtocol
        assert issubclass(EagerWebSocketProtocol, original)
        assert http_protocol.WebRequest is HandedOverRequest
        assert issubclass(HandedOverRequest, original_request)
        channel = http_protocol.HTTPFactory(server=None).buildProtocol(None)
        assert channel.requestFactory is HandedOverRequest
    finally:
        ws_protocol.WebSocketFactory.protocol = original
        http_protocol.WebRequest = original_request


# ------------------------------------------------------------ pre-built frames


def open_websocket(pair: Pair, **options: Any) -> EagerWebSocketProtocol:
    """daphne's WebSocket connection on the pair's transport, handshake done.

    Built by daphne's own factory with the options daphne's server sets, and
    autobahn's own connection set-up; only the opening handshake is skipped.
    """
    from daphne.ws_protocol import WebSocketFactory

    factory = WebSocketFactory(None)
    settings: dict[str, Any] = {"maxMessagePayloadSize": 0, "maxFramePayloadSize": 0}
    factory.setProtocolOptions(allowNullOrigin=True, **{**settings, **options})
    factory.protocol = EagerWebSocketProtocol
    protocol = factory.buildProtocol(None)
    assert isinstance(protocol, EagerWebSocketProtocol)
    protocol.transport = pair.transport
    protocol._connectionMade()
    protocol.state = protocol.STATE_OPEN
    return protocol


def received(pair: Pair, size: int) -> bytes:
    data = pair.read_all(size)
    pair.client.setblocking(False)
    try:
        extra = pair.client.recv(1 << 20)
    except BlockingIOError:
        extra = b""
    return data + extra


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_a_prebuilt_frame_is_byte_for_byte_what_autobahn_sends(pair: Pair, size: int) -> None:
    protocol = open_websocket(pair)
    text = ("ação-" * (size // 7 + 1)).encode()[:size]
    protocol.sendMessage(text)
    by_autobahn = received(pair, 2 + size)
    assert protocol.send_frame(text, text_frame(text)) is True
    ours = received(pair, 2 + size)
    assert ours == by_autobahn
    assert len(ours) >= size + 2
    assert protocol.trafficStats.outgoingWebSocketMessages == 2


def test_a_connection_that_would_frame_differently_declines_and_sends_nothing(pair: Pair) -> None:
    frame = text_frame(b"hello")
    limited = open_websocket(pair, maxMessagePayloadSize=4)
    assert limited.send_frame(b"hello", frame) is False
    fragmenting = open_websocket(pair, autoFragmentSize=2)
    assert fragmenting.send_frame(b"hello", frame) is False
    masking = open_websocket(pair)
    masking.maskServerFrames = True
    assert masking.send_frame(b"hello", frame) is False
    closing = open_websocket(pair)
    closing.state = closing.STATE_CLOSING
    assert closing.send_frame(b"hello", frame) is False
    queued = open_websocket(pair)
    queued.send_queue.append((b"earlier", None))
    assert queued.send_frame(b"hello", frame) is False
    for _ in range(5):
        pair.reactor.iterate(0)
    pair.client.setblocking(False)
    with pytest.raises(BlockingIOError):
        pair.client.recv(100)
    # The same connection, options as daphne sets them: it sends.
    assert open_websocket(pair).send_frame(b"hello", frame) is True
    assert received(pair, len(frame)) == frame


def test_the_connection_is_found_behind_the_send_daphne_gives_the_application(pair: Pair) -> None:
    from daphne.server import Server

    sends: list[Any] = []

    async def application(scope: Any, receive: Any, send: Any) -> None:
        sends.append(send)

    protocol = open_websocket(pair)
    server = Server(application=application, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.connections = {protocol: {}}

    async def start() -> None:
        server.create_application(protocol, {"type": "websocket"})
        await asyncio.sleep(0)

    asyncio.run(start())
    assert len(sends) == 1
    assert connection_of(sends[0]) is protocol
    assert connection_of(functools.partial(print, "not a connection")) is None
    assert connection_of(print) is None


@pytest.mark.parametrize("traced", [True, False])
def test_the_connection_is_found_behind_the_tracing_middleware(
    pair: Pair, traced: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WebSocket application runs inside ``traced_websocket`` (config.asgi).

    With tracing on, the middleware hands the application a ``send`` of its own;
    the connection must still be found behind it, or every event would take
    Channels' path to every member.
    """
    from daphne.server import Server

    from pocdex_shared import tracing

    monkeypatch.setattr(tracing, "_enabled", traced)
    sends: list[Any] = []

    async def application(scope: Any, receive: Any, send: Any) -> None:
        sends.append(send)

    protocol = open_websocket(pair)
    server = Server(
        application=tracing.traced_websocket(application, route="/ws/dojos/{dojo_id}"),
        endpoints=["tcp:port=0:interface=127.0.0.1"],
    )
    server.connections = {protocol: {}}

    async def start() -> None:
        server.create_application(protocol, {"type": "websocket", "path": "/ws/dojos/x"})
        for _ in range(10):
            await asyncio.sleep(0)

    asyncio.run(start())
    assert len(sends) == 1
    # Traced, the application's send is the middleware's, not daphne's own.
    assert isinstance(sends[0], functools.partial) is not traced
    assert connection_of(sends[0]) is protocol


def test_a_closed_connection_is_closed_without_referring_to_itself(pair: Pair) -> None:
    # autobahn resolves is_closed with the connection: whoever waited gets it,
    # and the Deferred left behind no longer holds it (a cycle otherwise; ADR 0052).
    protocol = open_websocket(pair)
    disconnected: list[Any] = []

    class Server:
        protocol_disconnected = disconnected.append

        def log_action(self, *details: Any) -> None:
            pass

    # What daphne's handshake would have set (the fixture skips it).
    protocol.server, protocol.muted, protocol.client_addr = Server(), False, None
    protocol.request = type("Request", (), {"path": "/ws/dojos/x"})()
    seen: list[Any] = []
    protocol.is_closed.addCallback(seen.append)
    protocol.connectionLost(Failure(ConnectionDone()))
    assert seen == [protocol]
    assert disconnected == [protocol]  # daphne was told, as always
    late: list[Any] = []
    protocol.is_closed.addCallback(late.append)
    assert late == [None]
    assert protocol.state == protocol.STATE_CLOSED
