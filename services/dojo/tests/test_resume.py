"""What a client can make the server send again: the resume window, the byte bound,
the state beyond them, and the rate of ``resume`` frames (an injected clock, no waiting).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from dojos.consumers import DojoConsumer

from .conftest import Member
from .test_session import open_socket, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CreateDojo = Callable[..., dict[str, Any]]


@pytest_asyncio.fixture(autouse=True)
async def _close_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(DojoConsumer, "clock", staticmethod(clock))
    return clock


async def exchange(communicator: Any, frame: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
    """Send ``frame``, then a ping: every frame (and its size in bytes) sent before the pong."""
    ref = uuid.uuid4().hex
    await communicator.send_json_to(frame)
    await communicator.send_json_to({"type": "ping", "id": ref})
    out: list[tuple[dict[str, Any], int]] = []
    while True:
        message = await communicator.receive_output(5)
        assert message["type"] == "websocket.send", message
        body = json.loads(message["text"])
        if body["type"] == "pong" and body["ref"] == ref:
            return out
        out.append((body, len(message["text"].encode())))


async def test_a_resume_sends_at_most_its_window_then_the_state_and_is_rate_limited(
    ana: Member, create_dojo: CreateDojo, clock: Clock, settings: Any
) -> None:
    settings.DOJO_RESUME_WINDOW = 10
    settings.DOJO_RESUME_MAX_BYTES = 5000
    settings.DOJO_RESUME_RATE = 0.2  # one every 5 s
    settings.DOJO_RESUME_BURST = 3
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30)
    socket = await open_socket(ana, dojo["id"])
    await start(ana, dojo["id"])
    for n in range(20):
        await socket.send_json_to({"type": "chat", "text": f"{n:02d} " + "x" * 500})
    while True:
        frame = await socket.receive_json_from(5)
        if frame["type"] == "chat" and frame["text"].startswith("19 "):
            last = frame["seq"]
            break

    # Within the window and the byte bound: exactly the events after last_seq, again.
    again = await exchange(socket, {"type": "resume", "last_seq": last - 5})
    assert [frame["seq"] for frame, _size in again] == list(range(last - 4, last + 1))
    assert sum(size for _frame, size in again) <= 5000

    # Ten events fit the window but not the byte bound; from 0 fits neither: the state, once.
    for last_seq in (last - 10, 0):
        resync = await exchange(socket, {"type": "resume", "last_seq": last_seq})
        assert [frame["type"] for frame, _size in resync] == ["snapshot"], resync
        snapshot = resync[0][0]
        assert (snapshot["after_seq"], snapshot["state"]["seq"]) == (last, last)
        assert snapshot["state"]["dojo"] == dojo["id"]

    # A fourth resume within the burst is refused, and sends nothing else.
    refused = await exchange(socket, {"type": "resume", "last_seq": 0, "id": "r4"})
    assert [(f["type"], f["code"], f["ref"]) for f, _ in refused] == [
        ("error", "resume_rate_limited", "r4")
    ]
    clock.now += 5
    allowed = await exchange(socket, {"type": "resume", "last_seq": last - 1})
    assert [frame["seq"] for frame, _size in allowed] == [last]
    await socket.disconnect()

    # Reconnecting: a near last_seq resumes; one beyond the window gets the state.
    near = await open_socket(ana, dojo["id"], last_seq=last - 3)
    welcome = await near.receive_json_from(5)
    current = welcome["seq"]  # Ana's departure was announced meanwhile
    assert welcome["resumed"] is True and current >= last
    missed = [(await near.receive_json_from(5))["seq"] for _ in range(current - last + 3)]
    assert missed == list(range(last - 2, current + 1))
    await near.disconnect()
    far = await open_socket(ana, dojo["id"], last_seq=0)
    welcome = await far.receive_json_from(5)
    assert welcome["resumed"] is False
    assert welcome["state"]["seq"] >= last
    await far.disconnect()
