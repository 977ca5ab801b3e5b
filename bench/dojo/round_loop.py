"""A round of the owner on a worker thread, and on the event loop, side by side (ADR 0055).

    cd services/dojo && ../../var/venv/bin/python ../../bench/dojo/round_loop.py [rounds] [dojos] [busy]

A round of a dojo's owner (``dojos.owner``) applies the queued commands of the
dojos it owns to its copies of their rows and writes them all in one
compare-and-set statement. Two ways, taking turns round by round, each on its
own ``dojos`` dojos of one organization (a chat message per dojo per round,
written for real, autocommitted, as the owner does):

- ``worker thread``: ``apply_round`` handed to a worker thread
  (``sync_to_async``), on Django's connection, values quoted into the SQL
  text; the event loop waits for the thread's answer;
- ``event loop``: ``apply_on_loop``, on the owner's own connection, values
  bound apart, the statement awaited.

Per way: the time from the hand-over to the result, and the process's CPU
time for it (every thread). With ``busy``, a task keeps the event loop busy
with Python work in slices of about 50 µs, as daphne's deliveries do, with
daphne's GIL switch interval: the time then includes waiting for the loop and the GIL, and CPU is not reported
(the busy task takes all of it). The dojos are made for it in the first of
bench/dojo's organizations (run.sh creates them) and deleted at the end.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.getcwd())

import django

django.setup()

from asgiref.sync import sync_to_async  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from dojos.models import Dojo, DojoStatus  # noqa: E402
from dojos.owner import RoundConnection, Work, apply_on_loop, apply_round  # noqa: E402

WAYS = ["worker thread", "event loop"]


def make_dojos(count: int) -> tuple[str, list[tuple[Any, int]]]:
    """``count`` live dojos in the first of bench/dojo's organizations (deleted at the end)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = "
            "'dojos_dojo' AND table_schema LIKE 't\\_%%' ORDER BY table_schema LIMIT 1"
        )
        found = cursor.fetchone()
    if found is None:
        sys.exit("bench/dojo: no organization with the dojo tables (run bench/dojo/run.sh once)")
    schema = found[0]
    connection.set_schema(schema)
    now = timezone.now()
    made = [
        Dojo.objects.create(
            title=f"Round bench {n}",
            language="python",
            scheduled_at=now,
            facilitator_id=uuid.uuid4(),
            status=DojoStatus.LIVE,
            started_at=now,
            owner_epoch=1,
        )
        for n in range(count)
    ]
    return schema, [(dojo.id, dojo.owner_epoch) for dojo in made]


def drop_dojos(schema: str, dojos: list[tuple[Any, int]]) -> None:
    connection.set_schema(schema)
    Dojo.objects.filter(id__in=[pk for pk, _epoch in dojos]).delete()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def busy_loop(stop: asyncio.Event) -> None:
    while not stop.is_set():
        sum(range(1500))
        await asyncio.sleep(0)


async def run(rounds: int, schema: str, dojos: list[tuple[Any, int]], busy: bool) -> None:
    half = len(dojos) // 2
    mine = {WAYS[0]: dojos[:half], WAYS[1]: dojos[half:]}
    copies: dict[Any, tuple[Any, Any]] = {}
    actor = {"id": str(uuid.uuid4()), "tenant_id": str(uuid.uuid4()), "role": "admin"}
    actor["name"] = "Bench"
    db = RoundConnection()
    stop = asyncio.Event()
    spinner = asyncio.get_running_loop().create_task(busy_loop(stop)) if busy else None
    wall: dict[str, list[float]] = {way: [] for way in WAYS}
    cpu: dict[str, list[float]] = {way: [] for way in WAYS}
    for n in range(rounds):
        way = WAYS[n % 2]
        works = [
            Work(schema, pk, epoch, *copies.get(pk, (None, None)), [(actor, chat, "en")])
            for pk, epoch in mine[way]
            for chat in [{"type": "chat", "text": f"round {n}"}]
        ]
        started, process = time.perf_counter(), time.process_time()
        if way == "worker thread":
            await sync_to_async(apply_round, thread_sensitive=False)(works)
        else:
            await apply_on_loop(works, db)
        cpu[way].append((time.process_time() - process) * 1e6)
        wall[way].append((time.perf_counter() - started) * 1e6)
        for work in works:
            if work.items or work.fenced or not work.events:
                sys.exit(f"bench/dojo: {way} did not write dojo {work.dojo_id}: {work.outcomes}")
            copies[work.dojo_id] = (work.row, work.version)
    stop.set()
    if spinner is not None:
        await spinner
    print(
        f"{rounds} rounds of {half} dojos with one chat message each, schema {schema}, "
        f"{'the event loop busy beside them' if busy else 'nothing else running'}"
    )
    for way in WAYS:
        line = (
            f"{way:14}: hand-over to result p50 {statistics.median(wall[way]):.0f} µs, "
            f"p95 {percentile(wall[way], 0.95):.0f} µs"
        )
        if not busy:
            line += f", process CPU p50 {statistics.median(cpu[way]):.0f} µs"
        print(f"{line} (n = {len(wall[way])})")
    thread, loop = (statistics.median(wall[way]) for way in WAYS)
    print(f"worker thread / event loop, p50 time: x{thread / loop:.2f}")
    if not busy:
        thread, loop = (statistics.median(cpu[way]) for way in WAYS)
        print(f"worker thread / event loop, p50 CPU: x{thread / loop:.2f}")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    busy = "busy" in sys.argv[3:]
    if busy:
        sys.setswitchinterval(0.0005)  # daphne's (config/asgi.py)
    schema, dojos = make_dojos(count * 2)
    connection.close()
    try:
        asyncio.run(run(rounds, schema, dojos, busy))
    finally:
        drop_dojos(schema, dojos)


if __name__ == "__main__":
    main()
