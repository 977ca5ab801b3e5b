"""Full dojo sessions over the WebSocket: the real consumer, the real Redis channel layer.

Each client runs the real OT client (pocdex_shared.ot.OTClient) and checks that
sequence numbers arrive gapless and in order (tests.wsclient).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from config.asgi import application
from dojos.models import Dojo, DojoEvent
from pocdex_shared.jwt import get_verifier
from pocdex_shared.ot.operation import TextOperation
from pocdex_shared.tenancy.asgi import issue_ticket
from pocdex_shared.testing.dojo_client import CommunicatorTransport, DojoClient

from .conftest import Member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CreateDojo = Callable[..., dict[str, Any]]


@pytest_asyncio.fixture(autouse=True)
async def _close_thread_connections() -> AsyncIterator[None]:
    """REST calls made from these async tests run on asgiref's thread: close its connection."""
    yield
    await sync_to_async(connections.close_all)()


async def open_socket(member: Member, dojo_id: str, *, last_seq: int | str | None = None) -> Any:
    response = await sync_to_async(member.client.post)(f"/api/v1/dojos/{dojo_id}/ticket")
    assert response.status_code == 201, response.content
    path = response.json()["url"]
    if last_seq is not None:
        path += f"&last_seq={quote(str(last_seq))}"
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def join(
    member: Member, dojo_id: str, client: DojoClient | None = None, **kw: Any
) -> DojoClient:
    client = client or DojoClient(member.name.split()[0].lower())
    await client.attach(CommunicatorTransport(await open_socket(member, dojo_id, **kw)))
    return client


async def start(member: Member, dojo_id: str) -> None:
    response = await sync_to_async(member.client.post)(f"/api/v1/dojos/{dojo_id}/start")
    assert response.status_code == 200, response.content


def insert(position: int, text: str, length: int) -> TextOperation:
    parts: list[Any] = [position] if position else []
    parts.append(text)
    if length - position:
        parts.append(length - position)
    return TextOperation.from_json(parts)


async def server_document(member: Member, dojo_id: str) -> str:
    def read() -> str:
        with member.data():
            return Dojo.objects.get(id=dojo_id).document

    return await sync_to_async(read)()


async def test_three_people_rotate_edit_chat_and_see_one_session(
    ana: Member, bruno: Member, carla: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    a = await join(ana, dojo["id"])
    b = await join(bruno, dojo["id"])
    c = await join(carla, dojo["id"])
    await start(ana, dojo["id"])
    for client in (a, b, c):
        await client.until(lambda f: f["type"] == "dojo_started")
    # Seats in arrival order: piloto, co-piloto, then the queue.
    roles = c.of_type("dojo_started")[-1]["roles"]
    assert (roles["piloto"], roles["copiloto"], roles["queue"]) == (
        str(ana.id),
        str(bruno.id),
        [str(carla.id)],
    )
    presence = a.of_type("presence")[-1]
    assert sorted(presence["connected"]) == sorted(str(m.id) for m in (ana, bruno, carla))

    # The piloto writes; everyone sees the same code.
    await a.edit(a.insert_at_end("def score(rolls):\n"))
    await a.settle()
    await a.edit(a.insert_at_end("    return sum(rolls)\n"))
    await a.settle()
    for client in (b, c):
        await client.until_seq(a.seq)
    assert a.document == b.document == c.document == "def score(rolls):\n    return sum(rolls)\n"

    # The co-piloto and the plateia may not edit.
    for client, code in ((b, "role_may_not_edit"), (c, "role_may_not_edit")):
        await client.send({"type": "op", "id": "x", "revision": 2, "op": [5, "!", 36]})
        error = await client.error()
        assert error["code"] == code
        assert error["ref"] == "x"

    # Chat, test status, then the piloto passes: strong-style rotation.
    await c.send({"type": "chat", "text": "E o strike?"})
    # Frames of different people are sequenced in whatever order their
    # transactions take the dojo's lock: the chat is in before Ana goes on.
    await a.until(lambda f: f["type"] == "chat")
    await a.send({"type": "test_status", "status": "red"})
    await a.send({"type": "pass"})
    rotated = await b.until(lambda f: f["type"] == "roles" and f["reason"] == "pass")
    assert (rotated["piloto"], rotated["copiloto"], rotated["queue"]) == (
        str(bruno.id),
        str(carla.id),
        [str(ana.id)],
    )
    assert rotated["timer"]["state"] == "running"
    for client in (a, c):
        await client.until_seq(b.seq)
    assert [e["text"] for e in a.of_type("chat")] == ["E o strike?"]
    assert a.of_type("chat")[0]["actor"] == {"id": str(carla.id), "name": "Carla Costa"}
    assert a.of_type("test_status")[0]["status"] == "red"

    # Now Bruno edits and Ana may not.
    await b.edit(insert(0, "# bowling\n", len(b.document)))
    await b.settle()
    await a.send({"type": "op", "id": "late", "revision": a.editor.revision, "op": [1]})
    assert (await a.error())["code"] in {"role_may_not_edit", "length_mismatch"}
    for client in (a, c):
        await client.until_seq(b.seq)
    final = await server_document(ana, dojo["id"])
    assert a.document == b.document == c.document == final
    assert final.startswith("# bowling\ndef score")
    # Every client saw exactly the same sequenced events.
    assert [e["seq"] for e in a.events[-5:]] == [e["seq"] for e in c.events[-5:]]
    for client in (a, b, c):
        await client.close()


async def test_concurrent_edits_converge(
    ana: Member, bruno: Member, carla: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30, copiloto_may_edit=True)
    a = await join(ana, dojo["id"])
    b = await join(bruno, dojo["id"])
    c = await join(carla, dojo["id"])
    await start(ana, dojo["id"])
    await a.edit(a.insert_at_end("assert score([]) == 0\n"))
    await a.settle()
    await b.until_seq(a.seq)

    # Both at the keyboard type at once, many times, without waiting for each other.
    for round_ in range(15):
        await a.edit(insert(0, f"a{round_} ", len(a.document)))
        await b.edit(b.insert_at_end(f"b{round_}\n"))
        await a.edit(insert(len(a.document) // 2, "|", len(a.document)))
    await asyncio.gather(a.settle(12), b.settle(12))
    final_seq = max(a.seq, b.seq)
    for client in (a, b, c):
        await client.until_seq(final_seq, 12)
    final = await server_document(ana, dojo["id"])
    assert a.document == b.document == c.document == final
    # Bars may land inside other words; without them every word is intact.
    unbarred = final.replace("|", "")
    assert all(f"a{r} " in unbarred and f"b{r}\n" in unbarred for r in range(15))
    assert final.count("|") == 15
    for client in (a, b, c):
        await client.close()


async def test_malformed_frames_get_coded_errors_and_the_socket_survives(
    ana: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    a = await join(ana, dojo["id"])
    await start(ana, dojo["id"])
    cases = [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"no": "type"}', "invalid_frame"),
        ('{"type": 7}', "invalid_frame"),
        ('{"type": "launch_missiles"}', "unknown_type"),
        ('{"type": "op", "revision": 0, "op": "abc"}', "invalid_operation"),
        ('{"type": "op", "revision": 0, "op": [1.5]}', "invalid_operation"),
        ('{"type": "op", "revision": 99, "op": ["x"]}', "revision_out_of_range"),
        ('{"type": "op", "revision": 0, "op": [3, "x"]}', "length_mismatch"),
        ('{"type": "op", "revision": "0", "op": ["x"]}', "revision_out_of_range"),
        ('{"type": "chat", "text": ""}', "empty_message"),
        ('{"type": "chat", "text": 12}', "invalid_frame"),
        ('{"type": "chat", "text": "' + "x" * 2001 + '"}', "text_too_long"),
        ('{"type": "test_status", "status": "blue"}', "invalid_test_status"),
        ('{"type": "queue", "join": "yes"}', "invalid_frame"),
        ('{"type": "resume", "last_seq": -4}', "invalid_frame"),
        (
            '{"type": "cursor", "revision": 0, "selection": {"ranges": [{"anchor": -1, "head": 0}]}}',
            "invalid_selection",
        ),
        ('{"type": "assign", "piloto": "nobody"}', "unknown_participant"),
        ("9" * 5000, "invalid_json"),
        ("[" * 5000 + "]" * 5000, "invalid_json"),
        ('{"type": "chat", "text": "' + "y" * 70_000 + '"}', "frame_too_large"),
        # Text PostgreSQL cannot store: a NUL, half of a surrogate pair.
        ('{"type": "chat", "text": "oi\\u0000"}', "invalid_text"),
        ('{"type": "chat", "text": "\\ud800"}', "invalid_text"),
        ('{"type": "op", "revision": 0, "op": ["\\u0000"]}', "invalid_text"),
        # Integers beyond 64 bits, which the channel layer to the owner cannot carry.
        ('{"type": "op", "revision": 1' + "0" * 30 + ', "op": ["x"]}', "invalid_frame"),
        ('{"type": "chat", "id": 1' + "0" * 30 + ', "text": "oi"}', "invalid_frame"),
        ('{"type": "assign", "index": -1' + "0" * 19 + "}", "invalid_frame"),
        ('{"type": "op", "revision": 0, "op": [1e999]}', "invalid_json"),
    ]
    for text, code in cases:
        await a.send_raw(text)
        error = await a.error()
        assert error["code"] == code, (text[:60], error)
        assert error["message"]
    # Still connected and nothing was stored by any of them.
    await a.send({"type": "ping", "id": "p1"})
    pong = await a.until(lambda f: f["type"] == "pong")
    assert pong["ref"] == "p1"
    assert await server_document(ana, dojo["id"]) == ""
    await a.close()


async def test_another_organization_can_neither_get_a_ticket_nor_connect(
    ana: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana)
    refused = await sync_to_async(outsider.client.post)(f"/api/v1/dojos/{dojo['id']}/ticket")
    assert refused.status_code == 404

    # A ticket minted for this dojo's id with the outsider's own token resolves to their
    # organization, where the dojo does not exist.
    token = await sync_to_async(get_verifier().verify)(outsider.token)
    ticket = await sync_to_async(issue_ticket)(token, resource=f"dojo:{dojo['id']}")
    communicator = WebsocketCommunicator(application, f"/ws/dojos/{dojo['id']}?ticket={ticket}")
    await communicator.connect()
    error = json.loads((await communicator.receive_output(5))["text"])
    assert (error["code"], error["fatal"]) == ("dojo_not_found", True)
    assert (await communicator.receive_output(5))["code"] == 4404

    # A ticket for the outsider's own dojo, used on this dojo's address.
    own = await sync_to_async(outsider.client.post)(
        "/api/v1/dojos",
        {"title": "Deles", "language": "Go", "scheduled_at": dojo["scheduled_at"]},
        format="json",
    )
    own_ticket = await sync_to_async(outsider.client.post)(
        f"/api/v1/dojos/{own.json()['id']}/ticket"
    )
    communicator = WebsocketCommunicator(
        application, f"/ws/dojos/{dojo['id']}?ticket={own_ticket.json()['ticket']}"
    )
    await communicator.connect()
    error = json.loads((await communicator.receive_output(5))["text"])
    assert error["code"] == "ticket_wrong_dojo"
    assert (await communicator.receive_output(5))["code"] == 4403

    # No ticket, a used ticket, a made-up ticket.
    for query in ("", "?ticket=made-up", f"?ticket={ticket}"):
        communicator = WebsocketCommunicator(application, f"/ws/dojos/{dojo['id']}{query}")
        await communicator.connect()
        error = json.loads((await communicator.receive_output(5))["text"])
        assert error["code"] == "ticket_invalid"
        assert (await communicator.receive_output(5))["code"] == 4401

    def nothing_happened() -> bool:
        with ana.data():
            return not DojoEvent.objects.filter(dojo_id=dojo["id"]).exists()

    assert await sync_to_async(nothing_happened)()


async def test_reconnecting_with_last_seq_replays_what_was_missed(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    a = await join(ana, dojo["id"])
    b = await join(bruno, dojo["id"])
    await start(ana, dojo["id"])
    await a.edit(a.insert_at_end("primeira linha\n"))
    await a.settle()
    await b.until_seq(a.seq)

    # Bruno's connection drops; meanwhile Ana writes and chats.
    await b.close()
    await a.until(lambda f: f["type"] == "presence" and f.get("left") == str(bruno.id))
    for line in ("segunda\n", "terceira\n"):
        await a.edit(a.insert_at_end(line))
        await a.settle()
    await a.send({"type": "chat", "text": "Bruno caiu"})
    await a.until(lambda f: f["type"] == "chat")

    # He comes back with the last sequence number he saw: he gets exactly what he missed.
    missed_from = b.seq
    welcome = await b.attach(
        CommunicatorTransport(await open_socket(bruno, dojo["id"], last_seq=missed_from))
    )
    assert welcome["resumed"] is True
    await b.until_seq(welcome["seq"])
    kinds = [e["type"] for e in b.events if e["seq"] > missed_from]
    assert kinds[:4] == ["presence", "op", "op", "chat"]
    assert b.document == a.document == "primeira linha\nsegunda\nterceira\n"
    await a.close()
    await b.close()


async def test_a_last_seq_in_digits_of_another_script_gets_the_full_state(
    ana: Member, create_dojo: CreateDojo
) -> None:
    # "²" passes str.isdigit() but int() refuses it: it used to close the socket with 1011.
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    for value in ("²", "1²", "١٢"):
        communicator = await open_socket(ana, dojo["id"], last_seq=value)
        await communicator.send_json_to({"type": "ping", "id": value})
        frames = []
        while not frames or frames[-1].get("type") != "pong":
            message = await communicator.receive_output(5)
            assert message["type"] == "websocket.send", (value, message)
            frames.append(json.loads(message["text"]))
        welcome = frames[0]
        assert welcome["type"] == "welcome", (value, frames)
        assert welcome["resumed"] is False
        assert welcome["state"]["dojo"] == dojo["id"]
        assert frames[-1]["ref"] == value
        await communicator.disconnect()


async def test_a_resent_operation_is_never_applied_twice(
    ana: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    a = await join(ana, dojo["id"])
    await start(ana, dojo["id"])
    frame = {"type": "op", "id": "once", "revision": 0, "op": ["olá"]}
    await a.send(frame)
    await a.until(lambda f: f["type"] == "op")
    await a.send(frame)
    ack = await a.until(lambda f: f["type"] == "op_ack")
    assert ack["duplicate"] is True
    assert ack["revision"] == 1
    assert await server_document(ana, dojo["id"]) == "olá"
    await a.close()


async def test_timer_expiry_rotates_once_and_pause_stops_it(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    # Test settings make a rotation "minute" one second long.
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=2)
    a = await join(ana, dojo["id"])
    b = await join(bruno, dojo["id"])
    await start(ana, dojo["id"])
    rotation = await b.until(lambda f: f["type"] == "roles" and f["reason"] == "rotation", 6)
    assert (rotation["piloto"], rotation["copiloto"]) == (str(bruno.id), str(ana.id))

    await b.send({"type": "pause"})
    paused = await a.until(lambda f: f["type"] == "timer")
    assert paused["state"] == "paused"
    assert 0 < paused["remaining_ms"] <= 2000
    await asyncio.sleep(3)
    await a.send({"type": "resume_timer"})
    resumed = await b.until(lambda f: f["type"] == "timer" and f["state"] == "running")
    assert resumed["state"] == "running"
    await b.until(lambda f: f["type"] == "roles" and f["reason"] == "rotation", 6)

    def rotations() -> int:
        with ana.data():
            return sum(
                1
                for e in DojoEvent.objects.filter(dojo_id=dojo["id"], kind="roles")
                if e.payload["reason"] == "rotation"
            )

    # Two turns ran out in about 4 s of running time: two rotations, never more.
    assert await sync_to_async(rotations)() == 2
    await a.close()
    await b.close()


async def test_errors_speak_the_language_of_the_ticket(
    ana: Member, create_dojo: CreateDojo
) -> None:
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    response = await sync_to_async(ana.client.post)(
        f"/api/v1/dojos/{dojo['id']}/ticket", HTTP_ACCEPT_LANGUAGE="pt-BR"
    )
    communicator = WebsocketCommunicator(application, response.json()["url"])
    await communicator.connect()
    a = DojoClient("ana")
    await a.attach(CommunicatorTransport(communicator))
    await a.send({"type": "chat", "text": "  "})
    error = await a.error()
    assert (error["code"], error["message"]) == ("empty_message", "A mensagem está vazia.")
    await a.close()


async def test_two_organizations_live_on_one_instance_see_only_their_own_events(
    ana: Member, bruno: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    """The instance hands events to its connections by organization and dojo (dojos.live)."""
    ours = await sync_to_async(create_dojo)(ana)
    theirs = await sync_to_async(create_dojo)(outsider)
    a = await join(ana, ours["id"])
    b = await join(bruno, ours["id"])
    o = await join(outsider, theirs["id"])
    await start(ana, ours["id"])
    await start(outsider, theirs["id"])

    await a.edit(a.insert_at_end("nosso\n"))
    await o.edit(o.insert_at_end("deles\n"))
    await o.send({"type": "chat", "text": "só nosso lado"})
    await a.settle()
    await o.settle()
    await o.until(lambda f: f["type"] == "chat")
    await b.until_seq(a.seq)

    assert a.document == b.document == "nosso\n"
    assert o.document == "deles\n"
    assert b.of_type("chat") == [] and a.of_type("chat") == []
    actors = {e["actor"]["id"] for c in (a, b) for e in c.events if "actor" in e}
    assert str(outsider.id) not in actors
    assert {e["actor"]["id"] for e in o.events if "actor" in e} == {str(outsider.id)}
    for client in (a, b, o):
        await client.close()
