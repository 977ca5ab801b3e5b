"""Registering, reading, changing and deleting POCs through the API."""

from __future__ import annotations

import pytest

from registry.models import Poc, Tag

from .conftest import error_code

pytestmark = pytest.mark.django_db


def test_member_registers_a_poc_with_every_field(alice):
    body = {
        "name": "Login com passkeys",
        "summary": "WebAuthn no app Android",
        "description": "# Objetivo\nTestar **passkeys**.",
        "status": "in_progress",
        "hypothesis": "Passkeys reduzem o atrito do login",
        "outcome": "",
        "learnings": "",
        "languages": ["kt", "Jetpack Compose", "node"],
        "tags": ["Autenticação", "  WebAuthn  "],
        "repository_url": "https://github.com/acme/passkeys-poc",
        "links": [{"title": "Spec", "url": "https://www.w3.org/TR/webauthn-3/"}],
        "started_on": "2025-03-01",
        "finished_on": "2025-03-20",
        "visibility": "team",
        "contributors": [],
    }
    response = alice.client.post("/api/v1/pocs", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert [lang["slug"] for lang in data["languages"]] == ["kotlin", "jetpack-compose", "nodejs"]
    assert data["languages"][2] == {"slug": "nodejs", "name": "Node.js", "kind": "platform"}
    assert data["tags"] == [
        {"slug": "autenticacao", "label": "Autenticação"},
        {"slug": "webauthn", "label": "WebAuthn"},
    ]
    assert data["repository_host"] == "github"
    assert data["author"] == {"id": str(alice.id), "name": "Alice Author"}
    assert data["can_edit"] is True
    with alice.data():
        poc = Poc.objects.get(id=data["id"])
        assert poc.languages == ["kotlin", "jetpack-compose", "nodejs"]
        assert sorted(poc.tags.values_list("slug", flat=True)) == ["autenticacao", "webauthn"]
        assert poc.author_id == alice.id and poc.deleted_at is None


def test_author_name_is_empty_when_the_token_has_no_name_claim(org, make_member, create_poc):
    nameless = make_member(org, name="")
    assert create_poc(nameless)["author"] == {"id": str(nameless.id), "name": ""}


def test_a_poc_is_read_back_by_id(alice, bob, create_poc):
    created = create_poc(alice, summary="Cache de tokens")
    response = bob.client.get(f"/api/v1/pocs/{created['id']}")
    assert response.status_code == 200
    assert response.json()["summary"] == "Cache de tokens"
    assert response.json()["can_edit"] is False


def test_patch_changes_only_the_given_fields(alice, create_poc):
    created = create_poc(alice, summary="antes", tags=["a"], languages=["py"])
    response = alice.client.patch(
        f"/api/v1/pocs/{created['id']}", {"summary": "depois", "tags": ["b", "c"]}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["summary"] == "depois"
    assert data["name"] == created["name"]
    assert [t["slug"] for t in data["tags"]] == ["b", "c"]
    assert [lang["slug"] for lang in data["languages"]] == ["python"]
    with alice.data():
        assert Poc.objects.get(id=created["id"]).summary == "depois"


def test_delete_is_soft_and_hides_the_poc(alice, create_poc):
    created = create_poc(alice)
    assert alice.client.delete(f"/api/v1/pocs/{created['id']}").status_code == 204
    response = alice.client.get(f"/api/v1/pocs/{created['id']}")
    assert response.status_code == 404 and error_code(response) == "poc_not_found"
    assert alice.client.get("/api/v1/pocs").json()["results"] == []
    with alice.data():
        assert Poc.objects.get(id=created["id"]).deleted_at is not None


def test_tags_are_shared_rows_normalized_once(alice, bob, create_poc):
    create_poc(alice, tags=["Machine  Learning"])
    create_poc(bob, tags=["machine-learning", "MACHINE_learning"])
    with alice.data():
        assert list(Tag.objects.values_list("slug", "label")) == [
            ("machine-learning", "Machine Learning")
        ]


def test_unknown_poc_id_is_poc_not_found(alice):
    response = alice.client.get("/api/v1/pocs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and error_code(response) == "poc_not_found"
