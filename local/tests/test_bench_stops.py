"""bench/dojo/stops.py: the instances' event-loop stops counted in the step they fall in."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT

RESULTS = """### Broadcast latency

step 1: 0.1 edit/s per dojo, 20 edits/s offered, 30 s
  to the 19 other members: p50 5.9 ms, p95 11.0 ms
  per 10s of send time from 03:21:23 UTC, p50/p95 ms: 0s: 8/15, 10s: 6/8, 20s: 5/7
step 2: 1 edit/s per dojo, 200 edits/s offered, 60 s
  per 10s of send time from 03:21:53 UTC, p50/p95 ms: 0s: 4/13
"""


@pytest.fixture(scope="module")
def stops() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_stops", ROOT / "bench/dojo/stops.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def stall(ts: str, length: float, cpu: float, queued: float) -> str:
    window = length + 5.0
    return json.dumps(
        {
            "ts": f"2026-12-07T{ts}Z",
            "level": "WARNING",
            "logger": "dojos.stalls",
            "message": "event loop stopped",
            "stall_ms": length,
            "stall_window_ms": window,
            "stall_cpu_ms": cpu,
            "stall_queued_ms": queued,
            "stall_rest_ms": window - cpu - queued,
            "stall_other_threads_ms": 0.0,
        }
    )


def test_stops_are_counted_in_their_step_from_the_logs_offset(
    stops: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "dojo-results.md"
    results.write_text(RESULTS)
    log = tmp_path / "dojo-web.log"
    before = stall("03:21:30.000", 95.0, 50.0, 50.0) + "\n"  # an earlier run's: skipped
    log.write_text(
        before
        + stall("03:21:30.000", 45.0, 10.0, 40.0)  # step 1
        + "\nnot json, a daphne access line\n"
        + stall("03:22:00.000", 25.0, 30.0, 0.0)  # step 2
        + "\n"
        + stall("03:22:00.500", 25.0, 0.0, 0.0)  # step 2
        + "\n"
        + stall("03:23:30.000", 80.0, 0.0, 85.0)  # after the steps: not counted
        + "\n"
    )
    stops.main(str(results), [f"{log}@{len(before.encode())}"])
    rows = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| step ") and line[7].isdigit()
    ]
    assert rows == [
        "| step 1: 0.1 edit/s per dojo, 20 edits/s offered | 1 (45 ms) | 45.0 ms"
        " | 20% | 80% | 0% | 0% |",
        "| step 2: 1 edit/s per dojo, 200 edits/s offered | 2 (50 ms) | 25.0 ms"
        " | 50% | 0% | 50% | 0% |",
    ]


def test_shards_reporting_the_same_steps_count_them_once(stops: ModuleType) -> None:
    steps = stops.steps_of(RESULTS + RESULTS, "2026-12-07")
    assert [step.name for step in steps] == [
        "step 1: 0.1 edit/s per dojo, 20 edits/s offered",
        "step 2: 1 edit/s per dojo, 200 edits/s offered",
    ]
