"""The event loop's stops, logged with where the time went (``DOJO_STALL_LOG_MS``).

Every frame a daphne instance delivers waits while its event loop is stopped.
A latency percentile says that it happened, not why: a long callback on the
loop, the GIL held by another thread of the process, the process not being
scheduled on a busy machine, or a blocking call. ``Monitor`` tells them apart
without touching another thread's frames:

- a timer on the loop (``beat``) runs every ``interval`` and reads, in the
  loop's own thread, the clock, the thread's CPU time, the time the thread
  spent runnable but waiting for a core (the kernel's ``schedstat``) and the
  process's CPU time;
- a beat that comes more than ``threshold`` late logs one warning: how late,
  and the time since the previous beat split into the loop thread on a core,
  the loop thread waiting for a core, and the rest (waiting for the GIL, or
  blocked in a call); and what the process's other threads used meanwhile
  (the ones that could hold the GIL).

Off by default; the local platform and the benchmark turn it on (bench/dojo).
One timer callback and one small ``/proc`` read per interval.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass

logger = logging.getLogger("dojos.stalls")


@dataclass(frozen=True)
class Reading:
    """One beat's readings, in seconds."""

    at: float  # monotonic clock
    cpu: float  # the loop thread's CPU time
    queued: float | None  # the loop thread's time runnable, waiting for a core (Linux)
    process_cpu: float  # every thread of the process


@dataclass(frozen=True)
class Stop:
    """A stop of the loop, in seconds: how late its beat came, and where the time
    between the two beats around it (``window``) went."""

    length: float
    window: float
    on_cpu: float
    queued: float | None
    other_threads: float

    @property
    def rest(self) -> float:
        """Neither on a core nor waiting for one: waiting for the GIL, or blocked."""
        return max(0.0, self.window - self.on_cpu - (self.queued or 0.0))


def stop_between(before: Reading, after: Reading, interval: float) -> Stop:
    """The stop between two beats due ``interval`` apart."""
    on_cpu = max(0.0, after.cpu - before.cpu)
    queued = None
    if before.queued is not None and after.queued is not None:
        queued = max(0.0, after.queued - before.queued)
    return Stop(
        length=after.at - before.at - interval,
        window=after.at - before.at,
        on_cpu=on_cpu,
        queued=queued,
        other_threads=max(0.0, after.process_cpu - before.process_cpu - on_cpu),
    )


class Schedstat:
    """The calling thread's ``/proc`` scheduler statistics, kept open and read again."""

    def __init__(self) -> None:
        self.fd: int | None = None
        try:
            self.fd = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
        except OSError:  # not Linux, or no schedstat: the queueing time is not known
            self.fd = None

    def queued(self) -> float | None:
        """Seconds this thread has spent runnable, waiting for a core."""
        if self.fd is None:
            return None
        try:
            # "<on cpu ns> <waiting on a run queue ns> <time slices>"
            return int(os.pread(self.fd, 64, 0).split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Monitor:
    """Logs every stop of one event loop longer than ``threshold`` seconds (see above)."""

    def __init__(self, threshold: float, interval: float | None = None) -> None:
        self.threshold = threshold
        self.interval = interval if interval is not None else threshold / 4
        self.stopped = False
        self.last: Reading | None = None
        self.schedstat: Schedstat | None = None
        self.stops: list[Stop] = []
        self.keep_stops = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin watching ``loop``; called from the loop's own thread."""
        self.schedstat = Schedstat()
        self.beat(loop)

    def stop(self) -> None:
        self.stopped = True
        if self.schedstat is not None:
            self.schedstat.close()

    def read(self) -> Reading:
        return Reading(
            at=time.monotonic(),
            cpu=time.thread_time(),
            queued=self.schedstat.queued() if self.schedstat is not None else None,
            process_cpu=time.process_time(),
        )

    def beat(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.stopped:
            return
        reading = self.read()
        if self.last is not None:
            stop = stop_between(self.last, reading, self.interval)
            if stop.length > self.threshold:
                self.report(stop)
        self.last = reading
        loop.call_later(self.interval, self.beat, loop)

    def report(self, stop: Stop) -> None:
        if self.keep_stops:
            self.stops.append(stop)
        queued = "unknown" if stop.queued is None else f"{stop.queued * 1000:.1f} ms"
        logger.warning(
            "event loop stopped %.1f ms; of the %.1f ms between its beats, its thread on a core"
            " %.1f ms, waiting for a core %s, neither (the GIL, or a blocking call) %.1f ms;"
            " the process's other threads on a core %.1f ms",
            stop.length * 1000,
            stop.window * 1000,
            stop.on_cpu * 1000,
            queued,
            stop.rest * 1000,
            stop.other_threads * 1000,
            extra={
                "stall_ms": round(stop.length * 1000, 1),
                "stall_window_ms": round(stop.window * 1000, 1),
                "stall_cpu_ms": round(stop.on_cpu * 1000, 1),
                "stall_queued_ms": None if stop.queued is None else round(stop.queued * 1000, 1),
                "stall_rest_ms": round(stop.rest * 1000, 1),
                "stall_other_threads_ms": round(stop.other_threads * 1000, 1),
            },
        )


def watch(loop: asyncio.AbstractEventLoop, threshold_ms: int) -> Monitor | None:
    """Start a monitor on ``loop`` when ``threshold_ms`` is positive (from the loop's thread)."""
    if threshold_ms <= 0:
        return None
    monitor = Monitor(threshold_ms / 1000)
    monitor.start(loop)
    return monitor
