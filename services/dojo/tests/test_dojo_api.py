"""The REST API: dojos, lists, permissions, lifecycle, tickets, validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dojos.models import Dojo

from .conftest import Member, dojo_body, error_code

pytestmark = pytest.mark.django_db

CreateDojo = Callable[..., dict[str, Any]]


def test_schedule_read_and_list_a_dojo(ana: Member, bruno: Member, create_dojo: CreateDojo) -> None:
    dojo = create_dojo(ana, copiloto_may_edit=True)

    assert dojo["status"] == "scheduled"
    assert dojo["facilitator"] == {"id": str(ana.id), "name": "Ana Facilitadora"}
    assert dojo["rotation_minutes"] == 5
    assert dojo["can_run"] is True
    seen = bruno.client.get(f"/api/v1/dojos/{dojo['id']}").json()
    assert seen["title"] == "Kata do Bowling"
    assert seen["can_run"] is False
    listed = bruno.client.get("/api/v1/dojos?state=upcoming").json()
    assert [d["id"] for d in listed["results"]] == [dojo["id"]]
    assert bruno.client.get("/api/v1/dojos?state=live").json()["results"] == []


def test_rotation_defaults_to_five_minutes(ana: Member) -> None:
    body = dojo_body()
    del body["rotation_minutes"]
    response = ana.client.post("/api/v1/dojos", body, format="json")
    assert response.status_code == 201
    assert response.json()["rotation_minutes"] == 5


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rotation_minutes": 0}, "rotation_minutes"),
        ({"rotation_minutes": 31}, "rotation_minutes"),
        ({"rotation_minutes": "cinco"}, "rotation_minutes"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"language": ""}, "language"),
        ({"scheduled_at": "amanhã"}, "scheduled_at"),
        ({"scheduled_at": (timezone.now() - timedelta(days=3)).isoformat()}, "scheduled_at"),
        ({"visibility": "public"}, "visibility"),
        ({"invitees": ["not-a-uuid"]}, "invitees"),
        ({"poc_id": "123"}, "poc_id"),
    ],
)
def test_bad_input_is_a_coded_400_and_stores_nothing(
    ana: Member, fields: dict[str, Any], field: str
) -> None:
    response = ana.client.post("/api/v1/dojos", dojo_body(**fields), format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    fields_in_error = response.json()["error"]["fields"]
    assert any(name == field or name.startswith(field + ".") for name in fields_in_error)
    with ana.data():
        assert not Dojo.objects.exists()


def test_malformed_json_and_unknown_state_filter(ana: Member) -> None:
    response = ana.client.generic(
        "POST", "/api/v1/dojos", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_code(response) == "malformed_json"
    response = ana.client.get("/api/v1/dojos?state=tomorrow")
    assert response.status_code == 400
    assert error_code(response) == "invalid_filter"


def test_invite_only_dojo_is_invisible_to_others(
    ana: Member, bruno: Member, carla: Member, admin: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana, visibility="invited", invitees=[str(bruno.id)])

    assert bruno.client.get(f"/api/v1/dojos/{dojo['id']}").status_code == 200
    assert admin.client.get(f"/api/v1/dojos/{dojo['id']}").status_code == 200
    hidden = carla.client.get(f"/api/v1/dojos/{dojo['id']}")
    assert hidden.status_code == 404
    assert error_code(hidden) == "dojo_not_found"
    assert carla.client.get("/api/v1/dojos").json()["results"] == []
    assert carla.client.post(f"/api/v1/dojos/{dojo['id']}/ticket").status_code == 404


def test_another_organization_sees_nothing_on_any_route(
    ana: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana)
    base = f"/api/v1/dojos/{dojo['id']}"
    calls = [
        ("get", base, None),
        ("patch", base, {"title": "Hijacked"}),
        ("delete", base, None),
        ("post", base + "/join", None),
        ("post", base + "/start", None),
        ("post", base + "/end", None),
        ("post", base + "/ticket", None),
        ("put", base + "/retrospective", {"notes": "x"}),
        ("get", base + "/replay", None),
    ]
    for method, url, body in calls:
        response = getattr(outsider.client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert error_code(response) == "dojo_not_found"
    assert outsider.client.get("/api/v1/dojos").json()["results"] == []
    with ana.data():
        assert Dojo.objects.get(id=dojo["id"]).title == "Kata do Bowling"


def test_only_the_facilitator_or_an_admin_runs_the_dojo(
    ana: Member, bruno: Member, admin: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana)
    base = f"/api/v1/dojos/{dojo['id']}"

    for method, url, body in [
        ("patch", base, {"title": "Outro"}),
        ("post", base + "/start", None),
        ("post", base + "/end", None),
        ("delete", base, None),
    ]:
        response = getattr(bruno.client, method)(url, body, format="json")
        assert response.status_code == 403, (method, url)
        assert error_code(response) == "not_facilitator"

    assert (
        admin.client.patch(base, {"rotation_minutes": 7}, format="json").json()["rotation_minutes"]
        == 7
    )
    started = ana.client.post(base + "/start").json()
    assert started["status"] == "live"
    assert bruno.client.get("/api/v1/dojos?state=live").json()["results"][0]["id"] == dojo["id"]
    deleted = ana.client.delete(base)
    assert deleted.status_code == 409
    assert error_code(deleted) == "dojo_already_started"
    ended = ana.client.post(base + "/end").json()
    assert ended["status"] == "ended"
    assert ended["ended_at"] is not None
    assert bruno.client.get("/api/v1/dojos?state=past").json()["results"][0]["id"] == dojo["id"]
    refused = ana.client.patch(base, {"title": "Depois"}, format="json")
    assert refused.status_code == 409
    assert error_code(refused) == "dojo_ended"


def test_join_makes_a_participant_once(ana: Member, bruno: Member, create_dojo: CreateDojo) -> None:
    dojo = create_dojo(ana)
    first = bruno.client.post(f"/api/v1/dojos/{dojo['id']}/join")
    again = bruno.client.post(f"/api/v1/dojos/{dojo['id']}/join")

    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == str(bruno.id)
    detail = bruno.client.get(f"/api/v1/dojos/{dojo['id']}").json()
    assert [p["name"] for p in detail["participants"]] == ["Bruno Barros"]


def test_ticket_is_one_time_and_names_the_socket(ana: Member, create_dojo: CreateDojo) -> None:
    dojo = create_dojo(ana)
    response = ana.client.post(f"/api/v1/dojos/{dojo['id']}/ticket")

    assert response.status_code == 201
    body = response.json()
    assert body["expires_in"] == 30
    assert body["url"] == f"/ws/dojos/{dojo['id']}?ticket={body['ticket']}"
    assert ana.client.post(f"/api/v1/dojos/{dojo['id']}/ticket").json()["ticket"] != body["ticket"]


def test_ticket_url_is_absolute_where_sockets_have_a_host_of_their_own(
    ana: Member, create_dojo: CreateDojo, settings: Any
) -> None:
    settings.DOJO_WEBSOCKET_BASE_URL = "wss://ws.pocdex.example"
    dojo = create_dojo(ana)
    body = ana.client.post(f"/api/v1/dojos/{dojo['id']}/ticket").json()

    assert body["url"] == f"wss://ws.pocdex.example/ws/dojos/{dojo['id']}?ticket={body['ticket']}"


def test_retrospective_after_the_end_only(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    dojo = create_dojo(ana)
    base = f"/api/v1/dojos/{dojo['id']}"
    early = ana.client.put(base + "/retrospective", {"notes": "Cedo demais"}, format="json")
    assert early.status_code == 409
    assert error_code(early) == "dojo_not_ended"

    ana.client.post(base + "/start")
    ana.client.post(base + "/end")
    outsider_in_org = bruno.client.put(base + "/retrospective", {"notes": "?"}, format="json")
    assert outsider_in_org.status_code == 403
    assert error_code(outsider_in_org) == "not_participant"
    saved = ana.client.put(
        base + "/retrospective", {"notes": "  Aprendemos TDD.  "}, format="json"
    ).json()
    assert saved["retrospective"]["notes"] == "Aprendemos TDD."
    unlinked = ana.client.put(
        base + "/retrospective", {"notes": "Aprendemos TDD.", "attach_to_poc": True}, format="json"
    )
    assert unlinked.status_code == 409
    assert error_code(unlinked) == "no_linked_poc"
    too_long = ana.client.put(base + "/retrospective", {"notes": "x" * 20_001}, format="json")
    assert too_long.status_code == 400
    assert ana.client.get(base).json()["retrospective"]["notes"] == "Aprendemos TDD."


def test_replay_parameters_are_validated(ana: Member, create_dojo: CreateDojo) -> None:
    dojo = create_dojo(ana)
    for query in ("after_seq=-1", "after_seq=abc", "limit=999999"):
        response = ana.client.get(f"/api/v1/dojos/{dojo['id']}/replay?{query}")
        assert response.status_code == 400, query
        assert error_code(response) == "invalid_parameter"


def test_digits_of_other_scripts_are_a_coded_400_not_a_server_error(
    ana: Member, create_dojo: CreateDojo
) -> None:
    # "²" passes str.isdigit() but int() refuses it; "١٢" (Arabic-Indic twelve) and
    # the fullwidth one are accepted by int(): none of them is a parameter.
    dojo = create_dojo(ana)
    for name in ("after_seq", "limit"):
        for value in ("²", "1²", "١٢", "\uff11", "12\n"):
            response = ana.client.get(f"/api/v1/dojos/{dojo['id']}/replay", {name: value})
            assert response.status_code == 400, (name, value, response.content)
            assert error_code(response) == "invalid_parameter"
            assert list(response.json()["error"]["fields"]) == [name]
    for value in ("²", "1²"):
        response = ana.client.get("/api/v1/dojos", {"limit": value})
        assert response.status_code == 400, (value, response.content)
        created = ana.client.post("/api/v1/dojos", dojo_body(rotation_minutes=value), format="json")
        assert created.status_code == 400, (value, created.content)
        assert error_code(created) == "validation_error"
    ok = ana.client.get(f"/api/v1/dojos/{dojo['id']}/replay", {"after_seq": "0", "limit": "10"})
    assert ok.status_code == 200


def test_requests_without_a_token_are_refused(ana: Member, create_dojo: CreateDojo) -> None:
    from rest_framework.test import APIClient

    dojo = create_dojo(ana)
    response = APIClient().get(f"/api/v1/dojos/{dojo['id']}")
    assert response.status_code == 401


def test_errors_in_portuguese(ana: Member, bruno: Member, create_dojo: CreateDojo) -> None:
    dojo = create_dojo(ana)
    response = bruno.client.post(f"/api/v1/dojos/{dojo['id']}/start", HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert response.status_code == 403
    assert (
        response.json()["error"]["message"]
        == "Só o facilitador ou um administrador pode fazer isso."
    )
