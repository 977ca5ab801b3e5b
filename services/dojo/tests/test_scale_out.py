"""Two real daphne instances sharing the channel layer and the database.

Clients connected to different instances see one session; the rotation timer,
which both instances follow, rotates exactly once per deadline; an instance
killed with SIGKILL loses no acknowledged operation, its clients resume on the
other one, and its stale connections are announced as departures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import requests
import websockets
from asgiref.sync import sync_to_async
from django.db import connection, connections

from dojos.models import DojoEvent
from pocdex_shared.testing.dojo_client import DojoClient, WebsocketsTransport

from .conftest import Member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

CreateDojo = Callable[..., dict[str, Any]]
SERVICE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daphne:
    def __init__(self, database: str) -> None:
        self.port = free_port()
        settings = connection.settings_dict
        url = (
            f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
            f"{settings['PORT']}/{database}"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL_DOJO": url,
            "POCDEX_ENV": "test",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            cwd=SERVICE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("daphne did not start")

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def instances(transactional_db: None) -> Iterator[tuple[Daphne, Daphne]]:
    database = str(connection.settings_dict["NAME"])
    first, second = Daphne(database), Daphne(database)
    yield first, second
    first.stop()
    second.stop()


@pytest_asyncio.fixture(autouse=True)
async def _close_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


async def connect(
    member: Member,
    dojo_id: str,
    instance: Daphne,
    client: DojoClient | None = None,
    last_seq: int | None = None,
) -> DojoClient:
    response = await sync_to_async(member.client.post)(f"/api/v1/dojos/{dojo_id}/ticket")
    assert response.status_code == 201
    path = response.json()["url"] + (f"&last_seq={last_seq}" if last_seq is not None else "")
    socket_ = await websockets.connect(instance.url(path), open_timeout=10)
    client = client or DojoClient(member.name.split()[0].lower())
    await client.attach(WebsocketsTransport(socket_))
    return client


async def start(member: Member, dojo_id: str) -> None:
    response = await sync_to_async(member.client.post)(f"/api/v1/dojos/{dojo_id}/start")
    assert response.status_code == 200


def events_of(member: Member, dojo_id: str, kind: str) -> list[dict[str, Any]]:
    with member.data():
        return [
            e.payload for e in DojoEvent.objects.filter(dojo_id=dojo_id, kind=kind).order_by("seq")
        ]


async def test_clients_on_two_instances_share_one_session_and_rotate_once(
    instances: tuple[Daphne, Daphne],
    ana: Member,
    bruno: Member,
    carla: Member,
    create_dojo: CreateDojo,
) -> None:
    one, two = instances
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=2)
    a = await connect(ana, dojo["id"], one)
    b = await connect(bruno, dojo["id"], two)
    c = await connect(carla, dojo["id"], one)
    await start(ana, dojo["id"])

    await a.edit(a.insert_at_end("print('oi')\n"))
    await b.send({"type": "chat", "text": "da outra instância"})
    await a.settle()
    # Both instances follow the 2 s timer; the deadline rotates the roles once.
    rotated = await c.until(lambda f: f["type"] == "roles" and f["reason"] == "rotation", 8)
    assert rotated["piloto"] == str(bruno.id)
    await b.until_seq(rotated["seq"])
    await b.send({"type": "pause"})
    await a.until(lambda f: f["type"] == "timer" and f["state"] == "paused")
    for client in (b, c):
        await client.until_seq(a.seq)

    assert a.document == b.document == c.document == "print('oi')\n"
    assert [e["seq"] for e in a.events if e["seq"] > 6] == [
        e["seq"] for e in b.events if e["seq"] > 6
    ]
    rotations = [
        e
        for e in await sync_to_async(events_of)(ana, dojo["id"], "roles")
        if e["reason"] == "rotation"
    ]
    assert len(rotations) == 1
    assert [e["text"] for e in c.of_type("chat")] == ["da outra instância"]
    for client in (a, b, c):
        await client.close()


async def test_killing_an_instance_loses_no_acknowledged_operation(
    instances: tuple[Daphne, Daphne],
    ana: Member,
    bruno: Member,
    carla: Member,
    create_dojo: CreateDojo,
) -> None:
    one, two = instances
    dojo = await sync_to_async(create_dojo)(ana, rotation_minutes=30, copiloto_may_edit=True)
    a = await connect(ana, dojo["id"], one)
    b = await connect(bruno, dojo["id"], two)
    carla_client = await connect(carla, dojo["id"], two)
    await start(ana, dojo["id"])

    # Bruno, on the instance about to die, types line after line without waiting.
    for n in range(20):
        await b.edit(b.insert_at_end(f"linha {n}\n"))
        if n == 12:
            await asyncio.sleep(0.05)
            two.kill()
            break
        await asyncio.sleep(0.01)
    # Whatever the dead socket still delivers (acknowledgements included) is read first.
    with contextlib.suppress(Exception):  # the socket is gone, or it has nothing more
        while True:
            await b.next(0.3)
    acknowledged = len(b.acknowledged)
    assert acknowledged >= 1

    # He reconnects to the surviving instance from his last sequence number and
    # resends what was in flight; Carla does not come back.
    b.transport = None
    b = await connect(bruno, dojo["id"], one, client=b, last_seq=b.seq)
    await b.until_seq(b.welcome["seq"])
    await b.resend()
    await b.settle(10)
    for more in ("depois 1\n", "depois 2\n"):
        await b.edit(b.insert_at_end(more))
        await b.settle(10)
    await a.until_seq(b.seq, 10)

    final = await sync_to_async(lambda: _document(ana, dojo["id"]))()
    assert a.document == b.document == final
    # Every line he typed is there exactly once: the acknowledged ones were kept by
    # the server, the others by his client, which resent them; nothing twice.
    for n in range(13):
        assert final.count(f"linha {n}\n") == 1, final
    assert final.endswith("depois 1\ndepois 2\n")

    # Carla's connection died with its instance: after the presence window it is swept
    # and announced; Bruno, who came back, is not.
    left = await a.until(lambda f: f["type"] == "presence" and f.get("left") == str(carla.id), 10)
    assert str(carla.id) not in left["connected"]
    assert str(bruno.id) in left["connected"]
    assert not [e for e in a.of_type("presence") if e.get("left") == str(bruno.id)]
    await a.close()
    await b.close()
    assert carla_client.seq <= a.seq


def _document(member: Member, dojo_id: str) -> str:
    from dojos.models import Dojo

    with member.data():
        return Dojo.objects.get(id=dojo_id).document
