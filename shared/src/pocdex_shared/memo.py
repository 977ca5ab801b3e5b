"""A small thread-safe in-process cache with a time to live per entry.

For the hot path only (token verdicts, tenant rows, memberships): bounded in
size, cleared whole when full rather than tracking recency, because entries
live seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """``clock`` (monotonic seconds) is injectable, so expiry is tested without waiting."""

    def __init__(
        self, *, max_entries: int = 20_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._rows: dict[K, tuple[float, V]] = {}
        self._max_entries = max_entries
        self.clock = clock

    def get(self, key: K) -> V | None:
        entry = self._rows.get(key)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, key: K, value: V, ttl: float) -> None:
        with self._lock:
            if len(self._rows) >= self._max_entries:
                self._rows.clear()
            self._rows[key] = (self.clock() + ttl, value)

    def forget(self, key: K | None = None) -> None:
        """Drop one entry, or every entry without a key."""
        with self._lock:
            if key is None:
                self._rows.clear()
            else:
                self._rows.pop(key, None)
