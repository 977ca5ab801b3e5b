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
"""

from __future__ import annotations

import gc
import logging
import time
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
