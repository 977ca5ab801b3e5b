"""daphne's periodic walks over every connection, spread over their period (ADR 0050).

daphne's ``Server`` checks every connection every second
(``application_checker``: reap the application instances that finished, cancel
those still running ``application_close_timeout`` after their client left) and
every two seconds (``timeout_checker``: each connection's timeouts and its
keep-alive ping). Each walk runs in one go on the event loop. With 10,000
sockets on an instance, a profile of the 20,000-socket benchmark put them at
15% of the instance's Python time (bench/dojo, docs/benchmarks.md): stops of
tens of milliseconds, every second, during which no frame is delivered.

``SpreadServer`` makes the same checks of every connection, as often, in
slices: each cycle walks a snapshot of the connections taken when it starts,
a slice per tick. A cycle has ``SLICES`` slices, or more when there are more
than ``SLICES * PER_SLICE`` connections, so that no slice checks more than
``PER_SLICE`` connections (a tick every ``period / slices``). A slice of the
timeout walk sends the keep-alive pings that are due among its connections:
with 10,000 sockets on an instance, pinged every 20 s, that is 500 pings a
second, which ten slices sent in bursts of about a hundred (stops of 15-25 ms
every 200 ms, docs/benchmarks.md). A connection opened during a cycle is first
checked in the next one, at most one period later than daphne would have. The checks of one connection are daphne's own
(``_check_application`` mirrors the body of daphne's loop;
``protocol.check_timeouts`` is called as daphne calls it).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from concurrent.futures import CancelledError
from typing import Any

from daphne import cli
from daphne.server import Server
from twisted.internet import reactor as _reactor

from .stalls import Monitor, watch

logger = logging.getLogger("daphne.server")
reactor: Any = _reactor

SLICES = 10
# At most this many connections per slice: a cycle has more slices when needed.
PER_SLICE = 100
APPLICATION_PERIOD = 1.0  # daphne's
TIMEOUT_PERIOD = 2.0  # daphne's


class Walk:
    """One cycle at a time through a snapshot of the connections, a slice per call."""

    def __init__(self, slices: int = SLICES, per_slice: int = PER_SLICE) -> None:
        self.slices = slices
        self.per_slice = per_slice
        # The current cycle's number of slices (``interval``).
        self.count = slices
        self.pending: list[Any] = []
        self.chunk = 1

    def next_slice(self, connections: dict[Any, Any]) -> list[Any]:
        if not self.pending:
            self.pending = list(connections)
            self.pending.reverse()  # taken from the end: in the order they opened
            self.count = max(self.slices, math.ceil(len(self.pending) / self.per_slice))
            self.chunk = max(1, math.ceil(len(self.pending) / self.count))
        taken = self.pending[-self.chunk :]
        del self.pending[-self.chunk :]
        taken.reverse()
        return taken

    def interval(self, period: float) -> float:
        """The time to the next slice: the current cycle's slices fill ``period``."""
        return period / self.count


class SpreadServer(Server):
    """daphne's server, its per-connection checks spread over their period."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application_walk = Walk()
        self.timeout_walk = Walk()
        self.stall_monitor: Monitor | None = None

    def run(self) -> None:
        # The loop's stalls, logged when DOJO_STALL_LOG_MS asks for it (dojos.stalls);
        # from the loop itself, once it runs.
        reactor.callLater(0, self._watch_stalls)
        super().run()

    def _watch_stalls(self) -> None:
        from django.conf import settings

        self.stall_monitor = watch(asyncio.get_running_loop(), settings.DOJO_STALL_LOG_MS)

    def application_checker(self) -> None:
        for protocol in self.application_walk.next_slice(self.connections):
            details = self.connections.get(protocol)
            if details is not None:
                self._check_application(protocol, details)
        reactor.callLater(
            self.application_walk.interval(APPLICATION_PERIOD), self.application_checker
        )

    def timeout_checker(self) -> None:
        for protocol in self.timeout_walk.next_slice(self.connections):
            if protocol in self.connections:
                protocol.check_timeouts()
        reactor.callLater(self.timeout_walk.interval(TIMEOUT_PERIOD), self.timeout_checker)

    def _check_application(self, protocol: Any, details: dict[str, Any]) -> None:
        disconnected = details.get("disconnected")
        application_instance = details.get("application_instance")
        # A client gone, and its application taking too long to close up.
        if (
            disconnected
            and time.time() - disconnected > self.application_close_timeout
            and application_instance
            and not application_instance.done()
        ):
            logger.warning(
                "Application instance %r for connection %s took too long to shut down"
                " and was killed.",
                application_instance,
                repr(protocol),
            )
            application_instance.cancel()
        # An application that is done is reaped.
        if application_instance and application_instance.done():
            try:
                exception = application_instance.exception()
            except (CancelledError, asyncio.CancelledError):
                pass  # cancelled: nothing to report
            else:
                if exception:
                    if isinstance(exception, KeyboardInterrupt):
                        self.stop()  # the application asks the server to exit
                    else:
                        logger.error(
                            "Exception inside application: %s", exception, exc_info=exception
                        )
                        if not disconnected:
                            protocol.handle_exception(exception)
            del self.connections[protocol]["application_instance"]
            application_instance = None
        # Closed on both sides: forgotten.
        if not application_instance and disconnected:
            del self.connections[protocol]


def install() -> None:
    """Make daphne's command line start a ``SpreadServer`` (before it builds its server)."""
    cli.CommandLineInterface.server_class = SpreadServer
