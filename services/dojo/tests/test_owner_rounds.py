"""The owner's rounds (dojos.owner.apply_round, ADR 0048): one compare-and-set statement
for the commands of many dojos, of several organizations, against the owner's copy of
each row; a row that moved on is read again, a newer owner fences the round."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings

from dojos import commands, owner, statements
from dojos.models import Dojo, DojoEvent, Participant, Snapshot
from dojos.owner import Work, apply_round, claim

from .conftest import Member
from .test_ownership import READING_THE_LOG_STORED, reading_the_log
from .test_scale_out import start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CreateDojo = Callable[..., dict[str, Any]]


def actor(member: Member, name: str, role: str = "member") -> dict[str, Any]:
    return {"id": str(member.id), "tenant_id": str(member.tenant.id), "role": role, "name": name}


def chat(member: Member, name: str, text: str, role: str = "member") -> tuple[Any, ...]:
    return (actor(member, name, role), {"type": "chat", "text": text}, "en")


@pytest.fixture
def statements_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many writes each compare-and-set statement carried, in order."""
    seen: list[int] = []
    real = statements.compare_and_write

    def counting(cursor: Any, writes: Any) -> dict[int, str]:
        seen.append(len(writes))
        return real(cursor, writes)

    monkeypatch.setattr(statements, "compare_and_write", counting)
    yield seen


def _events(member: Member, dojo_id: uuid.UUID) -> list[DojoEvent]:
    with member.data():
        return list(DojoEvent.objects.filter(dojo_id=dojo_id).order_by("seq"))


def _row(member: Member, dojo_id: uuid.UUID) -> Dojo:
    with member.data():
        return Dojo.objects.get(id=dojo_id)


async def _live(member: Member, create_dojo: CreateDojo, **fields: Any) -> uuid.UUID:
    dojo = await sync_to_async(create_dojo)(member, **fields)
    await start(member, dojo["id"])
    return uuid.UUID(dojo["id"])


async def test_one_statement_writes_the_dojos_of_two_organizations(
    ana: Member, outsider: Member, create_dojo: CreateDojo, statements_run: list[int]
) -> None:
    mine = await _live(ana, create_dojo)
    theirs = await _live(outsider, create_dojo)

    def scenario() -> list[Work]:
        with ana.data():
            claim(mine, 1)
        with outsider.data():
            claim(theirs, 3)
        first = [
            Work(ana.tenant.schema_name, mine, 1, None, None, [chat(ana, "Ana", "um")]),
            Work(
                outsider.tenant.schema_name,
                theirs,
                3,
                None,
                None,
                [chat(outsider, "Otto", "oi", "owner"), chat(outsider, "Otto", "  ", "owner")],
            ),
        ]
        apply_round(first)
        # The next round starts from the owner's copies: nothing is read again.
        second = [
            Work(w.schema, w.dojo_id, w.epoch, w.row, w.version, [item])
            for w, item in zip(
                first,
                [chat(ana, "Ana", "dois"), chat(outsider, "Otto", "tchau", "owner")],
                strict=True,
            )
        ]
        return [*first, *apply_round(second)]

    works = await sync_to_async(scenario)()
    assert statements_run == [2, 2]
    ana1, otto1, ana2, otto2 = works
    assert ana1.outcomes == [{"ok": True, "duplicate_of": None}]
    assert [(e["seq"], e["text"]) for e in ana1.events] == [(2, "um")]
    assert otto1.outcomes[0]["ok"] is True
    assert otto1.outcomes[1]["code"] == "empty_message"
    assert [(e["seq"], e["text"]) for e in otto2.events] == [(3, "tchau")]
    assert [(e["seq"], e["text"]) for e in ana2.events] == [(3, "dois")]
    assert not any(w.fenced for w in works)
    # Each organization's events in its own schema, gapless, under the owner's epoch.
    ours = await sync_to_async(_events)(ana, mine)
    others = await sync_to_async(_events)(outsider, theirs)
    assert [(e.seq, e.payload.get("text")) for e in ours] == [(1, None), (2, "um"), (3, "dois")]
    assert [(e.seq, e.payload.get("text")) for e in others] == [(1, None), (2, "oi"), (3, "tchau")]
    row = await sync_to_async(_row)(outsider, theirs)
    assert (row.last_seq, row.owner_epoch) == (3, 3)
    # The copy the owner keeps is the row as stored.
    assert otto2.row is not None and otto2.row.last_seq == row.last_seq


async def test_a_row_another_writer_moved_on_is_read_again_and_nothing_is_sequenced_twice(
    ana: Member, bruno: Member, create_dojo: CreateDojo, statements_run: list[int]
) -> None:
    dojo_id = await _live(ana, create_dojo, copiloto_may_edit=True)
    schema = ana.tenant.schema_name

    def scenario() -> tuple[Work, Work]:
        with ana.data():
            Dojo.objects.filter(id=dojo_id).update(piloto_id=ana.id)
            claim(dojo_id, 1)
        op = {"type": "op", "id": "a1", "revision": 0, "op": ["abc"]}
        first = apply_round([Work(schema, dojo_id, 1, None, None, [(actor(ana, "Ana"), op, "en")])])
        # Another writer (a REST call, presence, the timer) changes the row meanwhile.
        with ana.data():
            commands.handle(
                dojo_id,
                owner.caller_from(actor(bruno, "Bruno")),
                {
                    "type": "chat",
                    "text": "de fora",
                },
            )
        again = {"type": "op", "id": "a2", "revision": 1, "op": [3, "d"]}
        w = first[0]
        second = apply_round(
            [Work(schema, dojo_id, 1, w.row, w.version, [(actor(ana, "Ana"), again, "en")])]
        )
        return w, second[0]

    first, second = await sync_to_async(scenario)()
    # The stale copy wrote nothing; the fresh one did, after the other writer's event.
    assert statements_run == [1, 1, 1]
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
    assert first.version != second.version


async def test_a_newer_owner_fences_the_round_and_nothing_is_written(
    ana: Member, create_dojo: CreateDojo
) -> None:
    dojo_id = await _live(ana, create_dojo)
    schema = ana.tenant.schema_name

    def scenario() -> tuple[Work, Work]:
        with ana.data():
            claim(dojo_id, 1)
        first = apply_round([Work(schema, dojo_id, 1, None, None, [chat(ana, "Ana", "um")])])[0]
        with ana.data():
            claim(dojo_id, 2)  # the next owner
        stale = Work(schema, dojo_id, 1, first.row, first.version, [chat(ana, "Ana", "dois")])
        # And an owner whose copy is fresh but whose epoch is old: refused too.
        return apply_round([stale])[0], first

    stale, first = await sync_to_async(scenario)()
    assert stale.fenced
    assert stale.outcomes == [] and stale.events == []
    assert [e["seq"] for e in first.events] == [2]
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [e.payload.get("text") for e in stored if e.kind == "chat"] == ["um"]
    assert (await sync_to_async(_row)(ana, dojo_id)).owner_epoch == 2


async def test_a_command_that_reads_the_log_ends_the_pass_and_sees_what_came_before(
    ana: Member, bruno: Member, create_dojo: CreateDojo, statements_run: list[int]
) -> None:
    dojo_id = await _live(ana, create_dojo, copiloto_may_edit=True)
    schema = ana.tenant.schema_name
    ana_, bruno_ = actor(ana, "Ana"), actor(bruno, "Bruno")

    def scenario() -> Work:
        with ana.data():
            Dojo.objects.filter(id=dojo_id).update(piloto_id=ana.id, copiloto_id=bruno.id)
            claim(dojo_id, 1)
        items = reading_the_log(ana_, bruno_)
        return apply_round([Work(schema, dojo_id, 1, None, None, items)])[0]

    work = await sync_to_async(scenario)()
    assert [o.get("ok") for o in work.outcomes] == [True] * 6
    assert work.outcomes[3]["duplicate_of"]["seq"] == 2
    assert [(e["seq"], e["type"]) for e in work.events] == [
        (2, "op"),
        (3, "chat"),
        (4, "op"),
        (5, "op"),
    ]
    # Passes: up to Bruno's rebase, up to the resent chat, then the rest.
    assert statements_run == [1, 1, 1]
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [(e.seq, e.kind, e.revision) for e in stored] == READING_THE_LOG_STORED
    row = await sync_to_async(_row)(ana, dojo_id)
    assert row.document == "xyabc!"
    assert (row.revision, row.last_seq) == (3, 5)


@override_settings(DOJO_SNAPSHOT_EVERY=2)
async def test_snapshots_go_with_the_statement_and_only_when_it_writes(
    ana: Member, bruno: Member, create_dojo: CreateDojo, monkeypatch: pytest.MonkeyPatch
) -> None:
    dojo_id = await _live(ana, create_dojo)
    schema = ana.tenant.schema_name
    ana_ = actor(ana, "Ana")
    refusals = iter([True, False])  # the first write finds the row moved on
    real = statements.compare_and_write

    def once_moved_on(cursor: Any, writes: Any) -> dict[int, str]:
        return {} if next(refusals, False) else real(cursor, writes)

    monkeypatch.setattr(statements, "compare_and_write", once_moved_on)

    def scenario() -> Work:
        with ana.data():
            Dojo.objects.filter(id=dojo_id).update(piloto_id=ana.id)
            claim(dojo_id, 1)
        items = [
            (ana_, {"type": "op", "id": "a1", "revision": 0, "op": ["ab"]}, "en"),
            (ana_, {"type": "op", "id": "a2", "revision": 1, "op": [2, "c"]}, "en"),
            (ana_, {"type": "op", "id": "a3", "revision": 2, "op": [3, "d"]}, "en"),
        ]
        return apply_round([Work(schema, dojo_id, 1, None, None, items)])[0]

    work = await sync_to_async(scenario)()
    assert work.attempts == 1
    assert [e["revision"] for e in work.events] == [1, 2, 3]

    def snapshots() -> list[tuple[int, int, str]]:
        with ana.data():
            return [
                (s.revision, s.seq, s.document) for s in Snapshot.objects.filter(dojo_id=dojo_id)
            ]

    # Revision 2 once, from the write that went through.
    assert await sync_to_async(snapshots)() == [(2, 3, "abc")]


async def test_a_fault_in_one_dojo_stays_with_that_dojo(
    ana: Member, outsider: Member, create_dojo: CreateDojo, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = await _live(ana, create_dojo)
    theirs = await _live(outsider, create_dojo)
    real = commands.COMMANDS["chat"]

    def faulty(change: Any, who: Any, frame: dict[str, Any]) -> None:
        if frame["text"] == "boom":
            raise RuntimeError("a bug")
        real(change, who, frame)

    monkeypatch.setitem(commands.COMMANDS, "chat", faulty)

    def scenario() -> list[Work]:
        with ana.data():
            claim(mine, 1)
        with outsider.data():
            claim(theirs, 1)
        return apply_round(
            [
                Work(
                    ana.tenant.schema_name,
                    mine,
                    1,
                    None,
                    None,
                    [chat(ana, "Ana", "um"), chat(ana, "Ana", "boom")],
                ),
                Work(
                    outsider.tenant.schema_name,
                    theirs,
                    1,
                    None,
                    None,
                    [chat(outsider, "Otto", "oi", "owner")],
                ),
            ]
        )

    broken, fine = await sync_to_async(scenario)()
    assert [o.get("code") for o in broken.outcomes] == ["internal_error", "internal_error"]
    assert broken.events == [] and broken.row is None
    assert [e["text"] for e in fine.events] == ["oi"]
    ours = await sync_to_async(_events)(ana, mine)
    assert [e.kind for e in ours] == ["dojo_started"]


async def test_a_row_that_keeps_moving_on_goes_through_a_locked_transaction(
    ana: Member, create_dojo: CreateDojo, monkeypatch: pytest.MonkeyPatch
) -> None:
    dojo_id = await _live(ana, create_dojo)
    tries: list[int] = []

    def always_moved_on(cursor: Any, writes: Any) -> dict[int, str]:
        tries.append(len(writes))
        return {}

    monkeypatch.setattr(statements, "compare_and_write", always_moved_on)

    def scenario() -> Work:
        with ana.data():
            claim(dojo_id, 1)
        return apply_round(
            [Work(ana.tenant.schema_name, dojo_id, 1, None, None, [chat(ana, "Ana", "enfim")])]
        )[0]

    work = await sync_to_async(scenario)()
    assert len(tries) == owner.RETRIES
    assert work.outcomes == [{"ok": True, "duplicate_of": None}]
    assert [(e["seq"], e["text"]) for e in work.events] == [(2, "enfim")]
    # The locked path leaves no copy: the next round reads the row first.
    assert work.row is None
    stored = await sync_to_async(_events)(ana, dojo_id)
    assert [e.payload.get("text") for e in stored if e.kind == "chat"] == ["enfim"]


async def test_a_pass_is_credited_once_even_when_its_row_moved_on(
    ana: Member, bruno: Member, create_dojo: CreateDojo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass writes the piloto's time on the participant's row: in the locked transaction,
    with the dojo's row, never once per attempt of a compare-and-set statement."""
    dojo_id = await _live(ana, create_dojo)
    refusals = iter([True])  # the first statement finds the row moved on
    real = statements.compare_and_write

    def once_moved_on(cursor: Any, writes: Any) -> dict[int, str]:
        return {} if next(refusals, False) else real(cursor, writes)

    monkeypatch.setattr(statements, "compare_and_write", once_moved_on)
    ana_ = actor(ana, "Ana")

    def scenario() -> tuple[Work, int]:
        for member, name in ((ana, "Ana"), (bruno, "Bruno")):
            with member.data():
                commands.join(dojo_id, owner.caller_from(actor(member, name)))
        with ana.data():
            Dojo.objects.filter(id=dojo_id).update(piloto_id=ana.id, copiloto_id=bruno.id)
            claim(dojo_id, 1)
        items = [(ana_, {"type": "pass"}, "en"), (ana_, {"type": "chat", "text": "depois"}, "en")]
        work = apply_round([Work(ana.tenant.schema_name, dojo_id, 1, None, None, items)])[0]
        with ana.data():
            credited = Participant.objects.get(dojo_id=dojo_id, user_id=ana.id)
        return work, credited.turns_as_piloto

    work, turns = await sync_to_async(scenario)()
    assert work.outcomes == [{"ok": True, "duplicate_of": None}] * 2
    assert [e["type"] for e in work.events] == ["roles", "chat"]
    assert turns == 1
    row = await sync_to_async(_row)(ana, dojo_id)
    assert (row.piloto_id, row.copiloto_id) == (bruno.id, ana.id)
