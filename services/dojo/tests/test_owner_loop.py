"""The owner's rounds on the event loop (dojos.owner.apply_on_loop, ADR 0055): the rows
and the compare-and-set statement on the owner's own connection, awaited; what needs
more than a dojo's row goes on on a worker thread (apply_round), in order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from dojos import commands, owner, statements
from dojos.models import Dojo, DojoEvent, Participant
from dojos.owner import RoundConnection, Work, apply_on_loop, apply_works, claim

from .conftest import Member
from .test_owner_rounds import _events, _live, _row, actor, chat
from .test_ownership import READING_THE_LOG_STORED, reading_the_log

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CreateDojo = Callable[..., dict[str, Any]]


@pytest.fixture
def db() -> Iterator[RoundConnection]:
    connection = RoundConnection()
    yield connection
    if connection.conn is not None:
        connection.conn.pgconn.finish()


@pytest.fixture
def loop_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many writes each statement written on the loop carried, in order."""
    seen: list[int] = []
    real = statements.compare_and_write_async

    async def counting(cursor: Any, writes: Any) -> dict[int, str]:
        seen.append(len(writes))
        return await real(cursor, writes)

    monkeypatch.setattr(statements, "compare_and_write_async", counting)
    yield seen


@pytest.fixture
def thread_rounds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[int]]]:
    """What each round handed to a worker thread: how many commands each dojo had left."""
    seen: list[list[int]] = []
    real = owner.apply_round

    def counting(works: list[Work]) -> list[Work]:
        seen.append([len(work.items) for work in works])
        return real(works)

    monkeypatch.setattr(owner, "apply_round", counting)
    yield seen


async def _claim(member: Member, dojo_id: uuid.UUID, epoch: int, **row: Any) -> None:
    def run() -> None:
        with member.data():
            if row:
                Dojo.objects.filter(id=dojo_id).update(**row)
            claim(dojo_id, epoch)

    await sync_to_async(run)()


async def test_a_round_of_two_organizations_is_written_on_the_loop_in_one_statement(
    ana: Member,
    outsider: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    loop_statements: list[int],
    thread_rounds: list[list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = await _live(ana, create_dojo)
    theirs = await _live(outsider, create_dojo)
    await _claim(ana, mine, 1, piloto_id=ana.id)
    await _claim(outsider, theirs, 3)
    op = {"type": "op", "id": "a1", "revision": 0, "op": ["olá"]}
    first = [
        Work(ana.tenant.schema_name, mine, 1, None, None, [(actor(ana, "Ana"), op, "pt-br")]),
        Work(
            outsider.tenant.schema_name,
            theirs,
            3,
            None,
            None,
            [chat(outsider, "Otto", "oi", "owner"), chat(outsider, "Otto", "  ", "owner")],
        ),
    ]
    await apply_works(first, db)
    # The next round starts from the owner's copies: no row is read again.
    reads: list[str] = []
    real_read = statements.read_versions_async

    async def reading(cursor: Any, schema: str, model: Any, pks: Any) -> Any:
        reads.append(schema)
        return await real_read(cursor, schema, model, pks)

    monkeypatch.setattr(statements, "read_versions_async", reading)
    second = [
        Work(w.schema, w.dojo_id, w.epoch, w.row, w.version, [item])
        for w, item in zip(
            first, [chat(ana, "Ana", "dois"), chat(outsider, "Otto", "tchau", "owner")], strict=True
        )
    ]
    await apply_works(second, db)

    assert loop_statements == [2, 2] and thread_rounds == [] and reads == []
    ana1, otto1 = first
    ana2, otto2 = second
    assert ana1.outcomes == [{"ok": True, "duplicate_of": None}]
    assert [(e["seq"], e["type"], e["revision"]) for e in ana1.events] == [(2, "op", 1)]
    assert otto1.outcomes[0]["ok"] is True
    assert otto1.outcomes[1]["code"] == "empty_message"
    assert [(e["seq"], e["text"]) for e in ana2.events] == [(3, "dois")]
    assert [(e["seq"], e["text"]) for e in otto2.events] == [(3, "tchau")]
    assert all(not w.items and not w.fenced for w in [*first, *second])
    # Each organization's events in its own schema, gapless; JSON and text as sent.
    ours = await sync_to_async(_events)(ana, mine)
    others = await sync_to_async(_events)(outsider, theirs)
    assert [(e.seq, e.kind) for e in ours] == [(1, "dojo_started"), (2, "op"), (3, "chat")]
    assert ours[1].payload["op"] == ["olá"] and ours[1].request == ""
    assert [(e.seq, e.payload.get("text")) for e in others] == [(1, None), (2, "oi"), (3, "tchau")]
    row = await sync_to_async(_row)(ana, mine)
    assert (row.document, row.revision, row.last_seq, row.owner_epoch) == ("olá", 1, 3, 1)
    assert ana2.row is not None and ana2.row.updated_at == row.updated_at
    assert (await sync_to_async(_row)(outsider, theirs)).last_seq == 3


async def test_what_needs_more_than_the_row_goes_on_on_a_thread_in_order(
    ana: Member,
    bruno: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    loop_statements: list[int],
    thread_rounds: list[list[int]],
) -> None:
    dojo_id = await _live(ana, create_dojo, copiloto_may_edit=True)
    await _claim(ana, dojo_id, 1, piloto_id=ana.id, copiloto_id=bruno.id)
    ana_, bruno_ = actor(ana, "Ana"), actor(bruno, "Bruno")
    work = Work(ana.tenant.schema_name, dojo_id, 1, None, None, reading_the_log(ana_, bruno_))

    await apply_works([work], db)

    # The loop wrote Ana's operation and chat; Bruno's rebase reads the log: the
    # thread went on from it with the four commands left.
    assert loop_statements == [1]
    assert thread_rounds == [[4]]
    assert [o.get("ok") for o in work.outcomes] == [True] * 6
    assert work.outcomes[3]["duplicate_of"]["seq"] == 2
    assert [(e["seq"], e["type"]) for e in work.events] == [
        (2, "op"),
        (3, "chat"),
        (4, "op"),
        (5, "op"),
    ]
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [(e.seq, e.kind, e.revision) for e in stored] == READING_THE_LOG_STORED
    row = await sync_to_async(_row)(ana, dojo_id)
    assert (row.document, row.revision, row.last_seq) == ("xyabc!", 3, 5)


async def test_a_rebase_first_in_its_round_reads_the_log_on_a_thread(
    ana: Member,
    bruno: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    loop_statements: list[int],
    thread_rounds: list[list[int]],
) -> None:
    dojo_id = await _live(ana, create_dojo, copiloto_may_edit=True)
    await _claim(ana, dojo_id, 1, piloto_id=ana.id, copiloto_id=bruno.id)
    schema, ana_, bruno_ = ana.tenant.schema_name, actor(ana, "Ana"), actor(bruno, "Bruno")
    op = {"type": "op", "id": "a1", "revision": 0, "op": ["abc"]}
    [first] = await apply_works([Work(schema, dojo_id, 1, None, None, [(ana_, op, "en")])], db)
    # Bruno typed at revision 0 too: nothing held back, but his operation must be
    # transformed against Ana's, read from the log: not on the loop.
    rebase = {"type": "op", "id": "b1", "revision": 0, "op": ["xy"]}
    [second] = await apply_works(
        [Work(schema, dojo_id, 1, first.row, first.version, [(bruno_, rebase, "en")])], db
    )

    assert loop_statements == [1] and thread_rounds == [[1]]
    assert second.outcomes == [{"ok": True, "duplicate_of": None}]
    assert [(e["seq"], e["revision"]) for e in second.events] == [(3, 2)]
    row = await sync_to_async(_row)(ana, dojo_id)
    assert (row.document, row.revision, row.last_seq) == ("xyabc", 2, 3)


async def test_a_command_sent_again_is_looked_for_in_the_log_on_a_thread(
    ana: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    loop_statements: list[int],
    thread_rounds: list[list[int]],
) -> None:
    dojo_id = await _live(ana, create_dojo)
    await _claim(ana, dojo_id, 1)
    schema, ana_ = ana.tenant.schema_name, actor(ana, "Ana")
    sent = (ana_, {"type": "chat", "text": "um"}, "en", "feed", False)
    [first] = await apply_works([Work(schema, dojo_id, 1, None, None, [sent])], db)
    # Sent again to this owner after the previous one went silent: it had committed it.
    again = (ana_, {"type": "chat", "text": "um"}, "en", "feed", True)
    after = (ana_, {"type": "chat", "text": "dois"}, "en", "next", False)
    [second] = await apply_works(
        [Work(schema, dojo_id, 1, first.row, first.version, [again, after])], db
    )

    assert loop_statements == [1] and thread_rounds == [[2]]
    assert second.outcomes == [{"ok": True, "duplicate_of": None}] * 2
    assert [e["text"] for e in second.events] == ["dois"]
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [(e.seq, e.payload.get("text"), e.request) for e in stored[1:]] == [
        (2, "um", "feed"),
        (3, "dois", "next"),
    ]


async def test_a_pass_goes_to_a_thread_and_credits_the_piloto_once(
    ana: Member,
    bruno: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    loop_statements: list[int],
    thread_rounds: list[list[int]],
) -> None:
    dojo_id = await _live(ana, create_dojo)

    def participants() -> None:
        for member, name in ((ana, "Ana"), (bruno, "Bruno")):
            with member.data():
                commands.join(dojo_id, owner.caller_from(actor(member, name)))

    await sync_to_async(participants)()
    await _claim(ana, dojo_id, 1, piloto_id=ana.id, copiloto_id=bruno.id)
    ana_ = actor(ana, "Ana")
    items = [
        (ana_, {"type": "chat", "text": "antes"}, "en"),
        (ana_, {"type": "pass"}, "en"),
        (ana_, {"type": "chat", "text": "depois"}, "en"),
    ]
    work = Work(ana.tenant.schema_name, dojo_id, 1, None, None, items)

    await apply_works([work], db)

    assert loop_statements == [1] and thread_rounds == [[2]]
    assert [o.get("ok") for o in work.outcomes] == [True, True, True]
    assert [(e["type"], e.get("text")) for e in work.events] == [
        ("chat", "antes"),
        ("roles", None),
        ("chat", "depois"),
    ]
    row = await sync_to_async(_row)(ana, dojo_id)
    assert (row.piloto_id, row.copiloto_id) == (bruno.id, ana.id)

    def turns() -> int:
        with ana.data():
            return Participant.objects.get(dojo_id=dojo_id, user_id=ana.id).turns_as_piloto

    assert await sync_to_async(turns)() == 1


async def test_a_row_another_writer_moved_on_is_read_again_on_a_thread(
    ana: Member,
    bruno: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    loop_statements: list[int],
    thread_rounds: list[list[int]],
) -> None:
    dojo_id = await _live(ana, create_dojo)
    await _claim(ana, dojo_id, 1, piloto_id=ana.id)
    schema, ana_ = ana.tenant.schema_name, actor(ana, "Ana")
    op = {"type": "op", "id": "a1", "revision": 0, "op": ["abc"]}
    [first] = await apply_works([Work(schema, dojo_id, 1, None, None, [(ana_, op, "en")])], db)

    # Another writer (a REST call, presence, the timer) changes the row meanwhile.
    def elsewhere() -> None:
        with ana.data():
            bruno_ = owner.caller_from(actor(bruno, "Bruno"))
            commands.handle(dojo_id, bruno_, {"type": "chat", "text": "de fora"})

    await sync_to_async(elsewhere)()
    again = {"type": "op", "id": "a2", "revision": 1, "op": [3, "d"]}
    [second] = await apply_works(
        [Work(schema, dojo_id, 1, first.row, first.version, [(ana_, again, "en")])], db
    )

    # The loop's statement with the stale copy wrote nothing; the thread read the
    # row again and wrote the operation after the other writer's event.
    assert loop_statements == [1, 1] and thread_rounds == [[1]]
    assert second.attempts == 1
    assert [(e["seq"], e["revision"]) for e in second.events] == [(4, 2)]
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [(e.seq, e.kind) for e in stored] == [
        (1, "dojo_started"),
        (2, "op"),
        (3, "chat"),
        (4, "op"),
    ]
    row = await sync_to_async(_row)(ana, dojo_id)
    assert (row.document, row.revision, row.last_seq) == ("abcd", 2, 4)


async def test_a_newer_owner_fences_the_round_on_the_loop(
    ana: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    thread_rounds: list[list[int]],
) -> None:
    dojo_id = await _live(ana, create_dojo)
    await _claim(ana, dojo_id, 1)
    schema = ana.tenant.schema_name
    [first] = await apply_works(
        [Work(schema, dojo_id, 1, None, None, [chat(ana, "Ana", "um")])], db
    )
    await _claim(ana, dojo_id, 2)  # the next owner
    # A stale copy (its statement finds the row moved on), then a fresh read: fenced.
    stale = Work(schema, dojo_id, 1, first.row, first.version, [chat(ana, "Ana", "dois")])
    fresh = Work(schema, dojo_id, 1, None, None, [chat(ana, "Ana", "três")])
    await apply_works([stale], db)
    await apply_on_loop([fresh], db)

    assert stale.fenced and fresh.fenced
    assert stale.outcomes == fresh.outcomes == [] and stale.events == fresh.events == []
    assert fresh.items and thread_rounds == [[1]]
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [e.payload.get("text") for e in stored if e.kind == "chat"] == ["um"]


async def test_a_statement_refused_on_the_loop_is_written_once_on_a_thread(
    ana: Member,
    outsider: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    thread_rounds: list[list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = await _live(ana, create_dojo)
    theirs = await _live(outsider, create_dojo)
    await _claim(ana, mine, 1)
    await _claim(outsider, theirs, 1)
    real = statements.compare_and_write_async
    refusals = iter([True])

    async def refused_once(cursor: Any, writes: Any) -> dict[int, str]:
        if next(refusals, False):
            # As PostgreSQL refuses a statement: an error, the connection still fine.
            await cursor.execute("SELECT 1/0")
        return await real(cursor, writes)

    monkeypatch.setattr(statements, "compare_and_write_async", refused_once)
    works = [
        Work(ana.tenant.schema_name, mine, 1, None, None, [chat(ana, "Ana", "um")]),
        Work(outsider.tenant.schema_name, theirs, 1, None, None, [chat(outsider, "Otto", "oi")]),
    ]

    await apply_works(works, db)

    assert thread_rounds == [[1, 1]]
    assert db.conn is not None and not db.conn.broken
    assert [w.outcomes for w in works] == [[{"ok": True, "duplicate_of": None}]] * 2
    ours = await sync_to_async(_events)(ana, mine)
    others = await sync_to_async(_events)(outsider, theirs)
    assert [(e.seq, e.payload.get("text")) for e in ours] == [(1, None), (2, "um")]
    assert [(e.seq, e.payload.get("text")) for e in others] == [(1, None), (2, "oi")]


async def test_a_broken_connection_answers_the_round_as_failed_and_reconnects(
    ana: Member, create_dojo: CreateDojo, db: RoundConnection
) -> None:
    dojo_id = await _live(ana, create_dojo)
    await _claim(ana, dojo_id, 1)
    schema = ana.tenant.schema_name
    [first] = await apply_works(
        [Work(schema, dojo_id, 1, None, None, [chat(ana, "Ana", "um")])], db
    )
    broken = db.conn
    assert broken is not None

    # The session ends under the owner (a failover, a restart of PostgreSQL).
    def terminate(pid: int) -> None:
        with ana.data():
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    await sync_to_async(terminate)(broken.info.backend_pid)
    lost = Work(schema, dojo_id, 1, first.row, first.version, [chat(ana, "Ana", "dois")])
    await apply_on_loop([lost], db)
    # Whether a statement on a dropped connection committed is unknown: a failure,
    # and the copy is dropped (the next round reads the row).
    assert [o.get("code") for o in lost.outcomes] == ["internal_error"]
    assert lost.row is None and not lost.items

    [after] = await apply_works(
        [Work(schema, dojo_id, 1, None, None, [chat(ana, "Ana", "três")])], db
    )
    assert db.conn is not broken
    assert [(e["seq"], e["text"]) for e in after.events] == [(3, "três")]


async def test_every_command_sent_to_the_loop_stays_on_the_loop(
    ana: Member,
    bruno: Member,
    carla: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    thread_rounds: list[list[int]],
) -> None:
    """The commands of ``ON_LOOP`` touch nothing but the dojo's row and its log: none is
    refused for reaching the database from the event loop, where Django forbids it."""
    dojo_id = await _live(ana, create_dojo)
    deadline = timezone.now() + timedelta(minutes=5)
    await _claim(ana, dojo_id, 1, piloto_id=ana.id, copiloto_id=bruno.id, turn_deadline=deadline)
    ana_, carla_ = actor(ana, "Ana"), actor(carla, "Carla")
    items = [
        (ana_, {"type": "op", "id": "a1", "revision": 0, "op": ["x"]}, "en"),
        (ana_, {"type": "op", "id": "a2", "revision": 1, "op": [1, "y"]}, "en"),
        (ana_, {"type": "chat", "text": "oi"}, "en"),
        (ana_, {"type": "test_status", "status": "green"}, "en"),
        (ana_, {"type": "pause"}, "en"),
        (ana_, {"type": "resume_timer"}, "en"),
        (carla_, {"type": "queue", "join": True}, "en"),
        (carla_, {"type": "queue", "join": False}, "en"),
    ]
    assert {frame["type"] for _a, frame, _l in items} == owner.ON_LOOP
    work = Work(ana.tenant.schema_name, dojo_id, 1, None, None, items)

    await apply_on_loop([work], db)

    assert thread_rounds == [] and work.items == []
    assert work.outcomes == [{"ok": True, "duplicate_of": None}] * len(items)
    assert [e["type"] for e in work.events] == [
        "op",
        "op",
        "chat",
        "test_status",
        "timer",
        "timer",
        "roles",
        "roles",
    ]
    row = await sync_to_async(_row)(ana, dojo_id)
    assert (row.document, row.test_status, row.queue, row.last_seq) == ("xy", "green", [], 9)

    def kinds() -> list[str]:
        with ana.data():
            return list(
                DojoEvent.objects.filter(dojo_id=dojo_id)
                .order_by("seq")
                .values_list("kind", flat=True)
            )

    assert await sync_to_async(kinds)() == ["dojo_started", *[e["type"] for e in work.events]]


async def test_a_long_round_gives_the_loop_back_between_its_dojos(
    ana: Member,
    outsider: Member,
    create_dojo: CreateDojo,
    db: RoundConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = await _live(ana, create_dojo)
    theirs = await _live(outsider, create_dojo)
    await _claim(ana, mine, 1)
    await _claim(outsider, theirs, 1)
    monkeypatch.setattr(owner, "LOOP_SLICE_SECONDS", -1.0)  # every pass counts as long
    ticks, at_pass = [0], []
    real = owner._pass

    def counting(work: Work, *, on_loop: bool = False) -> Any:
        at_pass.append(ticks[0])
        return real(work, on_loop=on_loop)

    monkeypatch.setattr(owner, "_pass", counting)
    done = asyncio.Event()

    async def deliveries() -> None:  # what else the loop has to do
        while not done.is_set():
            ticks[0] += 1
            await asyncio.sleep(0)

    other = asyncio.get_running_loop().create_task(deliveries())
    works = [
        Work(ana.tenant.schema_name, mine, 1, None, None, [chat(ana, "Ana", "um")]),
        Work(outsider.tenant.schema_name, theirs, 1, None, None, [chat(outsider, "Otto", "oi")]),
    ]
    await apply_on_loop(works, db)
    done.set()
    await other

    assert len(at_pass) == 2 and at_pass[1] > at_pass[0]
    assert [[e["text"] for e in w.events] for w in works] == [["um"], ["oi"]]


async def test_without_a_connection_the_round_goes_to_a_thread(
    ana: Member,
    create_dojo: CreateDojo,
    thread_rounds: list[list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dojo_id = await _live(ana, create_dojo)
    await _claim(ana, dojo_id, 1)
    db = RoundConnection()

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", unreachable)
    work = Work(ana.tenant.schema_name, dojo_id, 1, None, None, [chat(ana, "Ana", "mesmo assim")])

    await apply_works([work], db)

    assert thread_rounds == [[1]]
    assert [(e["seq"], e["text"]) for e in work.events] == [(2, "mesmo assim")]
