"""Three people run a dojo through the gateway: rotate, edit, chat, drop, reconnect.

Everything goes through nginx on localhost:8000, to both daphne instances
behind it. At the end the replay, applied from an empty document, reproduces
the final code exactly, and the retrospective lands in the linked POC.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import websockets

from pocdex_shared.ot.operation import TextOperation
from pocdex_shared.testing.dojo_client import DojoClient, WebsocketsTransport

from .conftest import GATEWAY, Gateway, Mailbox, code_from_mail

WS_BASE = GATEWAY.replace("http://", "ws://").replace("https://", "wss://")


def invite_member(gateway: Gateway, mailbox: Mailbox, owner: str, slug: str, name: str) -> str:
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com"
    assert gateway.post("/api/v1/invitations", {"email": email}, owner).status_code == 201
    mail = mailbox.wait_for(to=email)
    accepted = gateway.post(
        "/api/v1/invitations/accept",
        {"token": code_from_mail(mail), "name": name, "password": "dojo-password-2026"},
    )
    assert accepted.status_code == 200, accepted.text
    login = gateway.post(
        "/api/v1/auth/token",
        {"organization": slug, "email": email, "password": "dojo-password-2026"},
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access"])


async def connect(
    gateway: Gateway, token: str, dojo_id: str, client: DojoClient, last_seq: int | None = None
) -> DojoClient:
    ticket = gateway.post(f"/api/v1/dojos/{dojo_id}/ticket", None, token)
    assert ticket.status_code == 201, ticket.text
    path = ticket.json()["url"] + (f"&last_seq={last_seq}" if last_seq is not None else "")
    socket = await websockets.connect(WS_BASE + path, open_timeout=10)
    await client.attach(WebsocketsTransport(socket))
    return client


def replayed_document(gateway: Gateway, token: str, dojo_id: str) -> tuple[str, dict[str, Any]]:
    document, after, first = "", 0, None
    while True:
        page = gateway.get(f"/api/v1/dojos/{dojo_id}/replay?after_seq={after}&limit=50", token)
        assert page.status_code == 200, page.text
        body = page.json()
        first = first or body
        for event in body["events"]:
            if event["type"] == "op":
                document = TextOperation.from_json(event["op"]).apply(document)
        if body["next_after_seq"] is None:
            return document, first
        after = body["next_after_seq"]


def test_three_people_run_a_dojo_and_the_replay_reproduces_the_code(gateway, mailbox):
    org = gateway.signup(organization_name="Dojo Floripa", locale="pt-BR")
    owner = org["tokens"]["access"]
    slug = org["organization"]["slug"]
    gateway.wait_active(owner)
    gateway.wait_served(owner, "/api/v1/dojos")
    gateway.wait_served(owner, "/api/v1/pocs")
    gateway.confirm_email(mailbox, org["email"])  # only a confirmed address invites
    gil = invite_member(gateway, mailbox, owner, slug, "Gil Guest")
    hana = invite_member(gateway, mailbox, owner, slug, "Hana Hall")
    poc = gateway.post("/api/v1/pocs", {"name": "Kata de boliche em Python"}, owner).json()
    created = gateway.post(
        "/api/v1/dojos",
        {
            "title": "Boliche",
            "kata": "Calcule a pontuação.",
            "language": "Python",
            "rotation_minutes": 10,
            "scheduled_at": "2030-01-01T19:00:00Z",
            "poc_id": poc["id"],
        },
        owner,
    )
    assert created.status_code == 201, created.text
    dojo_id = created.json()["id"]
    outsider = gateway.signup(organization_name="Outra Empresa")["tokens"]["access"]
    gateway.wait_active(outsider)
    gateway.wait_served(outsider, "/api/v1/dojos")
    assert gateway.post(f"/api/v1/dojos/{dojo_id}/ticket", None, outsider).status_code == 404

    asyncio.run(session(gateway, owner, gil, hana, dojo_id))

    assert gateway.post(f"/api/v1/dojos/{dojo_id}/end", None, owner).status_code == 200
    document, replay = replayed_document(gateway, owner, dojo_id)
    assert document == replay["document"]
    assert document.startswith("# boliche\n")
    assert "def test_gutter_game" in document and "return sum(rolls)" in document
    kinds = {e["type"] for e in replay["events"]}
    assert {"roles", "op", "chat", "presence", "dojo_started"} <= kinds

    retro = gateway.put(
        f"/api/v1/dojos/{dojo_id}/retrospective",
        {"notes": "Strike precisa de dois lançamentos à frente.", "attach_to_poc": True},
        owner,
    )
    assert retro.status_code == 200, retro.text
    assert retro.json()["retrospective"]["attached_to_poc_at"]
    learnings = gateway.get(f"/api/v1/pocs/{poc['id']}", owner).json()["learnings"]
    assert "Strike precisa de dois lançamentos à frente." in learnings


async def session(gateway: Gateway, owner: str, gil: str, hana: str, dojo_id: str) -> None:
    eva = await connect(gateway, owner, dojo_id, DojoClient("eva"))
    g = await connect(gateway, gil, dojo_id, DojoClient("gil"))
    h = await connect(gateway, hana, dojo_id, DojoClient("hana"))
    assert gateway.post(f"/api/v1/dojos/{dojo_id}/start", None, owner).status_code == 200
    for client in (eva, g, h):
        await client.until(lambda f: f["type"] == "dojo_started")

    # Eva is the piloto: she writes the first test.
    await eva.edit(eva.insert_at_end("def test_gutter_game():\n    assert score([0] * 20) == 0\n"))
    await eva.settle()
    await h.send({"type": "chat", "text": "E se for tudo strike?"})
    await eva.send({"type": "test_status", "status": "red"})
    await eva.send({"type": "pass"})
    rotated = await g.until(lambda f: f["type"] == "roles" and f["reason"] == "pass")
    assert rotated["piloto"] != rotated["copiloto"]

    # Gil, now the piloto, makes it green; Hana drops and reconnects meanwhile.
    await h.until_seq(rotated["seq"])
    await h.close()
    await g.edit(g.insert_at_end("\ndef score(rolls):\n    return sum(rolls)\n"))
    await g.settle()
    await g.send({"type": "test_status", "status": "green"})
    await connect(gateway, hana, dojo_id, h, last_seq=h.seq)
    await h.until_seq(h.welcome["seq"])
    await g.edit(TextOperation.from_json(["# boliche\n", len(g.document)]))
    await g.settle()
    for client in (eva, h):
        await client.until_seq(g.seq)
    assert eva.document == g.document == h.document
    assert [e["text"] for e in h.of_type("chat")] == ["E se for tudo strike?"]
    for client in (eva, g, h):
        await client.close()
