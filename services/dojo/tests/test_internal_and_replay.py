"""What other services read (internal API, service tokens) and the replay pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from dojos import commands, presence
from dojos.models import Dojo, Participant
from pocdex_shared.callers import Caller
from pocdex_shared.testing.tokens import service_token

from .conftest import Member, error_code

pytestmark = pytest.mark.django_db

CreateDojo = Callable[..., dict[str, Any]]


def actor(member: Member) -> Caller:
    return Caller.acting_for(
        person_id=member.id, tenant_id=member.tenant.id, role=member.role, name=member.name
    )


def service_client(service: str = "media", audience: str = "pocdex-dojo") -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {service_token(service=service, audience=audience)}"
    )
    return client


def run_a_session(ana: Member, bruno: Member, dojo_id: str) -> None:
    with ana.data():
        presence.connect(dojo_id, actor(ana), "chan-ana", "test")
        presence.connect(dojo_id, actor(bruno), "chan-bruno", "test")
        commands.start(dojo_id, actor(ana))
        commands.handle(dojo_id, actor(ana), {"type": "op", "revision": 0, "op": ["x = 1\n"]})
        commands.handle(dojo_id, actor(bruno), {"type": "chat", "text": "boa"})
        commands.handle(dojo_id, actor(ana), {"type": "pass"})
        commands.handle(dojo_id, actor(bruno), {"type": "op", "revision": 1, "op": [6, "y = 2\n"]})
        commands.end(dojo_id, actor(ana))


def test_media_reads_dojos_with_participation(
    ana: Member, bruno: Member, carla: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana)
    unattended = create_dojo(ana, title="Outro")
    run_a_session(ana, bruno, dojo["id"])
    with ana.data():
        commands.start(unattended["id"], actor(ana))
    today = timezone.now().date()
    url = f"/internal/v1/tenants/{ana.tenant.id}/dojos"

    everything = service_client().get(url, {"from": str(today), "to": str(today)}).json()
    assert {d["id"] for d in everything["results"]} == {dojo["id"], unattended["id"]}
    bruno_only = service_client().get(url, {"participant": str(bruno.id)}).json()["results"]
    assert [d["id"] for d in bruno_only] == [dojo["id"]]
    session = bruno_only[0]
    assert (session["operations"], session["messages"], session["status"]) == (2, 1, "ended")
    people = {p["name"]: p for p in session["participants"]}
    assert set(people) == {"Ana Facilitadora", "Bruno Barros"}
    assert people["Ana Facilitadora"]["rotations"] == 1
    assert people["Bruno Barros"]["rotations"] == 1
    assert service_client().get(url, {"participant": str(carla.id)}).json()["results"] == []
    yesterday = today - timedelta(days=1)
    assert service_client().get(url, {"to": str(yesterday)}).json()["results"] == []


def test_internal_api_refuses_users_bad_filters_and_unknown_organizations(
    ana: Member, create_dojo: CreateDojo
) -> None:
    url = f"/internal/v1/tenants/{ana.tenant.id}/dojos"
    assert ana.client.get(url).status_code in {401, 403}
    assert service_client(audience="pocdex-pocs").get(url).status_code == 401
    for query in (
        {"from": "2026-13-01"},
        {"participant": "ana"},
        {"from": "2026-05-02", "to": "2026-05-01"},
    ):
        response = service_client().get(url, query)
        assert response.status_code == 400, query
        assert error_code(response) == "invalid_filter"
    missing = service_client().get(f"/internal/v1/tenants/{uuid.uuid4()}/dojos")
    assert missing.status_code == 404
    assert error_code(missing) == "tenant_not_found"


def test_another_organizations_dojos_never_appear(
    ana: Member, bruno: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana)
    run_a_session(ana, bruno, dojo["id"])
    theirs = service_client().get(f"/internal/v1/tenants/{outsider.tenant.id}/dojos").json()
    assert theirs["results"] == []


@override_settings(DOJO_SNAPSHOT_EVERY=2)
def test_replay_pages_rebuild_the_code_and_snapshots_mark_the_way(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    from pocdex_shared.ot.operation import TextOperation

    dojo = create_dojo(ana)
    run_a_session(ana, bruno, dojo["id"])
    document, after, seen = "", 0, []
    while True:
        page = bruno.client.get(f"/api/v1/dojos/{dojo['id']}/replay?after_seq={after}&limit=3")
        assert page.status_code == 200
        body = page.json()
        seen += [e["seq"] for e in body["events"]]
        for event in body["events"]:
            if event["type"] == "op":
                document = TextOperation.from_json(event["op"]).apply(document)
        if body["next_after_seq"] is None:
            break
        after = body["next_after_seq"]
    assert document == body["document"] == "x = 1\ny = 2\n"
    assert seen == list(range(1, body["seq"] + 1))
    assert [(s["revision"], s["document"]) for s in body["snapshots"]] == [(2, "x = 1\ny = 2\n")]
    kinds = [e["type"] for e in body["events"]]
    assert kinds[-1] == "dojo_ended"


def test_time_at_the_keyboard_is_credited_to_each_piloto(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana, rotation_minutes=10)  # ten one-second "minutes" in the tests
    run_a_session(ana, bruno, dojo["id"])
    with ana.data():
        rows = {p.name: p for p in Participant.objects.filter(dojo_id=dojo["id"])}
        assert Dojo.objects.get(id=dojo["id"]).status == "ended"
    assert all(0 <= row.seconds_as_piloto <= 10 for row in rows.values())
    assert rows["Ana Facilitadora"].turns_as_piloto == 1
