"""dojos.collector: what a daphne instance loads is frozen, full collections are rare."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from dojos.collector import THRESHOLDS, _on_collection, tune, watch


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    thresholds = gc.get_threshold()
    seen: list[int] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            seen.append(int(info["collected"]))

    gc.callbacks.append(watch)
    yield seen
    gc.callbacks.remove(watch)
    if _on_collection in gc.callbacks:  # tune() installs it
        gc.callbacks.remove(_on_collection)
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_loaded_objects_are_frozen_and_full_collections_are_rare(
    full_collections: list[int],
) -> None:
    tune()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == THRESHOLDS
    full_collections.clear()
    # 300,000 new long-lived objects: with CPython's thresholds their promotion
    # to the oldest generation sets off a full collection; here it does not.
    kept = [Cycle() for _ in range(300_000)]
    assert full_collections == []
    del kept
    # Cycles are still freed when the oldest generation is collected.
    for _ in range(1000):
        Cycle()
    gc.collect()
    assert full_collections and full_collections[-1] >= 1000


def test_default_thresholds_would_have_collected_everything(full_collections: list[int]) -> None:
    """The check above can fail: the same allocations, CPython's defaults."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 10)
    full_collections.clear()
    kept = [Cycle() for _ in range(300_000)]
    assert full_collections != []
    del kept


def test_full_collections_are_logged_with_their_pause(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dojos import collector

    watch()
    watch()
    assert gc.callbacks.count(collector._on_collection) == 1
    try:
        monkeypatch.setattr(collector, "SLOW_MS", -1.0)
        for _ in range(500):
            Cycle()
        with caplog.at_level(logging.DEBUG, logger="dojos.collector"):
            gc.collect(1)  # a younger generation is not reported
            assert caplog.records == []
            gc.collect()
        (record,) = caplog.records
        assert record.levelno == logging.WARNING
        assert record.gc_collected >= 500  # type: ignore[attr-defined]
        assert record.gc_ms >= 0  # type: ignore[attr-defined]
        caplog.clear()
        monkeypatch.setattr(collector, "SLOW_MS", 10_000.0)
        with caplog.at_level(logging.DEBUG, logger="dojos.collector"):
            gc.collect()
        assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    finally:
        gc.callbacks.remove(collector._on_collection)


def test_connections_objects_are_frozen_and_thawed_after_enough_disconnections(
    full_collections: list[int],
) -> None:
    import weakref

    from dojos.collector import Keeper

    now = [0.0]
    keeper = Keeper(thaw_after_closed=3, thaw_seconds=100.0, clock=lambda: now[0])
    keeper.enabled = True
    gc.collect()
    gc.freeze()
    before = gc.get_freeze_count()
    held = [Cycle() for _ in range(1000)]  # what an open connection holds
    keeper.opened = 1
    keeper.tick()
    assert gc.get_freeze_count() >= before + 1000
    # A frozen cycle that becomes garbage waits for the thaw: a full collection skips it.
    probe = weakref.ref(held[0])
    del held
    gc.collect()
    assert probe() is not None
    # Nothing opened since: a tick freezes nothing more.
    frozen = gc.get_freeze_count()
    Cycle()
    keeper.tick()
    assert gc.get_freeze_count() == frozen
    for _ in range(3):
        keeper.connection_closed()
    keeper.tick()  # enough disconnections: thaw, collect, freeze again
    assert probe() is None
    assert keeper.closed == 0 and gc.get_freeze_count() > 0
    # And after thaw_seconds without enough disconnections, too.
    held = [Cycle() for _ in range(10)]
    keeper.opened = 1
    keeper.tick()
    probe = weakref.ref(held[0])
    del held
    now[0] = 100.0
    keeper.tick()
    assert probe() is None


def test_garbage_made_since_the_last_freeze_is_collected_not_frozen(
    full_collections: list[int],
) -> None:
    import weakref

    from dojos.collector import Keeper

    keeper = Keeper(thaw_after_closed=1000, thaw_seconds=100.0, clock=lambda: 0.0)
    keeper.enabled = True
    gc.collect()
    gc.freeze()
    before = gc.get_freeze_count()
    held = [Cycle() for _ in range(500)]  # a connection opened since the last freeze
    finished = Cycle()  # a request's objects: a cycle, garbage already
    gone = weakref.ref(finished)
    del finished
    keeper.opened = 1
    keeper.tick()
    assert gone() is None  # collected at the freeze, not left for the thaw
    assert gc.get_freeze_count() >= before + 500  # what is still held is frozen
    assert keeper.opened == 0
    del held


def test_a_keeper_that_is_not_enabled_counts_nothing() -> None:
    from dojos.collector import Keeper

    keeper = Keeper()
    keeper.connection_opened()  # no event loop needed: nothing happens
    keeper.connection_closed()
    assert (keeper.opened, keeper.closed, keeper.ticking) == (0, 0, None)
