"""The longest stop of daphne's per-connection checks: one walk against a slice (ADR 0049).

    cd services/dojo && ../../var/venv/bin/python ../../bench/dojo/checkers.py [connections] [rounds]

daphne checks every connection every second (application instances) and every
two seconds (timeouts and pings), each in one walk on the event loop; the dojo
runs them in slices instead (``dojos.checkers``: ``SLICES`` per period, more
when a slice would check over ``PER_SLICE`` connections). This times, for
``connections`` open WebSocket connections of an instance, the stop of one of
daphne's walks and the stop of one slice of ``SpreadServer``, the two taking
turns. Each connection is a daphne ``WebSocketProtocol`` as daphne builds
it, open, with a running application instance (an unfinished future), so both
walks do what they do on a loaded instance: nothing to reap, a timeout check
and a ping when one is due. A tenth of the connections are due for their ping
at each round, as at any time on an instance whose connections opened over a
while (pinged every 20 s, checked every 2 s). The transport is a null sink:
what a ping costs in the kernel is left out.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.getcwd())

from autobahn.twisted.websocket import WebSocketServerProtocol
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory

from dojos import checkers
from dojos.checkers import PER_SLICE, SLICES, SpreadServer


class Sink:
    """A transport that takes every write."""

    connected = True
    disconnecting = False

    def write(self, data: bytes) -> None:
        return None

    def writeSequence(self, data: list[bytes]) -> None:  # noqa: N802
        return None


class Later:
    def callLater(self, delay: float, function: Any) -> None:  # noqa: N802
        return None


async def main(count: int, rounds: int) -> None:
    loop = asyncio.get_running_loop()

    async def application(scope: Any, receive: Any, send: Any) -> None:
        return None

    servers: dict[str, Server] = {}
    for name, kind in (("daphne (one walk)", Server), ("spread (one slice)", SpreadServer)):
        server = kind(application=application, endpoints=["tcp:port=0"], ping_interval=20)
        factory = WebSocketFactory(server_class=None, server=server)
        server.connections = {}
        for _ in range(count):
            protocol = factory.buildProtocol(None)
            protocol.transport = Sink()
            protocol.server = server
            # autobahn's own set-up of a connection (its ping state among it).
            WebSocketServerProtocol._connectionMade(protocol)
            protocol.state = protocol.STATE_OPEN
            protocol.socket_opened = time.time()
            protocol.last_ping = time.time()
            server.connections[protocol] = {"application_instance": loop.create_future()}
        servers[name] = server
    checkers.reactor = Later()
    import daphne.server as daphne_server

    daphne_server.reactor = Later()
    stops: dict[str, list[float]] = {name: [] for name in servers}
    for index in range(rounds):
        names = list(servers)
        if index % 2:
            names.reverse()
        for name in names:
            server = servers[name]
            # A tenth of the connections due for their ping (a different tenth each round).
            due = time.time() - 21
            for protocol in list(server.connections)[index % 10 :: 10]:
                protocol.last_ping = due
            started = time.perf_counter()
            server.application_checker()
            server.timeout_checker()
            stops[name].append(time.perf_counter() - started)
    print(
        f"{count} connections, {rounds} rounds, taking turns; SLICES = {SLICES},"
        f" PER_SLICE = {PER_SLICE}"
    )
    print("| checks | stop of the loop, both checkers once, median | max |")
    print("| --- | --- | --- |")
    for name, values in stops.items():
        print(f"| {name} | {statistics.median(values) * 1e3:.2f} ms | {max(values) * 1e3:.2f} ms |")
    ratio = statistics.median(stops["daphne (one walk)"]) / statistics.median(
        stops["spread (one slice)"]
    )
    print(f"one walk / one slice, medians: {ratio:.1f}")


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
            int(sys.argv[2]) if len(sys.argv) > 2 else 40,
        )
    )
