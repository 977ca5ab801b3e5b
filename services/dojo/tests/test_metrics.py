"""The dojo's metrics after real sessions: sockets, deliveries, sequencing time, edits as usage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections
from prometheus_client import REGISTRY

from dojos.live import instance
from pocdex_shared.metrics import UsageLedger, usage_ledger

from .conftest import Member
from .test_session import join, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest_asyncio.fixture(autouse=True)
async def _close_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "dojo", **labels}) or 0.0


async def test_sockets_deliveries_sequencing_and_edits_are_measured(
    ana: Member, bruno: Member, outsider: Member, create_dojo: Callable[..., dict[str, Any]]
) -> None:
    plan = ana.tenant.plan
    sockets = value("pocdex_dojo_sockets_open")
    sequenced = value("pocdex_dojo_deliveries_total", kind="sequenced")
    ops = value("pocdex_dojo_sequencing_seconds_count", command="op")
    edits = value("pocdex_tenant_usage_total", kind="dojo_edit", plan=plan)

    dojo = await sync_to_async(create_dojo)(ana)
    a = await join(ana, dojo["id"])
    b = await join(bruno, dojo["id"])
    assert value("pocdex_dojo_sockets_open") == sockets + 2

    await start(ana, dojo["id"])
    await a.edit(a.insert_at_end("def score(rolls):\n"))
    await a.settle()
    await b.until_seq(a.seq)

    # The sender's frame is answered after the events went out: its socket may have
    # the op event a moment before the command's time is recorded.
    for _ in range(250):
        if value("pocdex_dojo_sequencing_seconds_count", command="op") > ops:
            break
        await asyncio.sleep(0.02)
    assert value("pocdex_dojo_sequencing_seconds_count", command="op") == ops + 1
    assert value("pocdex_tenant_usage_total", kind="dojo_edit", plan=plan) == edits + 1
    usage_ledger().flush()
    top = {(kind, tenant): amount for kind, tenant, amount in UsageLedger().top("dojo")}
    assert top[("dojo_edit", ana.tenant.slug)] >= 1
    assert ("dojo_edit", outsider.tenant.slug) not in top
    # Every sequenced event (presence, start, the edit) reached both sockets; the
    # instance writes its deliveries to the metric once a second (Instance.count).
    for _ in range(250):
        if value("pocdex_dojo_deliveries_total", kind="sequenced") >= sequenced + 2 * 2:
            break
        await asyncio.sleep(0.02)
    assert value("pocdex_dojo_deliveries_total", kind="sequenced") >= sequenced + 2 * 2

    # Another organization's dojo: its socket counts, its edits are its own organization's.
    other = await sync_to_async(create_dojo)(outsider)
    o = await join(outsider, other["id"])
    assert value("pocdex_dojo_sockets_open") == sockets + 3
    await o.close()
    await a.close()
    await b.close()
    assert value("pocdex_dojo_sockets_open") == sockets


async def test_events_the_channel_layer_lost_are_counted_when_read_back_from_the_log(
    ana: Member, bruno: Member, create_dojo: Callable[..., dict[str, Any]]
) -> None:
    dojo = await sync_to_async(create_dojo)(ana)
    a = await join(ana, dojo["id"])
    b = await join(bruno, dojo["id"])
    await start(ana, dojo["id"])
    await a.edit(a.insert_at_end("x = 1\n"))
    await a.settle()
    await b.until_seq(a.seq)
    [consumer] = [
        c for members in instance.consumers.values() for c in members if c.actor.id == bruno.id
    ]
    gaps = value("pocdex_dojo_gap_events_total")
    # The layer loses the next sequenced event on its way to bruno's socket.
    lost: list[int] = []
    send_now, dojo_event = consumer.send_now, consumer.dojo_event

    def lose_once(event: dict[str, Any] | None) -> bool:
        if event is not None and not lost:
            lost.append(int(event["seq"]))
            return True
        return False

    def send_now_losing(event: Any, payload: bytes, frame: bytes) -> bool:
        return lose_once(event) or send_now(event, payload, frame)

    async def dojo_event_losing(message: dict[str, Any]) -> None:
        if not lose_once(message["event"]):
            await dojo_event(message)

    consumer.send_now, consumer.dojo_event = send_now_losing, dojo_event_losing
    await a.edit(a.insert_at_end("y = 2\n"))
    await a.settle()
    await a.edit(a.insert_at_end("z = 3\n"))
    await a.settle()
    await b.until_seq(a.seq)  # gapless: the lost event came from the log

    assert len(lost) == 1
    assert value("pocdex_dojo_gap_events_total") == gaps + 1
    assert b.document == a.document
    await a.close()
    await b.close()


async def test_deliveries_are_written_to_the_metric_once_per_interval_not_per_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dojos import live

    writes: list[tuple[str, int]] = []
    monkeypatch.setattr(live, "dojo_delivered", lambda kind, frames: writes.append((kind, frames)))
    monkeypatch.setattr(live, "COUNT_SECONDS", 0.05)
    counting = live.Instance()
    for _ in range(100):
        counting.count("sequenced", 19)
    counting.count("ephemeral", 3)
    counting.count("sequenced", 0)
    assert writes == []
    for _ in range(250):
        if writes:
            break
        await asyncio.sleep(0.02)
    assert sorted(writes) == [("ephemeral", 3), ("sequenced", 1900)]
    counting.count("sequenced", 2)
    for _ in range(250):
        if len(writes) == 3:
            break
        await asyncio.sleep(0.02)
    assert writes[2:] == [("sequenced", 2)]
