"""One writer per dojo (dojos.owner, ADR 0042), on two real daphne instances.

The instance that sequences a dojo is killed with SIGKILL while several people
edit and chat, on both instances: the other instance takes the dojo over with
a higher fencing token from the last durable state, and nothing acknowledged is
lost, no sequence number is handed out twice, every client stays gapless across
its reconnection, and the session goes on within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings

from dojos.models import Dojo, DojoEvent
from dojos.owner import FencedError, apply_batch, claim, owners
from pocdex_shared.testing.dojo_client import DojoClient

from .conftest import Member
from .test_scale_out import Daphne, connect, instances, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

__all__ = ["instances"]

CreateDojo = Callable[..., dict[str, Any]]


def lease_holder(dojo_id: str) -> str | None:
    client = redis.Redis.from_url(settings.CHANNEL_REDIS_URL, decode_responses=True)
    try:
        value = client.get(owners.lease_key(uuid.UUID(dojo_id)))
        return str(value) if value is not None else None
    finally:
        client.close()


def owned_by(dojo_id: str, daphne: Daphne) -> bool:
    holder = lease_holder(dojo_id)
    return holder is not None and f":{daphne.process.pid}:" in holder


async def poll(condition: Callable[[], Any], timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds, checking often, failing after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await sync_to_async(condition)():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Pump:
    """Reads a client's frames in the background (acknowledgements, events, gap checks)."""

    def __init__(self, client: DojoClient) -> None:
        self.client = client
        self.closed = False
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self.client.next(0.2)
            except TimeoutError:
                continue
            except websockets.ConnectionClosed:
                self.closed = True
                return

    async def stop(self) -> None:
        """Stop reading; a protocol violation seen by the client fails the test here."""
        if not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        elif self.task.exception() is not None:
            raise self.task.exception()  # type: ignore[misc]


def own_chats(client: DojoClient, member: Member) -> list[str]:
    return [e["text"] for e in client.of_type("chat") if e["actor"]["id"] == str(member.id)]


async def test_killing_the_owner_mid_session_loses_nothing_acknowledged(
    instances: tuple[Daphne, Daphne],
    ana: Member,
    bruno: Member,
    carla: Member,
    admin: Member,
    create_dojo: CreateDojo,
) -> None:
    survivor, owner = instances
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30, copiloto_may_edit=True)
    dojo_id = dojo["id"]
    # Bruno (co-piloto) and Ada on the instance that will own the dojo and die;
    # Ana (piloto) and Carla on the one that survives. Bruno connects first: his
    # instance takes the dojo's lease as he joins (Owners.prepare).
    b = await connect(bruno, dojo_id, owner)
    await poll(lambda: owned_by(dojo_id, owner), 10, "the lease taken as Bruno joined")
    a = await connect(ana, dojo_id, survivor)
    c = await connect(carla, dojo_id, survivor)
    d = await connect(admin, dojo_id, owner)
    await start(ana, dojo_id)
    for client in (a, b, c, d):
        await client.until(lambda f: f["type"] == "dojo_started")

    # The first command reaches the doomed instance, which owns the dojo.
    await b.edit(b.insert_at_end("bruno 0\n"))
    await b.settle()
    assert await sync_to_async(owned_by)(dojo_id, owner)
    epoch_before = await sync_to_async(_epoch)(ana, dojo_id)
    assert epoch_before >= 1

    pumps = {name: Pump(client) for name, client in {"a": a, "b": b, "c": c, "d": d}.items()}
    # Both editors type and two people chat, on both instances, without waiting
    # for acknowledgements; the owner dies in the middle.
    for n in range(1, 21):
        await a.edit(a.insert_at_end(f"ana {n}\n"))
        await c.send({"type": "chat", "text": f"carla {n}"})
        if n <= 8:
            await b.edit(b.insert_at_end(f"bruno {n}\n"))
            await d.send({"type": "chat", "text": f"ada {n}"})
        if n == 8:
            await poll(lambda: len(b.acknowledged) >= 4, 10, "Bruno's acknowledgements")
            owner.kill()
            seq_at_kill = max(client.seq for client in (a, b, c, d))
            acked_a_at_kill = len(a.acknowledged)
        await asyncio.sleep(0.01)  # the pace of people typing

    # The survivor takes the dojo over: Ana's edits are acknowledged again within seconds.
    await poll(lambda: len(a.acknowledged) > acked_a_at_kill, 10, "an acknowledgement after")
    await poll(lambda: pumps["b"].closed and pumps["d"].closed, 10, "the dead sockets")
    await pumps["b"].stop()
    await pumps["d"].stop()
    # What the dead instance delivered before it died counts as acknowledged.
    acked_b = list(b.acknowledged)
    chats_d = own_chats(d, admin)

    # Bruno and Ada reconnect to the survivor from their last sequence numbers;
    # Bruno resends his operation in flight (same id) and types on.
    b.transport = None
    b = await connect(bruno, dojo_id, survivor, client=b, last_seq=b.seq)
    d.transport = None
    d = await connect(admin, dojo_id, survivor, client=d, last_seq=d.seq)
    for client in (b, d):
        await client.until_seq(client.welcome["seq"])
    pumps["b"], pumps["d"] = Pump(b), Pump(d)
    await b.resend()
    for n in range(9, 15):
        await b.edit(b.insert_at_end(f"bruno {n}\n"))
        await asyncio.sleep(0.01)
    await poll(
        lambda: a.editor.outstanding is None and b.editor.outstanding is None, 15, "the edits"
    )
    await a.send({"type": "chat", "text": "fim"})
    await poll(
        lambda: all(any(e.get("text") == "fim" for e in x.of_type("chat")) for x in (a, b, c, d)),
        10,
        "the last message everywhere",
    )
    for pump in pumps.values():
        await pump.stop()

    stored = await sync_to_async(_events)(ana, dojo_id)
    seqs = [e.seq for e in stored]
    # No sequence number twice, none missing.
    assert seqs == list(range(1, len(seqs) + 1))
    # Every client saw the same events, gapless (the client checks each seq on
    # arrival), across the reconnection of two of them.
    wire = {e.seq: (e.kind, e.actor_id and str(e.actor_id)) for e in stored}
    last = next(e.seq for e in stored if e.kind == "chat" and e.payload["text"] == "fim")
    for client in (a, b, c, d):
        assert client.seq >= last
        for event in client.events:
            assert wire[event["seq"]] == (event["type"], event.get("actor", {}).get("id"))
    # Nothing acknowledged was lost: operations by id, chats their senders saw.
    op_ids = [e.payload["id"] for e in stored if e.kind == "op"]
    assert len(op_ids) == len(set(op_ids))
    for acked in (a.acknowledged, acked_b, b.acknowledged):
        assert set(acked) <= set(op_ids)
    stored_chats = [e.payload["text"] for e in stored if e.kind == "chat"]
    for text in own_chats(c, carla) + chats_d + own_chats(d, admin):
        assert text in stored_chats
    # Every line typed is in the document exactly once, on every client and in the row.
    final = await sync_to_async(_document)(ana, dojo_id)
    assert a.document == b.document == c.document == d.document == final
    for line in [f"ana {n}\n" for n in range(1, 21)] + [f"bruno {n}\n" for n in range(15)]:
        assert final.count(line) == 1, (line, final)
    # The events after the kill were sequenced under a higher fencing token, by the survivor.
    assert seqs[-1] > seq_at_kill
    assert await sync_to_async(_epoch)(ana, dojo_id) > epoch_before
    assert await sync_to_async(owned_by)(dojo_id, survivor)
    for client in (a, b, c, d):
        await client.close()


async def test_a_stale_owner_is_refused_by_the_database(
    ana: Member, bruno: Member, create_dojo: CreateDojo, outsider: Member
) -> None:
    """Fencing: once a newer owner claimed the dojo, the older owner's batch writes nothing."""
    dojo = await sync_to_async(create_dojo)(ana, copiloto_may_edit=True)
    dojo_id = uuid.UUID(dojo["id"])
    await start(ana, dojo["id"])
    actor = {
        "id": str(ana.id),
        "tenant_id": str(ana.tenant.id),
        "role": "member",
        "name": "Ana",
    }
    chat = (actor, {"type": "chat", "text": "olá"}, "en")

    def scenario() -> tuple[int | None, int | None, int | None]:
        with ana.data():
            first = claim(dojo_id, 5)
            outcomes, events = apply_batch(dojo_id, 5, [chat, chat])
            assert [o.get("ok") for o in outcomes] == [True, True]
            assert [e["seq"] for e in events] == [2, 3]
            newer = claim(dojo_id, 6)
            older = claim(dojo_id, 4)  # a lower token never replaces a higher one
            with pytest.raises(FencedError):
                apply_batch(dojo_id, 5, [chat])
            return first, newer, older

    assert await sync_to_async(scenario)() == (None, None, 6)
    stored = await sync_to_async(_events)(ana, dojo["id"])
    assert [(e.seq, e.kind) for e in stored] == [(1, "dojo_started"), (2, "chat"), (3, "chat")]
    row = await sync_to_async(_row)(ana, dojo["id"])
    assert (row.owner_epoch, row.last_seq) == (6, 3)

    # Another organization's schema has no such dojo: nothing to claim there.
    def elsewhere() -> None:
        with outsider.data(), pytest.raises(Exception) as refused:
            claim(dojo_id, 7)
        assert getattr(refused.value, "code", None) == "dojo_not_found"

    await sync_to_async(elsewhere)()


async def test_a_batch_applies_commands_in_order_and_refuses_one_without_the_others(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana)
    dojo_id = uuid.UUID(dojo["id"])
    await start(ana, dojo["id"])
    ana_ = {"id": str(ana.id), "tenant_id": str(ana.tenant.id), "role": "member", "name": "Ana"}
    bruno_ = {"id": str(bruno.id), "tenant_id": str(bruno.tenant.id), "role": "member"}
    bruno_["name"] = "Bruno"

    def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with ana.data():
            claim(dojo_id, 1)
            return apply_batch(
                dojo_id,
                1,
                [
                    (ana_, {"type": "chat", "text": "um"}, "en"),
                    (bruno_, {"type": "test_status", "status": "green"}, "pt-br"),
                    (ana_, {"type": "chat", "text": "   "}, "en"),
                    (ana_, {"type": "chat", "text": "dois"}, "en"),
                ],
            )

    outcomes, events = await sync_to_async(scenario)()
    assert outcomes[0] == {"ok": True, "duplicate_of": None}
    # Bruno is not at the keyboard (the dojo has no piloto yet): refused, in his language.
    assert outcomes[1]["code"] == "not_piloto"
    assert outcomes[1]["message"] != "Only the piloto announces the test status."
    assert outcomes[2]["code"] == "empty_message"
    assert outcomes[3]["ok"] is True
    assert [(e["seq"], e["text"]) for e in events] == [(2, "um"), (3, "dois")]
    row = await sync_to_async(_row)(ana, dojo["id"])
    assert row.last_seq == 3
    assert row.test_status == "unknown"


async def test_a_batch_runs_in_its_organization_whichever_one_its_connection_served_last(
    ana: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    """A worker thread keeps its connection and the schema it last selected
    (``threads.in_schema``): a batch on a connection that last served another
    organization, or whose last batch was fenced there, reads and writes its own."""
    mine = uuid.UUID((await sync_to_async(create_dojo)(ana))["id"])
    theirs = uuid.UUID((await sync_to_async(create_dojo)(outsider))["id"])
    await start(ana, str(mine))
    await start(outsider, str(theirs))

    def actor(member: Member) -> dict[str, Any]:
        return {
            "id": str(member.id),
            "tenant_id": str(member.tenant.id),
            "role": "owner" if member is outsider else "member",
            "name": "Otto" if member is outsider else "Ana",
        }

    def chat(member: Member, dojo_id: uuid.UUID, text: str) -> list[int]:
        with member.data():
            outcomes, events = apply_batch(
                dojo_id, 1, [(actor(member), {"type": "chat", "text": text}, "en")]
            )
            assert outcomes == [{"ok": True, "duplicate_of": None}]
            return [e["seq"] for e in events]

    def scenario() -> list[list[int]]:
        with ana.data():
            claim(mine, 1)
        with outsider.data():
            claim(theirs, 1)
        seqs = [chat(ana, mine, "a1"), chat(outsider, theirs, "o1"), chat(ana, mine, "a2")]
        # Ana's dojo is not in the other organization's schema: a batch there finds
        # no row (fenced, nothing written), and the next one is back in Ana's.
        with outsider.data(), pytest.raises(FencedError):
            apply_batch(mine, 1, [(actor(outsider), {"type": "chat", "text": "x"}, "en")])
        seqs += [chat(ana, mine, "a3"), chat(outsider, theirs, "o2")]
        return seqs

    assert await sync_to_async(scenario)() == [[2], [2], [3], [4], [3]]
    ours = await sync_to_async(_events)(ana, str(mine))
    others = await sync_to_async(_events)(outsider, str(theirs))
    assert [e.payload.get("text") for e in ours if e.kind == "chat"] == ["a1", "a2", "a3"]
    assert [e.payload.get("text") for e in others if e.kind == "chat"] == ["o1", "o2"]


# What ``reading_the_log`` leaves in the log after the dojo's start: (seq, kind, revision).
READING_THE_LOG_STORED = [
    (1, "dojo_started", None),
    (2, "op", 1),
    (3, "chat", None),
    (4, "op", 2),
    (5, "op", 3),
]


def reading_the_log(ana_: dict[str, Any], bruno_: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Commands that read the dojo's log after others held back (rebase, resend, sent again)."""
    return [
        (ana_, {"type": "op", "id": "a1", "revision": 0, "op": ["abc"]}, "en"),
        (ana_, {"type": "chat", "text": "um"}, "en", "feed", False),
        # Both written at revision 0: rebased on Ana's, which is held back.
        (bruno_, {"type": "op", "id": "b1", "revision": 0, "op": ["xy"]}, "en"),
        # Ana's first operation again (its acknowledgement was lost).
        (ana_, {"type": "op", "id": "a1", "revision": 0, "op": ["abc"]}, "en"),
        # A command sent again that these very commands applied.
        (ana_, {"type": "chat", "text": "um"}, "en", "feed", True),
        (ana_, {"type": "op", "id": "a2", "revision": 2, "op": [5, "!"]}, "en"),
    ]


def _row(member: Member, dojo_id: str) -> Dojo:
    with member.data():
        return Dojo.objects.get(id=dojo_id)


def _epoch(member: Member, dojo_id: str) -> int:
    return _row(member, dojo_id).owner_epoch


def _document(member: Member, dojo_id: str) -> str:
    return _row(member, dojo_id).document


def _events(member: Member, dojo_id: str) -> list[DojoEvent]:
    with member.data():
        return list(DojoEvent.objects.filter(dojo_id=dojo_id).order_by("seq"))


async def test_a_command_sent_again_after_its_owner_died_is_not_applied_twice(
    ana: Member, create_dojo: CreateDojo
) -> None:
    """The old owner committed it but died before answering: the new owner only answers."""
    dojo = await sync_to_async(create_dojo)(ana)
    dojo_id = uuid.UUID(dojo["id"])
    await start(ana, dojo["id"])
    actor = {"id": str(ana.id), "tenant_id": str(ana.tenant.id), "role": "member", "name": "Ana"}
    chat = {"type": "chat", "text": "só uma vez"}

    def scenario() -> list[Any]:
        with ana.data():
            claim(dojo_id, 1)
            first = apply_batch(dojo_id, 1, [(actor, chat, "en", "c0ffee", False)])
            claim(dojo_id, 2)  # the next owner
            again = apply_batch(dojo_id, 2, [(actor, chat, "en", "c0ffee", True)])
            other = apply_batch(dojo_id, 2, [(actor, chat, "en", "beef", True)])
            return [first, again, other]

    first, again, other = await sync_to_async(scenario)()
    assert [e["seq"] for e in first[1]] == [2]
    assert again == ([{"ok": True, "duplicate_of": None}], [])
    # Another command sent again that nobody committed is applied.
    assert [e["seq"] for e in other[1]] == [3]
    stored = await sync_to_async(_events)(ana, dojo["id"])
    assert [(e.kind, e.request) for e in stored if e.kind == "chat"] == [
        ("chat", "c0ffee"),
        ("chat", "beef"),
    ]


async def test_a_batch_reads_its_own_events_before_they_are_written_together(
    ana: Member, bruno: Member, create_dojo: CreateDojo, outsider: Member
) -> None:
    """A batch holds its events back and writes them with the row in one statement; a
    command that reads the log (a rebase, a resend, a command sent again) sees them."""
    dojo = await sync_to_async(create_dojo)(ana, copiloto_may_edit=True)
    dojo_id = uuid.UUID(dojo["id"])
    await start(ana, dojo["id"])
    ana_ = {"id": str(ana.id), "tenant_id": str(ana.tenant.id), "role": "member", "name": "Ana"}
    bruno_ = {"id": str(bruno.id), "tenant_id": str(bruno.tenant.id), "role": "member"}
    bruno_["name"] = "Bruno"

    def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with ana.data():
            Dojo.objects.filter(id=dojo_id).update(piloto_id=ana.id, copiloto_id=bruno.id)
            claim(dojo_id, 1)
            return apply_batch(dojo_id, 1, reading_the_log(ana_, bruno_))

    outcomes, events = await sync_to_async(scenario)()
    assert [o.get("ok") for o in outcomes] == [True] * 6
    assert outcomes[3]["duplicate_of"]["seq"] == 2
    assert outcomes[3]["duplicate_of"]["id"] == "a1"
    assert [o["duplicate_of"] for i, o in enumerate(outcomes) if i != 3] == [None] * 5
    assert [(e["seq"], e["type"]) for e in events] == [(2, "op"), (3, "chat"), (4, "op"), (5, "op")]
    stored = await sync_to_async(_events)(ana, dojo["id"])
    assert [(e.seq, e.kind, e.revision) for e in stored] == READING_THE_LOG_STORED
    assert [e.request for e in stored][2] == "feed"
    assert [e.payload for e in stored][1:] == [
        {k: v for k, v in e.items() if k not in ("type", "seq", "at")} for e in events
    ]
    row = await sync_to_async(_row)(ana, dojo["id"])
    assert (row.last_seq, row.revision, row.document) == (5, 3, "xyabc!")

    # The other organization's schema holds none of it.
    def elsewhere() -> int:
        with outsider.data():
            return DojoEvent.objects.filter(dojo_id=dojo_id).count()

    assert await sync_to_async(elsewhere)() == 0
