"""daphne's per-connection checks spread over their period (dojos.checkers, ADR 0049):
every connection checked once per period, a slice per tick, with daphne's own checks."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import pytest
from daphne import cli

from dojos import checkers
from dojos.checkers import SLICES, SpreadServer, Walk


class Protocol:
    def __init__(self) -> None:
        self.timeouts_checked = 0
        self.exceptions: list[BaseException] = []

    def check_timeouts(self) -> None:
        self.timeouts_checked += 1

    def handle_exception(self, exception: BaseException) -> None:
        self.exceptions.append(exception)


@pytest.fixture
def scheduled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, Any]]:
    """What the checkers schedule next (nothing runs by itself)."""
    calls: list[tuple[float, Any]] = []

    class Reactor:
        def callLater(self, delay: float, function: Any) -> None:  # noqa: N802
            calls.append((delay, function))

    monkeypatch.setattr(checkers, "reactor", Reactor())
    return calls


def server() -> SpreadServer:
    async def application(scope: Any, receive: Any, send: Any) -> None:
        return None

    # Built, never run: nothing listens on this endpoint.
    spread = SpreadServer(
        application=application, endpoints=["tcp:port=0"], application_close_timeout=10
    )
    spread.connections = {}
    return spread


def test_a_walk_visits_every_connection_once_per_cycle_in_slices() -> None:
    connections = {n: {} for n in range(95)}
    walk = Walk(slices=10)
    cycle = [walk.next_slice(connections) for _ in range(10)]
    assert [len(part) for part in cycle] == [10] * 9 + [5]
    assert [n for part in cycle for n in part] == list(range(95))
    # Opened during the cycle: in the next one.
    connections[95] = {}
    assert sorted(n for _ in range(10) for n in walk.next_slice(connections)) == list(range(96))


def test_timeouts_are_checked_for_every_connection_once_per_period(
    scheduled: list[tuple[float, Any]],
) -> None:
    spread = server()
    protocols = [Protocol() for _ in range(1_000)]
    spread.connections = {protocol: {} for protocol in protocols}
    per_tick = []
    for _ in range(SLICES):
        before = sum(p.timeouts_checked for p in protocols)
        spread.timeout_checker()
        per_tick.append(sum(p.timeouts_checked for p in protocols) - before)
    assert all(p.timeouts_checked == 1 for p in protocols)
    assert max(per_tick) == math.ceil(1_000 / SLICES)
    assert {delay for delay, _ in scheduled} == {checkers.TIMEOUT_PERIOD / SLICES}


def test_many_connections_take_more_slices_none_over_the_bound(
    scheduled: list[tuple[float, Any]],
) -> None:
    """With more than SLICES * PER_SLICE connections (each slice sends the pings due
    among its connections), a cycle has as many slices as needed to keep each to
    PER_SLICE, still one cycle per period."""
    spread = server()
    count = 25 * checkers.PER_SLICE
    protocols = [Protocol() for _ in range(count)]
    spread.connections = {protocol: {} for protocol in protocols}
    per_tick = []
    for _ in range(25):
        before = sum(p.timeouts_checked for p in protocols)
        spread.timeout_checker()
        per_tick.append(sum(p.timeouts_checked for p in protocols) - before)
    assert all(p.timeouts_checked == 1 for p in protocols)
    assert per_tick == [checkers.PER_SLICE] * 25
    assert {delay for delay, _ in scheduled} == {checkers.TIMEOUT_PERIOD / 25}
    # A cycle over fewer connections goes back to SLICES slices.
    spread.connections = {protocol: {} for protocol in protocols[:50]}
    scheduled.clear()
    spread.timeout_checker()
    assert {delay for delay, _ in scheduled} == {checkers.TIMEOUT_PERIOD / SLICES}


@pytest.mark.asyncio
async def test_applications_are_reaped_and_those_outliving_their_client_cancelled(
    scheduled: list[tuple[float, Any]],
) -> None:
    loop = asyncio.get_running_loop()
    spread = server()
    finished, running, lingering, failed = (loop.create_future() for _ in range(4))
    finished.set_result(None)
    failed.set_exception(ValueError("broken"))
    left_long_ago = time.time() - 60
    gone, open_, stuck, broken = Protocol(), Protocol(), Protocol(), Protocol()
    spread.connections = {
        gone: {"application_instance": finished, "disconnected": left_long_ago},
        open_: {"application_instance": running},
        stuck: {"application_instance": lingering, "disconnected": left_long_ago},
        broken: {"application_instance": failed},
    }
    for _ in range(SLICES):
        spread.application_checker()

    assert gone not in spread.connections  # done and closed: forgotten
    assert spread.connections[open_] == {"application_instance": running}
    assert not running.cancelled()
    assert lingering.cancelled()  # its client left a minute ago (timeout 10 s)
    assert "application_instance" not in spread.connections[broken]
    assert [str(e) for e in broken.exceptions] == ["broken"]
    assert {delay for delay, _ in scheduled} == {checkers.APPLICATION_PERIOD / SLICES}


def test_daphnes_command_line_starts_the_spread_server() -> None:
    import config.asgi  # noqa: F401  (installs it, as daphne loads the application)

    assert cli.CommandLineInterface.server_class is SpreadServer
