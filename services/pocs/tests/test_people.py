"""Display names of authors and contributors: the per-organization people directory."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from pocdex_shared.events.consumer import consume
from pocdex_shared.testing.tokens import access_token
from registry.models import Person

from .conftest import Member

pytestmark = pytest.mark.django_db


def _as(member: Member, name: str, *, tenant_id: uuid.UUID | None = None) -> APIClient:
    """The same person with another token: a new display name, or another organization."""
    token = access_token(
        tenant_id=tenant_id or member.tenant.id, subject=member.id, role=member.role, name=name
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_pocs_name_their_author_and_contributors(alice, bob, make_member, org, create_poc):
    carol = make_member(org, name="Carol Nunca Entrou")  # a token, but never calls pocs
    assert bob.client.get("/api/v1/pocs").status_code == 200  # bob has used pocs once
    poc = create_poc(alice, name="Cache distribuído", contributors=[str(bob.id), str(carol.id)])

    assert poc["author"] == {"id": str(alice.id), "name": "Alice Author"}
    assert poc["contributors"] == [str(bob.id), str(carol.id)]  # unchanged: ids
    assert poc["contributor_refs"] == [
        {"id": str(bob.id), "name": "Bob Colleague"},
        {"id": str(carol.id), "name": ""},
    ]
    listed = alice.client.get("/api/v1/pocs").json()["results"]
    assert listed[0]["contributor_refs"] == poc["contributor_refs"]

    # Carol shows up, Bob changes his name in accounts: the next calls carry it.
    assert carol.client.get(f"/api/v1/pocs/{poc['id']}").status_code == 200
    assert _as(bob, "Roberto Colleague").get("/api/v1/pocs").status_code == 200
    detail = alice.client.get(f"/api/v1/pocs/{poc['id']}").json()
    assert detail["contributor_refs"] == [
        {"id": str(bob.id), "name": "Roberto Colleague"},
        {"id": str(carol.id), "name": "Carol Nunca Entrou"},
    ]


def test_the_directory_is_per_organization(alice, bob, outsider, create_poc):
    poc = create_poc(alice, name="Busca", contributors=[str(bob.id)])
    bob.client.get("/api/v1/pocs")
    # The same person, known by another name in another organization.
    elsewhere = _as(bob, "Bob de Fora", tenant_id=outsider.tenant.id)
    assert elsewhere.get("/api/v1/pocs").status_code == 200
    with alice.data():
        assert Person.objects.get(id=bob.id).name == "Bob Colleague"
    with outsider.data():
        assert Person.objects.get(id=bob.id).name == "Bob de Fora"
        assert not Person.objects.filter(id=alice.id).exists()
    detail = alice.client.get(f"/api/v1/pocs/{poc['id']}").json()
    assert detail["contributor_refs"] == [{"id": str(bob.id), "name": "Bob Colleague"}]


def test_a_removed_member_keeps_their_name_and_is_marked_until_they_return(
    alice, bob, outsider, create_poc
):
    poc = create_poc(alice, name="Filas", contributors=[str(bob.id)])
    bob.client.get("/api/v1/pocs")
    outsider.client.get("/api/v1/pocs")
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": "member.removed",
        "producer": "accounts",
        "tenant_id": str(alice.tenant.id),
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "payload": {"user_id": str(bob.id), "tenant_id": str(alice.tenant.id)},
    }
    assert consume(envelope) is True
    assert consume(envelope) is False  # a redelivery changes nothing
    with alice.data():
        removed = Person.objects.get(id=bob.id)
    assert removed.name == "Bob Colleague"
    assert removed.removed_at is not None and removed.removed_at.isoformat().startswith(
        "2026-11-20T10:00"
    )
    with outsider.data():
        assert Person.objects.get(id=outsider.id).removed_at is None
    detail = alice.client.get(f"/api/v1/pocs/{poc['id']}").json()
    assert detail["contributor_refs"] == [{"id": str(bob.id), "name": "Bob Colleague"}]

    bob.client.get("/api/v1/pocs")  # invited again, and back
    with alice.data():
        assert Person.objects.get(id=bob.id).removed_at is None


def test_an_event_for_an_organization_pocs_does_not_know_is_ignored():
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": "member.removed",
        "producer": "accounts",
        "tenant_id": str(uuid.uuid4()),
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "payload": {"user_id": str(uuid.uuid4()), "tenant_id": str(uuid.uuid4())},
    }
    assert consume(envelope) is True
