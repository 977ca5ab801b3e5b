"""Summarize py-spy's raw stacks of the daphne instances (bench/dojo/profile.sh).

    python bench/dojo/stacks.py var/bench/profile/daphne-*.txt

Each input line is one stack, its frames separated by ``;``, then the number of
samples. Printed: the share of the samples in a few named parts of a dojo
instance's work (a stack counts in the first part it matches, in the order
below), then the functions with the most samples, inclusive and on top.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

# (name, a frame that marks it); the first match wins.
PARTS = [
    ("event loop waiting for I/O (idle)", "EpollSelector.select"),
    ("worker threads waiting for work (idle)", "_worker (concurrent/futures/thread.py:81)"),
    ("worker threads: waiting for PostgreSQL", "Connection.wait"),
    ("owner's batch: Python", "apply_batch"),
    ("owner's round: Python", "apply_round"),
    ("other database work on worker threads", "in_schema.<locals>.run"),
    ("delivery: pre-built frame (send_now)", "DojoConsumer.send_now"),
    ("delivery: Channels' send (a task, the lock, autobahn)", "AsyncWebsocketConsumer.send"),
    ("channel layer: receiving, decoding", "RedisPubSubLoopLayer.receive"),
    ("channel layer: publishing", "group_send"),
    ("client frames: parsing, forwarding, answering", "DojoConsumer.receive"),
    ("owner: queueing, forwarding, answering", "owner.py"),
    ("daphne and Twisted: reading sockets, framing", "WebSocketAdapterProtocol"),
    ("Redis client (channel layer, leases)", "redis/asyncio"),
    ("worker threads waking the event loop", "call_soon_threadsafe"),
]


def load(path: str) -> list[tuple[list[str], int]]:
    rows = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack and count.isdigit():
                rows.append((stack.split(";"), int(count)))
    return rows


def short(frame: str) -> str:
    """``name (path/to/file.py:12)`` -> ``name (file.py:12)``."""
    return re.sub(r" \((?:[^)]*/)?([^/)]*)\)$", r" (\1)", frame)


def main(paths: list[str]) -> None:
    rows = [row for path in paths for row in load(path)]
    total = sum(count for _, count in rows)
    if not total:
        print("no samples")
        return
    parts: Counter[str] = Counter()
    for stack, count in rows:
        joined = ";".join(stack)
        name = next((name for name, mark in PARTS if mark in joined), "everything else")
        parts[name] += count
    print(f"{total} samples over {len(paths)} instance(s)\n")
    print("| part | share of the samples |\n| --- | --- |")
    for name, count in parts.most_common():
        print(f"| {name} | {count / total:.1%} |")
    inclusive: Counter[str] = Counter()
    on_top: Counter[str] = Counter()
    for stack, count in rows:
        for frame in {short(f) for f in stack}:
            inclusive[frame] += count
        on_top[short(stack[-1])] += count
    print("\nfunctions with the most samples, inclusive:")
    for frame, count in inclusive.most_common(40):
        print(f"  {count / total:6.1%}  {frame}")
    print("\non top of the stack:")
    for frame, count in on_top.most_common(20):
        print(f"  {count / total:6.1%}  {frame}")


if __name__ == "__main__":
    main(sys.argv[1:])
