"""Counts the reference-cycle garbage that closed connections leave in a real daphne.

Run by ``test_closed_connections.py`` in a process of its own (a Twisted reactor
runs once per process): ``python closed_connections_probe.py plain|installed N``.
It serves an echoing ASGI application with daphne's server on 127.0.0.1, opens
N WebSocket connections and N plain HTTP requests from a client thread, closes
the WebSockets (half with a close frame, half by dropping the socket), waits
until daphne has forgotten every connection, and prints, as JSON, what the
cycle collector then finds: garbage is kept (``gc.DEBUG_SAVEALL``), not freed.
``installed`` first installs ``dojos.transport`` as the dojo service does.
"""

from __future__ import annotations

import base64
import collections
import gc
import json
import os
import socket
import sys
import threading
import time
from typing import Any

from daphne.server import Server  # installs the asyncio reactor (imported first)
from twisted.internet import reactor

DEADLINE_SECONDS = 60.0


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await receive()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message.get("text") or ""})
        elif message["type"] == "websocket.disconnect":
            return


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"closed before {marker!r}: {data!r}")
        data += chunk
    return data


def masked(opcode: int, payload: bytes) -> bytes:
    # A client's frame must be masked; a zero mask leaves the payload as it is.
    return bytes([0x80 | opcode, 0x80 | len(payload), 0, 0, 0, 0]) + payload


def clients(port: int, count: int, done: dict[str, Any]) -> None:
    try:
        for _ in range(count):
            with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS) as sock:
                sock.sendall(b"GET /plain HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
                response = b""
                while chunk := sock.recv(4096):
                    response += chunk
                assert response.startswith(b"HTTP/1.1 200"), response
        for number in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS)
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(
                (
                    "GET /ws HTTP/1.1\r\nHost: probe\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            assert read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 101"), "no upgrade"
            sock.sendall(masked(0x1, b"hello"))
            assert read_until(sock, b"hello").startswith(b"\x81\x05"), "no echo"
            if number % 2:
                sock.sendall(masked(0x8, (1000).to_bytes(2, "big")))
                read_until(sock, b"\x88")
            sock.close()
        done["error"] = None
    except Exception as error:  # reported by the test, with the rest
        done["error"] = repr(error)
    reactor.callFromThread(lambda: None)  # wake the loop


class Probe(Server):
    def __init__(self, count: int) -> None:
        super().__init__(
            application=application,
            endpoints=["tcp:port=0:interface=127.0.0.1"],
            signal_handlers=False,
        )
        self.count, self.done, self.started = count, dict[str, Any](), time.monotonic()

    def run(self) -> None:
        reactor.callLater(0, self.wait_for_listening)
        super().run()

    def wait_for_listening(self) -> None:
        if not self.listening_addresses:
            reactor.callLater(0.01, self.wait_for_listening)
            return
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        port = self.listening_addresses[0][1]
        threading.Thread(target=clients, args=(port, self.count, self.done), daemon=True).start()
        reactor.callLater(0.05, self.wait_for_clients)

    def wait_for_clients(self) -> None:
        late = time.monotonic() - self.started > DEADLINE_SECONDS
        if not late and ("error" not in self.done or self.connections):
            reactor.callLater(0.05, self.wait_for_clients)
            return
        gc.collect()
        kinds = collections.Counter(
            f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage
        )
        report = {
            "connections": self.count,
            "client_error": self.done.get("error", "the clients did not finish in time"),
            "still_open": len(self.connections),
            "garbage": len(gc.garbage),
            "kinds": dict(kinds),
        }
        print(json.dumps(report), flush=True)
        reactor.stop()


def main() -> None:
    mode, count = sys.argv[1], int(sys.argv[2])
    if mode == "installed":
        from dojos.transport import install

        install()
    elif mode != "plain":
        raise SystemExit(f"usage: {sys.argv[0]} plain|installed COUNT")
    Probe(count).run()


if __name__ == "__main__":
    main()
