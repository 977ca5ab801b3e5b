"""Garbage collection tuned so that full collections stay rare under load.

A collection stops every thread, the event loop included, for as long as it
walks the objects it tracks: about 1 µs per object on the development machine.
A daphne instance holding 2,000 dojo connections tracks about 400,000 objects.
With CPython's default thresholds, the objects in flight under load (about
4,000 frames a second) kept reaching the oldest generation, and a full
collection of everything ran every 5 to 30 s, 120 to 420 ms each (bench/dojo,
docs/benchmarks.md): every delivery waiting behind one was late.

So, in the daphne process:

- what exists once the application is loaded (Django, the apps, the libraries)
  lives as long as the process: ``gc.freeze()`` takes it out of every
  collection;
- the two young generations keep CPython's thresholds (a few ms at most);
- the oldest is collected after 100 collections of the middle one instead of
  10 (and, as always, only once it grew by a quarter): reference cycles that
  outlive the young generations (a closed connection's objects, a few hundred
  per HTTP request) are still freed, ten times less often. With 1,000, a
  process kept about 250 MB of such garbage from 2,000 closed connections
  until its next full collection.

That still left full collections of everything the open connections hold: a
daphne instance with 2,000 sockets tracks several hundred thousand objects, and
opening or closing a thousand sockets grows the oldest generation by the
quarter that sets one off; each stopped the instance for 0.4 to 1 s on the
loaded benchmark machine (docs/benchmarks.md). So the connections' objects are
frozen too (``Keeper``, ADR 0048):

- every ``FREEZE_SECONDS``, if connections were opened since the last time,
  a full collection first frees the cyclic garbage made since the last freeze
  (the HTTP requests', mostly: Django REST framework's request, view and
  response refer to one another, and each request's thread builds its own
  database wrapper), walking only what is not frozen yet, so its pause grows
  with what was opened since, not with what is open; then ``gc.freeze()``
  moves everything tracked into the permanent generation (a constant-time
  list splice): full collections then only walk what was made since, and
  stay short (ADR 0052);
- what a frozen object still frees by reference counting is freed as always;
  only reference cycles that become garbage while frozen wait (a closed
  WebSocket leaves none since ADR 0052; requests in flight at a freeze may).
  After ``THAW_AFTER_CLOSED`` disconnections
  (or ``THAW_SECONDS``) the instance thaws: ``gc.unfreeze()``, one full
  collection, ``gc.freeze()`` again. That is the one long pause left, and it
  comes after a wave of disconnections (a session ending), not in the middle
  of one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

THRESHOLDS = (700, 10, 100)

logger = logging.getLogger("dojos.collector")

# A full collection that stops the instance for longer than this is logged as a
# warning (the broadcast goal is 20 ms at p95); shorter ones at debug level.
SLOW_MS = 20.0

_started: list[float] = []


def tune() -> None:
    """Freeze what is loaded and make full collections rare (call once, after loading)."""
    watch()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    keeper.enabled = True


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    if info.get("generation") != 2:
        return
    if phase == "start":
        _started[:] = [time.perf_counter()]
        return
    if not _started:
        return
    elapsed_ms = (time.perf_counter() - _started.pop()) * 1000
    level = logging.WARNING if elapsed_ms > SLOW_MS else logging.DEBUG
    logger.log(
        level,
        "full garbage collection: %.1f ms, %d objects freed",
        elapsed_ms,
        int(info.get("collected", 0)),
        extra={"gc_ms": round(elapsed_ms, 1), "gc_collected": int(info.get("collected", 0))},
    )


def watch() -> None:
    """Log every full collection's pause (a warning above SLOW_MS); idempotent."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)


FREEZE_SECONDS = 2.0
THAW_AFTER_CLOSED = 4000
THAW_SECONDS = 6 * 3600.0


class Keeper:
    """Freezes what open connections hold; thaws after enough of them closed (see above)."""

    def __init__(
        self,
        *,
        thaw_after_closed: int = THAW_AFTER_CLOSED,
        thaw_seconds: float = THAW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = False
        self.thaw_after_closed, self.thaw_seconds, self.clock = (
            thaw_after_closed,
            thaw_seconds,
            clock,
        )
        self.opened = 0
        self.closed = 0
        self.thawed_at = clock()
        self.ticking: asyncio.TimerHandle | None = None

    def connection_opened(self) -> None:
        if not self.enabled:
            return
        self.opened += 1
        if self.ticking is None:
            loop = asyncio.get_running_loop()
            self.ticking = loop.call_later(FREEZE_SECONDS, self._tick, loop)

    def connection_closed(self) -> None:
        if self.enabled:
            self.closed += 1

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        self.tick()
        self.ticking = loop.call_later(FREEZE_SECONDS, self._tick, loop)

    def tick(self) -> None:
        """Thaw if it is time, else freeze what connections opened since the last tick."""
        if (
            self.closed >= self.thaw_after_closed
            or self.clock() - self.thawed_at >= self.thaw_seconds
        ):
            self.thaw()
        elif self.opened:
            gc.collect()  # what is not frozen yet: the garbage made since the last freeze
            gc.freeze()
            self.opened = 0

    def thaw(self) -> None:
        started = time.perf_counter()
        gc.unfreeze()
        freed = gc.collect()
        gc.freeze()
        logger.info(
            "objects thawed and collected: %.1f ms, %d freed after %d disconnections",
            (time.perf_counter() - started) * 1000,
            freed,
            self.closed,
            extra={"gc_freed": freed, "gc_closed": self.closed},
        )
        self.opened = self.closed = 0
        self.thawed_at = self.clock()


keeper = Keeper()
