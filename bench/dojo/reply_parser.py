"""redis-py's reply parsers side by side on a subscription, as a dojo instance reads events (ADR 0049).

    var/venv/bin/python bench/dojo/reply_parser.py [rounds] [messages per round]

Every event an owner publishes reaches each daphne instance through its
channel-layer subscription, parsed by redis-py (RESP3). Each round publishes
``messages`` messages of a dojo event's size (a msgpack body of about 300
bytes) and times how long a subscriber takes to read them all, once with
redis-py's pure-Python parser and once with hiredis's, taking turns so both
see the same machine. Against the running platform's Redis (127.0.0.1:63799,
``make run``), on a channel of its own.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid

import msgpack
from redis.asyncio import Redis
from redis.asyncio.connection import _AsyncHiredisParser, _AsyncRESP3Parser

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:63799/0")


def body() -> bytes:
    event = {
        "type": "op",
        "seq": 123456,
        "id": "b1.42.17.123456789012",
        "revision": 4321,
        "op": [1234, "s17;"],
        "author": {"id": str(uuid.uuid4()), "name": "Maria da Silva"},
        "at": "2026-12-06T23:59:59.123456Z",
    }
    return msgpack.packb(
        {
            "type": "dojo.event",
            "schema": "org_bench_1",
            "dojo": uuid.uuid4().hex,
            "event": event,
            "text": str(event),
            "__asgi_channel__": None,
        }
    )


async def read_all(parser: type, channel: str, payload: bytes, count: int) -> float:
    """Seconds for a subscriber with ``parser`` to read ``count`` published messages."""
    subscriber = Redis.from_url(URL, parser_class=parser, protocol=3)
    publisher = Redis.from_url(URL, protocol=3)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe(channel)
    while (await pubsub.get_message(timeout=1.0)) is None:
        pass  # the subscription's confirmation
    pipe = publisher.pipeline(transaction=False)
    for _ in range(count):
        pipe.publish(channel, payload)
    await pipe.execute()
    started = time.perf_counter()
    seen = 0
    while seen < count:
        message = await pubsub.get_message(timeout=5.0)
        if message is None:
            raise RuntimeError(f"only {seen} of {count} messages arrived")
        if message["type"] == "message":
            seen += 1
    elapsed = time.perf_counter() - started
    await pubsub.aclose()
    await subscriber.aclose()
    await publisher.aclose()
    return elapsed


async def main(rounds: int, count: int) -> None:
    payload = body()
    channel = f"bench-reply-parser-{uuid.uuid4().hex}"
    times: dict[str, list[float]] = {"pure Python (RESP3)": [], "hiredis": []}
    for index in range(rounds):
        order = [("pure Python (RESP3)", _AsyncRESP3Parser), ("hiredis", _AsyncHiredisParser)]
        if index % 2:
            order.reverse()
        for name, parser in order:
            times[name].append(await read_all(parser, channel, payload, count))
    print(f"{rounds} rounds of {count} messages of {len(payload)} bytes, parsers taking turns")
    print("| parser | µs per message read, median | best |")
    print("| --- | --- | --- |")
    for name, values in times.items():
        print(
            f"| {name} | {statistics.median(values) / count * 1e6:.1f} |"
            f" {min(values) / count * 1e6:.1f} |"
        )
    ratio = statistics.median(times["pure Python (RESP3)"]) / statistics.median(times["hiredis"])
    print(f"pure Python / hiredis, medians: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 20,
            int(sys.argv[2]) if len(sys.argv) > 2 else 5000,
        )
    )
