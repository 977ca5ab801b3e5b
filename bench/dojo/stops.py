"""The daphne instances' event-loop stops during each step of a dojo benchmark run.

    python bench/dojo/stops.py var/bench/dojo-results.md LOG[@OFFSET] ...

The first argument is the load generator's report (its steps, their length and
the UTC time each began); each LOG is a daphne instance's log, read from
OFFSET (the size it had when the run began). The instances log every stop of their event
loop longer than ``DOJO_STALL_LOG_MS`` (``dojos.stalls``, ADR 0051) with where
its time went; this prints, per step, how many there were and, of the time
between the beats around them, the share the loop's thread spent on a core,
waiting for a core, and neither (the GIL, or a blocking call), and what the
instances' other threads used.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

STEP = re.compile(r"^step (\d+): (.*), (\d+(?:\.\d+)?) s$")
START = re.compile(r"per \d+s of send time from (\d\d:\d\d:\d\d) UTC")
FIELDS = (
    "stall_ms",
    "stall_window_ms",
    "stall_cpu_ms",
    "stall_queued_ms",
    "stall_rest_ms",
    "stall_other_threads_ms",
)


@dataclass
class Step:
    name: str
    seconds: float
    start: datetime | None = None
    stops: list[dict[str, float]] = field(default_factory=list)


def steps_of(results: str, day: str) -> list[Step]:
    steps: list[Step] = []
    for line in results.splitlines():
        if match := STEP.match(line.strip()):
            steps.append(Step(f"step {match[1]}: {match[2]}", float(match[3])))
        elif (match := START.search(line)) and steps and steps[-1].start is None:
            steps[-1].start = datetime.fromisoformat(f"{day}T{match[1]}")
    # Several load generators (run.sh's shards) report the same steps: once each.
    unique: dict[tuple[str, datetime], Step] = {}
    for step in steps:
        if step.start is not None:
            unique.setdefault((step.name, step.start), step)
    return list(unique.values())


def stops_in(path: str, offset: int) -> list[tuple[datetime, dict[str, float]]]:
    found = []
    with open(path, "rb") as log:
        log.seek(offset)
        for raw in log:
            if b'"dojos.stalls"' not in raw:
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            at = datetime.fromisoformat(record["ts"].replace("Z", "")[:23])
            found.append((at, {name: float(record.get(name) or 0.0) for name in FIELDS}))
    return found


def main(results_path: str, logs: list[str]) -> None:
    stops: list[tuple[datetime, dict[str, float]]] = []
    for spec in logs:
        path, _, offset = spec.partition("@")
        stops += stops_in(path, int(offset or 0))
    day = min((at for at, _ in stops), default=datetime.utcnow()).date().isoformat()
    with open(results_path, encoding="utf-8") as results:
        steps = steps_of(results.read(), day)
    print("### The event loop's stops (DOJO_STALL_LOG_MS, both instances)\n")
    if not steps:
        print("no step found in the results")
        return
    print(
        "| step | stops (their length) | longest | the loop thread: on a core | waiting for a core"
        " | neither (the GIL, blocking) | other threads on a core |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for step in steps:
        start = step.start
        if start is None:  # steps_of keeps only steps with a start
            continue
        end = start + timedelta(seconds=step.seconds)
        inside = [values for at, values in stops if start <= at < end]
        total = sum(values["stall_ms"] for values in inside)
        # The shares are of the time between the beats around each stop.
        window = sum(values["stall_window_ms"] or values["stall_ms"] for values in inside)

        def share(
            name: str, inside: list[dict[str, float]] = inside, window: float = window
        ) -> str:
            return f"{sum(v[name] for v in inside) / window:.0%}" if window else "-"

        longest = max((values["stall_ms"] for values in inside), default=0.0)
        print(
            f"| {step.name} | {len(inside)} ({total:.0f} ms) | {longest:.1f} ms"
            f" | {share('stall_cpu_ms')} | {share('stall_queued_ms')}"
            f" | {share('stall_rest_ms')} | {share('stall_other_threads_ms')} |"
        )


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
