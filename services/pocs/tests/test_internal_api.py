"""Internal endpoints for media (POCs of a period) and dojo (learnings), with service tokens."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pocdex_shared.testing.tokens import service_token
from registry.models import LearningNote, Poc
from search.client import alias, client

from .conftest import Member, error_code


def service(name: str) -> APIClient:
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {service_token(service=name, audience='pocdex-pocs')}"
    )
    return api


def pocs_url(member_or_tenant: Any) -> str:
    tenant_id = getattr(getattr(member_or_tenant, "tenant", None), "id", member_or_tenant)
    return f"/internal/v1/tenants/{tenant_id}/pocs"


def learnings_url(member: Member, poc_id: str, *, tenant_id: Any = None) -> str:
    return f"/internal/v1/tenants/{tenant_id or member.tenant.id}/pocs/{poc_id}/learnings"


def note(**overrides: Any) -> dict[str, Any]:
    return {
        "text": "Retrospectiva: o timer de 5 minutos funcionou bem.",
        "source": "dojo",
        "source_id": str(uuid.uuid4()),
        "author": str(uuid.uuid4()),
        **overrides,
    }


def every_page(api: APIClient, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = api.get(url, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["results"]
        cursor = body["next"]
        if not cursor:
            return items


# ------------------------------------------------------------------ media: POCs of a period


@pytest.mark.django_db
def test_media_reads_an_organizations_pocs_of_a_period_with_names(alice, bob, outsider, create_poc):
    bob.client.get("/api/v1/pocs")  # bob is in the people directory
    today = timezone.now().date().isoformat()
    team = create_poc(
        alice,
        name="Pagamentos com Kotlin",
        languages=["kotlin", "spring-boot", "aws"],
        tags=["Pix"],
        contributors=[str(bob.id)],
        learnings="Funcionou.",
    )
    private = create_poc(alice, name="Ideia privada", visibility="private")
    by_bob = create_poc(bob, name="Chatbot do Bob")
    old = create_poc(alice, name="Começou em 2020", started_on="2020-05-04", status="in_progress")
    deleted = create_poc(alice, name="Apagado")
    assert alice.client.delete(f"/api/v1/pocs/{deleted['id']}").status_code == 204
    create_poc(outsider, name="POC de outra empresa")
    media = service("media")

    team_only = every_page(media, pocs_url(alice), **{"from": today, "to": today})
    assert {p["name"] for p in team_only} == {
        "Pagamentos com Kotlin",
        "Chatbot do Bob",
        "Começou em 2020",
    }
    with_private = every_page(
        media, pocs_url(alice), viewer=str(alice.id), **{"from": today, "to": today}
    )
    assert {p["id"] for p in with_private} == {p["id"] for p in team_only} | {private["id"]}
    as_bob = every_page(media, pocs_url(alice), viewer=str(bob.id), **{"from": today, "to": today})
    assert private["id"] not in {p["id"] for p in as_bob}
    mine = every_page(media, pocs_url(alice), author=str(bob.id), viewer=str(bob.id))
    assert [p["id"] for p in mine] == [by_bob["id"]]
    # Started in 2020 (created today): part of 2020.
    year_2020 = every_page(media, pocs_url(alice), **{"from": "2020-01-01", "to": "2020-12-31"})
    assert [p["id"] for p in year_2020] == [old["id"]]

    item = next(p for p in team_only if p["id"] == team["id"])
    assert item["author"] == {"id": str(alice.id), "name": "Alice Author"}
    assert item["contributors"] == [{"id": str(bob.id), "name": "Bob Colleague"}]
    assert item["languages"] == [{"slug": "kotlin", "name": "Kotlin", "kind": "language"}]
    assert {f["slug"] for f in item["frameworks"]} == {"spring-boot", "aws"}
    assert item["tags"] == [{"slug": "pix", "label": "Pix"}]
    assert item["learnings"] == "Funcionou." and item["visibility"] == "team"
    assert {
        "id",
        "name",
        "summary",
        "status",
        "outcome",
        "learnings",
        "languages",
        "frameworks",
        "tags",
        "author",
        "contributors",
        "started_on",
        "finished_on",
        "created_at",
        "updated_at",
        "visibility",
    } == set(item)


@pytest.mark.django_db
def test_the_list_pages_with_a_cursor_in_creation_order(alice, create_poc):
    created = [create_poc(alice, name=f"POC {i}")["id"] for i in range(5)]
    media = service("media")
    first = media.get(pocs_url(alice), {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    assert [p["id"] for p in every_page(media, pocs_url(alice), limit=2)] == created


@pytest.mark.django_db
def test_another_organizations_pocs_never_come_back(alice, outsider, create_poc):
    create_poc(alice, name="Da Alice")
    outside = create_poc(outsider, name="Do outsider")
    listed = every_page(service("media"), pocs_url(outsider), viewer=str(alice.id))
    assert [p["id"] for p in listed] == [outside["id"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"author": "someone"}, "author"),
        ({"viewer": "1234"}, "viewer"),
    ],
)
def test_bad_filters_are_coded_400(alice, params, field):
    response = service("media").get(pocs_url(alice), params)
    assert response.status_code == 400 and error_code(response) == "invalid_filter"
    assert field in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_an_unknown_organization_is_a_coded_404():
    unknown = uuid.uuid4()
    listed = service("media").get(pocs_url(unknown))
    appended = service("dojo").post(
        f"/internal/v1/tenants/{unknown}/pocs/{uuid.uuid4()}/learnings", note(), format="json"
    )
    for response in (listed, appended):
        assert response.status_code == 404 and error_code(response) == "tenant_not_found"


@pytest.mark.django_db
def test_only_the_right_service_gets_in(alice, create_poc):
    poc = create_poc(alice)
    list_url, append_url = pocs_url(alice), learnings_url(alice, poc["id"])
    anonymous = APIClient()
    for url in (list_url, append_url):
        assert anonymous.get(url).status_code == 401
        user = alice.client.get(url) if url == list_url else alice.client.post(url, note())
        assert user.status_code == 401 and error_code(user) == "token_audience_invalid"
    wrong_audience = APIClient()
    wrong_audience.credentials(
        HTTP_AUTHORIZATION=f"Bearer {service_token(service='media', audience='pocdex-dojo')}"
    )
    refused = wrong_audience.get(list_url)
    assert refused.status_code == 401 and error_code(refused) == "token_audience_invalid"
    # Least privilege: media reads POCs, dojo appends learnings, nothing else.
    assert service("dojo").get(list_url).status_code == 403
    media_append = service("media").post(append_url, note(), format="json")
    assert media_append.status_code == 403 and error_code(media_append) == "permission_denied"
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).learnings == ""


# ------------------------------------------------------------------ dojo: learnings


def test_dojo_appends_a_retrospective_once_and_the_poc_is_reindexed(alice, create_poc, indexed):
    poc = create_poc(alice, name="Dojo de OT", learnings="Primeira lição.")
    indexed()
    dojo = service("dojo")
    body = note(
        text="Rotação do piloto a cada 5 minutos; revezamento sem atrito.", author=str(alice.id)
    )
    first = dojo.post(learnings_url(alice, poc["id"]), body, format="json")
    assert first.status_code == 201, first.content
    again = dojo.post(learnings_url(alice, poc["id"]), body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    expected = "Primeira lição.\n\nRotação do piloto a cada 5 minutos; revezamento sem atrito."
    assert first.json()["learnings"] == expected == again.json()["learnings"]
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).learnings == expected
        assert LearningNote.objects.filter(poc_id=poc["id"]).count() == 1
    assert alice.client.get(f"/api/v1/pocs/{poc['id']}").json()["learnings"] == expected

    indexed()
    found = alice.client.get("/api/v1/search/pocs", {"q": "revezamento"}).json()
    assert [r["id"] for r in found["results"]] == [poc["id"]]
    document = client().get(index=alias(), id=poc["id"], routing=str(alice.tenant.id))
    assert document["_source"]["learnings"] == expected


@pytest.mark.django_db
def test_a_poc_of_another_organization_is_not_found_and_unchanged(alice, outsider, create_poc):
    theirs = create_poc(outsider, name="Do outsider")
    response = service("dojo").post(
        learnings_url(alice, theirs["id"]), note(author=str(alice.id)), format="json"
    )
    assert response.status_code == 404 and error_code(response) == "poc_not_found"
    with outsider.data():
        assert Poc.objects.get(id=theirs["id"]).learnings == ""
        assert not LearningNote.objects.exists()


@pytest.mark.django_db
def test_a_note_is_written_only_with_the_rights_of_the_member_who_attaches_it(
    alice, bob, admin, create_poc
):
    """The edit rules of the public API hold on this path too (author, contributors, admins)."""
    poc = create_poc(alice, name="Só da Alice", learnings="Da Alice.")
    shared = create_poc(alice, name="Com o Bob", contributors=[str(bob.id)])
    dojo = service("dojo")
    for author, role in ((bob.id, "member"), (bob.id, None)):
        body = note(author=str(author), **({"role": role} if role else {}))
        refused = dojo.post(learnings_url(alice, poc["id"]), body, format="json")
        assert refused.status_code == 403, (author, role, refused.content)
        assert error_code(refused) == "permission_denied"
    # The public API refuses the same person the same way.
    assert (
        bob.client.patch(f"/api/v1/pocs/{poc['id']}", {"learnings": "x"}, format="json").status_code
        == 403
    )
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).learnings == "Da Alice."
        assert not LearningNote.objects.exists()

    as_contributor = note(author=str(bob.id), role="member")
    assert (
        dojo.post(learnings_url(alice, shared["id"]), as_contributor, format="json").status_code
        == 201
    )
    as_admin = note(author=str(admin.id), role="admin")
    assert dojo.post(learnings_url(alice, poc["id"]), as_admin, format="json").status_code == 201
    with alice.data():
        assert Poc.objects.get(id=poc["id"]).learnings == f"Da Alice.\n\n{as_admin['text']}"
        assert LearningNote.objects.count() == 2


@pytest.mark.django_db
def test_an_author_cannot_reach_their_poc_through_another_organization(alice, outsider, create_poc):
    theirs = create_poc(outsider, name="Do outsider")
    as_owner = note(author=str(outsider.id), role="owner")
    response = service("dojo").post(learnings_url(alice, theirs["id"]), as_owner, format="json")
    assert response.status_code == 404 and error_code(response) == "poc_not_found"
    with outsider.data():
        assert Poc.objects.get(id=theirs["id"]).learnings == ""
        assert not LearningNote.objects.exists()


@pytest.mark.django_db
def test_private_deleted_and_unknown_pocs_are_not_found(alice, bob, create_poc):
    private = create_poc(alice, visibility="private")
    deleted = create_poc(alice)
    alice.client.delete(f"/api/v1/pocs/{deleted['id']}")
    dojo = service("dojo")
    for poc_id, author in (
        (private["id"], bob.id),
        (deleted["id"], alice.id),
        (str(uuid.uuid4()), alice.id),
    ):
        response = dojo.post(learnings_url(alice, poc_id), note(author=str(author)), format="json")
        assert response.status_code == 404 and error_code(response) == "poc_not_found"
    own = dojo.post(learnings_url(alice, private["id"]), note(author=str(alice.id)), format="json")
    assert own.status_code == 201


@pytest.mark.django_db
def test_the_same_note_for_another_poc_and_overlong_learnings_are_conflicts(alice, create_poc):
    first, second = create_poc(alice), create_poc(alice, learnings="x" * 19_990)
    dojo = service("dojo")
    body = note(author=str(alice.id))
    assert dojo.post(learnings_url(alice, first["id"]), body, format="json").status_code == 201
    moved = dojo.post(learnings_url(alice, second["id"]), body, format="json")
    assert moved.status_code == 409 and error_code(moved) == "source_id_conflict"
    too_long = dojo.post(
        learnings_url(alice, second["id"]), note(author=str(alice.id)), format="json"
    )
    assert too_long.status_code == 409 and error_code(too_long) == "learnings_too_long"
    with alice.data():
        assert Poc.objects.get(id=second["id"]).learnings == "x" * 19_990


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"source": "zoom"}, "source"),
        ({"source_id": "abc"}, "source_id"),
        ({"author": None}, "author"),
        ({"role": "superuser"}, "role"),
    ],
)
def test_bad_notes_are_coded_400(alice, create_poc, overrides, field):
    poc = create_poc(alice)
    response = service("dojo").post(
        learnings_url(alice, poc["id"]), note(**overrides), format="json"
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert field in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_errors_follow_the_request_language(alice, create_poc):
    unknown = service("media").get(pocs_url(uuid.uuid4()), HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert unknown.json()["error"]["message"] == "Esta organização não existe."
    first, second = create_poc(alice), create_poc(alice)
    dojo, body = service("dojo"), note(author=str(alice.id))
    dojo.post(learnings_url(alice, first["id"]), body, format="json")
    moved = dojo.post(
        learnings_url(alice, second["id"]), body, format="json", HTTP_ACCEPT_LANGUAGE="pt-BR"
    )
    assert moved.json()["error"]["message"] == "Esta nota já foi anexada a outro POC."
