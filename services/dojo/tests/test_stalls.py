"""The event loop's stops, reported with where their time went (dojos.stalls)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from django.test import override_settings

from dojos import stalls
from dojos.checkers import SpreadServer
from dojos.stalls import Monitor, Reading, Schedstat, stop_between


def test_a_stop_is_split_into_cpu_waiting_for_a_core_and_the_rest() -> None:
    before = Reading(at=10.0, cpu=1.0, queued=2.0, process_cpu=5.0)
    after = Reading(at=10.105, cpu=1.02, queued=2.03, process_cpu=5.07)
    stop = stop_between(before, after, interval=0.005)
    assert stop.length == pytest.approx(0.1)
    assert stop.window == pytest.approx(0.105)
    assert stop.on_cpu == pytest.approx(0.02)
    assert stop.queued == pytest.approx(0.03)
    assert stop.rest == pytest.approx(0.055)
    assert stop.other_threads == pytest.approx(0.05)


def test_without_schedstat_the_wait_for_a_core_is_unknown() -> None:
    before = Reading(at=0.0, cpu=0.0, queued=None, process_cpu=0.0)
    after = Reading(at=0.2, cpu=0.05, queued=None, process_cpu=0.05)
    stop = stop_between(before, after, interval=0.0)
    assert stop.queued is None
    assert stop.rest == pytest.approx(0.15)


def run_loop(monitor: Monitor, stopper: object) -> None:
    """Start ``monitor`` on a fresh loop, stop the loop with ``stopper()``, let it beat again."""
    loop = asyncio.new_event_loop()
    try:

        async def main() -> None:
            monitor.start(asyncio.get_running_loop())
            await asyncio.sleep(0.02)
            stopper()  # type: ignore[operator]
            for _ in range(100):  # the next beats report it
                await asyncio.sleep(0.01)
                if monitor.stops:
                    return

        loop.run_until_complete(main())
    finally:
        monitor.stop()
        loop.close()


def spin(seconds: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        pass


def test_a_callback_holding_the_loop_is_reported_with_its_cpu_time() -> None:
    monitor = Monitor(threshold=0.02, interval=0.005)
    monitor.keep_stops = True
    started = time.thread_time()
    run_loop(monitor, lambda: spin(0.1))
    used = time.thread_time() - started
    assert monitor.stops, "the stop was not reported"
    stop = max(monitor.stops, key=lambda s: s.length)
    assert stop.length >= 0.1 - monitor.interval
    # The loop's thread was on a core for it, as far as this thread's own clock says.
    assert 0 < stop.on_cpu <= used


def test_a_blocked_loop_is_reported_off_the_cpu() -> None:
    monitor = Monitor(threshold=0.02, interval=0.005)
    monitor.keep_stops = True
    run_loop(monitor, lambda: time.sleep(0.2))  # blocks the loop without a core
    assert monitor.stops, "the stop was not reported"
    stop = max(monitor.stops, key=lambda s: s.length)
    assert stop.length >= 0.2 - monitor.interval
    assert stop.on_cpu < stop.length / 2
    assert stop.rest > stop.length / 2


def test_the_time_other_threads_used_during_a_stop_is_counted() -> None:
    monitor = Monitor(threshold=0.02, interval=0.005)
    monitor.keep_stops = True

    def wait_for_a_worker() -> None:
        # The loop waits (off its core) for a thread that computes.
        worker = threading.Thread(target=spin, args=(0.15,))
        worker.start()
        worker.join()

    run_loop(monitor, wait_for_a_worker)
    assert monitor.stops, "the stop was not reported"
    stop = max(monitor.stops, key=lambda s: s.length)
    assert stop.length >= 0.15 - monitor.interval
    assert stop.other_threads > stop.on_cpu


def test_a_loop_beating_on_time_reports_nothing() -> None:
    monitor = Monitor(threshold=10.0, interval=0.005)
    monitor.keep_stops = True
    run_loop(monitor, lambda: None)
    assert monitor.stops == []


def test_the_schedstat_of_this_thread_counts_up() -> None:
    schedstat = Schedstat()
    try:
        if schedstat.fd is None:
            pytest.skip("no /proc/<pid>/task/<tid>/schedstat on this system")
        first = schedstat.queued()
        spin(0.01)
        time.sleep(0.001)
        second = schedstat.queued()
        assert first is not None and second is not None
        assert second >= first
    finally:
        schedstat.close()


@pytest.mark.parametrize(("threshold_ms", "watching"), [(0, False), (25, True)])
def test_daphnes_server_watches_its_loop_only_when_asked(threshold_ms: int, watching: bool) -> None:
    async def application(scope: object, receive: object, send: object) -> None:
        return None

    server = SpreadServer(application=application, endpoints=["tcp:port=0"])
    loop = asyncio.new_event_loop()
    try:
        with override_settings(DOJO_STALL_LOG_MS=threshold_ms):

            async def main() -> None:
                server._watch_stalls()

            loop.run_until_complete(main())
    finally:
        loop.close()
    assert (server.stall_monitor is not None) is watching
    if server.stall_monitor is not None:
        assert server.stall_monitor.threshold == pytest.approx(threshold_ms / 1000)
        server.stall_monitor.stop()


def test_the_monitor_is_off_for_a_zero_threshold() -> None:
    loop = asyncio.new_event_loop()
    try:
        assert stalls.watch(loop, 0) is None
    finally:
        loop.close()
