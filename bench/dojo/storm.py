"""A storm of HTTP requests on one dojo instance: its threads stay bounded (ADR 0053).

    var/venv/bin/python bench/dojo/storm.py [requests] [port] [pid]

With the platform running (``make run``), opens ``requests`` connections (3,000
by default) to one daphne instance (127.0.0.1:8103 by default, without the
gateway, as a storm of reconnections after the other instance died would
reach it), sends ``GET /readyz`` on all of them at once, and reads every
answer. Meanwhile the instance's thread count is read from ``/proc`` every
10 ms. Prints the answers by status, their latency percentiles, and the
instance's threads before, at most during, and after. Stops by itself
(every socket has a 120 s timeout).
"""

from __future__ import annotations

import asyncio
import collections
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIDS = {8103: ROOT / "var/run/dojo-web.pid", 8113: ROOT / "var/run/dojo-web2.pid"}
TIMEOUT = 120.0


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise RuntimeError(f"no thread count for {pid}")


async def one(port: int, ready: asyncio.Event) -> tuple[int, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await ready.wait()
        started = time.perf_counter()
        writer.write(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # the rest, until the instance closes
        status = int(status_line.split()[1]) if status_line else 0
        return status, time.perf_counter() - started
    finally:
        writer.close()


async def storm(count: int, port: int, pid: int) -> None:
    before = threads_of(pid)
    ready = asyncio.Event()
    most = [before]

    async def watch() -> None:
        while True:
            most[0] = max(most[0], threads_of(pid))
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    tasks = [asyncio.create_task(one(port, ready)) for _ in range(count)]
    await asyncio.sleep(1.0)  # the connections open (the kernel's backlog accepts them)
    started = time.perf_counter()
    ready.set()
    results = await asyncio.wait_for(
        asyncio.gather(*tasks, return_exceptions=True), timeout=TIMEOUT
    )
    elapsed = time.perf_counter() - started
    await asyncio.sleep(2.0)
    watcher.cancel()
    after = threads_of(pid)
    statuses: collections.Counter[str] = collections.Counter()
    latencies: dict[int, list[float]] = collections.defaultdict(list)
    for result in results:
        if isinstance(result, BaseException):
            statuses[type(result).__name__] += 1
            continue
        status, seconds = result
        statuses[str(status)] += 1
        latencies[status].append(seconds * 1000)
    print(f"{count} requests to 127.0.0.1:{port} at once, all answered in {elapsed:.1f} s")
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    for status, values in sorted(latencies.items()):
        values.sort()
        p = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"  {status}: p50 {p[49]:.0f} ms, p95 {p[94]:.0f} ms, max {values[-1]:.0f} ms")
    print(f"instance threads: {before} before, at most {most[0]} during, {after} after")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8103
    # The instance's process: from make run's pid files ("pid start-time"), or given.
    pid = int(sys.argv[3]) if len(sys.argv) > 3 else int(PIDS[port].read_text().split()[0])
    asyncio.run(storm(count, port, pid))


if __name__ == "__main__":
    main()
