"""dojo's part of a person's own data (ADR 0047): their export part and their anonymization."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from dojos.models import Connection, Dojo, DojoEvent, Participant
from pocdex_shared.person_data import on_person_deleted
from pocdex_shared.testing.tenants import Member
from pocdex_shared.testing.tokens import service_token


def person_part(tenant_id: Any, person_id: Any, token: str) -> Any:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.post(f"/internal/v1/tenants/{tenant_id}/people/{person_id}/export")


def accounts_token() -> str:
    return service_token(service="accounts", audience="pocdex-dojo")


def dojo_with_chat(
    tenant: Any, facilitator: Member, speaker: Member, title: str, text: str
) -> Dojo:
    """A dojo ``facilitator`` runs where ``speaker`` joined and said ``text``, as rows."""
    from django_tenants.utils import schema_context

    with schema_context(tenant.schema_name):
        dojo = Dojo.objects.create(
            title=title,
            language="python",
            scheduled_at=timezone.now(),
            facilitator_id=facilitator.id,
            facilitator_name=facilitator.name,
            last_seq=2,
        )
        for person in {facilitator.id: facilitator, speaker.id: speaker}.values():
            Participant.objects.create(dojo=dojo, user_id=person.id, name=person.name)
        actor = {"id": str(speaker.id), "name": speaker.name}
        DojoEvent.objects.create(
            dojo=dojo,
            seq=1,
            kind="join",
            actor_id=speaker.id,
            payload={"actor": actor},
            created_at=timezone.now(),
        )
        DojoEvent.objects.create(
            dojo=dojo,
            seq=2,
            kind="chat",
            actor_id=speaker.id,
            payload={"actor": actor, "text": text},
            created_at=timezone.now(),
        )
        Connection.objects.create(
            channel_name=f"c-{uuid.uuid4().hex}",
            dojo=dojo,
            user_id=speaker.id,
            name=speaker.name,
            seen_at=timezone.now(),
        )
    return dojo


def test_the_part_holds_their_dojos_participation_and_messages_in_that_organization(
    org: Any, ana: Member, bruno: Member, outsider: Member
) -> None:
    dojo_with_chat(org, ana, bruno, "Kata do Bruno", "bom dia")
    dojo_with_chat(org, ana, ana, "Kata da Ana", "só da Ana")
    dojo_with_chat(outsider.tenant, outsider, outsider, "De fora", "segredo de fora")

    refused = person_part(org.id, bruno.id, service_token(service="pocs", audience="pocdex-dojo"))
    assert refused.status_code == 403
    answer = person_part(org.id, bruno.id, accounts_token())

    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert [m["text"] for m in data["chat_messages"]] == ["bom dia"]
    assert [p["fields"]["name"] for p in data["participation"]] == [bruno.name]
    assert data["dojos_facilitated"] == []
    assert "segredo de fora" not in answer.content.decode()
    facilitated = person_part(org.id, ana.id, accounts_token()).json()["data"]
    assert sorted(d["fields"]["title"] for d in facilitated["dojos_facilitated"]) == [
        "Kata da Ana",
        "Kata do Bruno",
    ]
    unknown = person_part(uuid.uuid4(), bruno.id, accounts_token())
    assert unknown.status_code == 404


def test_person_deleted_keeps_the_messages_under_the_deleted_persons_name(
    org: Any, ana: Member, bruno: Member
) -> None:
    dojo = dojo_with_chat(org, bruno, bruno, "Kata do Bruno", "bom dia")
    ana_dojo = dojo_with_chat(org, ana, ana, "Kata da Ana", "oi")
    envelope = {
        "id": str(uuid.uuid4()),
        "payload": {"person_id": str(bruno.id), "names": {str(org.id): "Deleted person"}},
    }
    on_person_deleted(envelope)
    on_person_deleted(envelope)

    with bruno.data():
        dojo.refresh_from_db()
        assert dojo.facilitator_name == "Deleted person" and dojo.title == "Kata do Bruno"
        assert Participant.objects.get(dojo=dojo, user_id=bruno.id).name == "Deleted person"
        chat = DojoEvent.objects.get(dojo=dojo, kind="chat")
        assert chat.payload == {
            "actor": {"id": str(bruno.id), "name": "Deleted person"},
            "text": "bom dia",
        }
        assert not Connection.objects.filter(user_id=bruno.id).exists()
        names = [e.payload["actor"]["name"] for e in DojoEvent.objects.filter(dojo=ana_dojo)]
        assert names == [ana.name, ana.name]
        assert Connection.objects.filter(user_id=ana.id).exists()
