"""Who may see and change which POC, inside one organization."""

from __future__ import annotations

import pytest

from registry.models import Poc

from .conftest import error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_poc(alice, create_poc):
    return create_poc(alice, visibility="team", summary="original")


def _patch(member, poc, **changes):
    return member.client.patch(f"/api/v1/pocs/{poc['id']}", changes, format="json")


def _summary(member, poc) -> str:
    with member.data():
        return Poc.objects.get(id=poc["id"]).summary


def test_every_member_reads_team_pocs(team_poc, bob):
    listed = bob.client.get("/api/v1/pocs").json()["results"]
    assert [p["id"] for p in listed] == [team_poc["id"]]
    assert bob.client.get(f"/api/v1/pocs/{team_poc['id']}").status_code == 200


def test_the_author_edits_their_poc(team_poc, alice):
    assert _patch(alice, team_poc, summary="by author").status_code == 200
    assert _summary(alice, team_poc) == "by author"


def test_a_contributor_edits_the_poc(alice, bob, create_poc):
    poc = create_poc(alice, contributors=[str(bob.id)])
    response = _patch(bob, poc, summary="by contributor")
    assert response.status_code == 200 and response.json()["can_edit"] is True
    assert _summary(bob, poc) == "by contributor"


def test_an_admin_edits_any_team_poc(team_poc, admin):
    assert _patch(admin, team_poc, summary="by admin").status_code == 200
    assert _summary(admin, team_poc) == "by admin"


def test_another_member_cannot_edit_or_delete_a_team_poc(team_poc, bob):
    response = _patch(bob, team_poc, summary="hijacked")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    deleted = bob.client.delete(f"/api/v1/pocs/{team_poc['id']}")
    assert deleted.status_code == 403 and error_code(deleted) == "permission_denied"
    assert _summary(bob, team_poc) == "original"
    with bob.data():
        assert Poc.objects.get(id=team_poc["id"]).deleted_at is None


def test_a_private_poc_exists_only_for_its_author(alice, bob, admin, create_poc):
    private = create_poc(alice, visibility="private", tags=["segredo"], languages=["rust"])
    assert alice.client.get(f"/api/v1/pocs/{private['id']}").status_code == 200
    for other in (bob, admin):
        for response in (
            other.client.get(f"/api/v1/pocs/{private['id']}"),
            _patch(other, private, summary="x"),
            other.client.delete(f"/api/v1/pocs/{private['id']}"),
            other.client.post(f"/api/v1/pocs/{private['id']}/restore"),
            other.client.get(f"/api/v1/pocs/{private['id']}/attachments"),
        ):
            assert response.status_code == 404 and error_code(response) == "poc_not_found"
        assert other.client.get("/api/v1/pocs").json()["results"] == []
        assert other.client.get("/api/v1/tags").json()["results"] == []
        rust = [row for row in other.client.get("/api/v1/languages?q=rust").json()["results"]]
        assert rust[0]["count"] == 0
    assert alice.client.get("/api/v1/tags").json()["results"][0]["slug"] == "segredo"


def test_only_the_author_may_make_a_poc_private(team_poc, admin, alice):
    response = _patch(admin, team_poc, visibility="private")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    assert _patch(alice, team_poc, visibility="private").status_code == 200


def test_members_create_pocs_whatever_their_role(org, make_member, create_poc):
    for role in ("member", "admin", "owner"):
        assert create_poc(make_member(org, role=role))["author"]["name"] == "Maria Member"
