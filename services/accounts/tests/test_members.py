from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from identity.models import User
from organizations.models import Membership

from .conftest import PASSWORD, auth


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


@pytest.fixture
def team(signup):  # type: ignore[no-untyped-def]
    """An organization with an owner, an admin and two members, each with a token."""
    org = signup()
    slug = org["organization"]["slug"]
    tokens = {"owner": org["tokens"]["access"]}
    ids = {"owner": Membership.objects.get(organization_id=org["organization"]["id"]).id}
    for name, role in [("admin", "admin"), ("m1", "member"), ("m2", "member")]:
        user = User.objects.create_user(f"{name}-{slug}@example.com", PASSWORD, name=name.title())
        ids[name] = Membership.objects.create(
            organization_id=org["organization"]["id"], user=user, role=role
        ).id
        tokens[name] = (
            APIClient()
            .post(
                "/api/v1/auth/token",
                {"organization": slug, "email": user.email, "password": PASSWORD},
                format="json",
            )
            .json()["access"]
        )
    return {"tokens": tokens, "ids": ids, "org": org}


def as_(team, who):  # type: ignore[no-untyped-def]
    return auth(APIClient(), team["tokens"][who])


@pytest.mark.django_db
def test_members_are_listed_with_cursor_pagination(team):
    first = as_(team, "m1").get("/api/v1/members?limit=3").json()
    assert len(first["results"]) == 3 and first["next"]
    second = as_(team, "m1").get("/api/v1/members", {"limit": 3, "cursor": first["next"]}).json()
    assert len(second["results"]) == 1 and second["next"] is None
    ids = {m["id"] for m in first["results"] + second["results"]}
    assert ids == {str(v) for v in team["ids"].values()}


@pytest.mark.django_db
def test_invalid_limit_is_a_coded_error(team):
    response = as_(team, "m1").get("/api/v1/members?limit=abc")
    assert response.status_code == 400 and error_code(response) == "invalid_limit"


@pytest.mark.django_db
def test_admin_can_promote_a_member_to_admin(team):
    response = as_(team, "admin").patch(
        f"/api/v1/members/{team['ids']['m1']}", {"role": "admin"}, format="json"
    )
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert Membership.objects.get(id=team["ids"]["m1"]).role == "admin"


@pytest.mark.django_db
def test_member_cannot_change_roles(team):
    response = as_(team, "m1").patch(
        f"/api/v1/members/{team['ids']['m2']}", {"role": "admin"}, format="json"
    )
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    assert Membership.objects.get(id=team["ids"]["m2"]).role == "member"


@pytest.mark.django_db
def test_admin_cannot_grant_or_take_the_owner_role(team):
    grant = as_(team, "admin").patch(
        f"/api/v1/members/{team['ids']['m1']}", {"role": "owner"}, format="json"
    )
    take = as_(team, "admin").patch(
        f"/api/v1/members/{team['ids']['owner']}", {"role": "member"}, format="json"
    )
    remove = as_(team, "admin").delete(f"/api/v1/members/{team['ids']['owner']}")
    assert [error_code(r) for r in (grant, take, remove)] == ["owner_required"] * 3
    assert Membership.objects.get(id=team["ids"]["owner"]).role == "owner"


@pytest.mark.django_db
def test_the_last_owner_can_be_neither_demoted_nor_removed(team):
    demote = as_(team, "owner").patch(
        f"/api/v1/members/{team['ids']['owner']}", {"role": "admin"}, format="json"
    )
    leave = as_(team, "owner").delete(f"/api/v1/members/{team['ids']['owner']}")
    assert (demote.status_code, error_code(demote)) == (409, "last_owner")
    assert (leave.status_code, error_code(leave)) == (409, "last_owner")
    assert Membership.objects.get(id=team["ids"]["owner"]).role == "owner"


@pytest.mark.django_db
def test_with_a_second_owner_the_first_may_step_down(team):
    as_(team, "owner").patch(
        f"/api/v1/members/{team['ids']['admin']}", {"role": "owner"}, format="json"
    )
    response = as_(team, "owner").patch(
        f"/api/v1/members/{team['ids']['owner']}", {"role": "member"}, format="json"
    )
    assert response.status_code == 200
    assert (
        Membership.objects.filter(
            organization_id=team["org"]["organization"]["id"], role="owner"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_a_member_may_leave_but_not_remove_others(team):
    other = as_(team, "m1").delete(f"/api/v1/members/{team['ids']['m2']}")
    assert other.status_code == 403
    assert as_(team, "m1").delete(f"/api/v1/members/{team['ids']['m1']}").status_code == 204
    assert not Membership.objects.filter(id=team["ids"]["m1"]).exists()


@pytest.mark.django_db
def test_invalid_role_is_a_field_error(team):
    response = as_(team, "owner").patch(
        f"/api/v1/members/{team['ids']['m1']}", {"role": "king"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["role"][0]["code"] == "invalid_choice"


@pytest.mark.django_db
def test_unknown_member_id_is_404(team):
    response = as_(team, "owner").delete("/api/v1/members/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and error_code(response) == "member_not_found"
