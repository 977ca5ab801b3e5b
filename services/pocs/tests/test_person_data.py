"""pocs' part of a person's own data (ADR 0047): their export part and their anonymization."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from pocdex_shared import storage
from pocdex_shared.person_data import on_person_deleted
from pocdex_shared.testing.tenants import Member
from pocdex_shared.testing.tokens import access_token, service_token
from registry.models import Attachment, AttachmentState, Person, Poc
from search.client import alias, client
from tenants.models import Tenant


def person_part(tenant_id: Any, person_id: Any, token: str) -> Any:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.post(f"/internal/v1/tenants/{tenant_id}/people/{person_id}/export")


def accounts_token() -> str:
    return service_token(service="accounts", audience="pocdex-pocs")


def same_person_in(tenant: Tenant, member: Member) -> Member:
    """The same person (same id and name) as a member of another organization."""
    token = access_token(tenant_id=tenant.id, subject=member.id, role="member", name=member.name)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return Member(
        tenant=tenant, id=member.id, role="member", name=member.name, token=token, client=api
    )


def attach(member: Member, poc_id: str, body: bytes) -> str:
    key = f"pocs/{poc_id}/{uuid.uuid4()}/notes.txt"
    storage.ensure_bucket(member.tenant.id)
    storage.s3_client().put_object(Bucket=storage.bucket_name(member.tenant.id), Key=key, Body=body)
    with member.data():
        Attachment.objects.create(
            poc_id=poc_id,
            filename="notes.txt",
            content_type="text/plain",
            size=len(body),
            key=key,
            state=AttachmentState.READY,
            uploaded_by=member.id,
        )
    return key


def test_the_part_holds_what_the_person_did_in_that_organization_only(
    org: Tenant,
    alice: Member,
    bob: Member,
    outsider: Member,
    create_poc: Callable[..., dict[str, Any]],
) -> None:
    mine = create_poc(alice, name="Motor de regras")
    key = attach(alice, mine["id"], b"hello")
    create_poc(bob, name="Do Bob")
    alice_elsewhere = same_person_in(outsider.tenant, alice)
    create_poc(alice_elsewhere, name="Em outra organizacao")

    refused = person_part(org.id, alice.id, service_token(service="media", audience="pocdex-pocs"))
    assert refused.status_code == 403
    answer = person_part(org.id, alice.id, accounts_token())

    assert answer.status_code == 200, answer.content
    part = answer.json()
    assert part["service"] == "pocs" and part["person_id"] == str(alice.id)
    assert [p["fields"]["name"] for p in part["data"]["pocs"]] == ["Motor de regras"]
    assert [a["fields"]["key"] for a in part["data"]["attachments"]] == [key]
    assert [p["fields"]["name"] for p in part["data"]["person"]] == [alice.name]
    assert part["files"] == [key]
    elsewhere = person_part(outsider.tenant.id, alice.id, accounts_token()).json()
    assert [p["fields"]["name"] for p in elsewhere["data"]["pocs"]] == ["Em outra organizacao"]
    assert elsewhere["files"] == []
    nobody = person_part(org.id, uuid.uuid4(), accounts_token()).json()
    assert nobody["data"]["pocs"] == [] and nobody["files"] == []
    unknown = person_part(uuid.uuid4(), alice.id, accounts_token())
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "tenant_not_found"


def search_hits(text: str) -> int:
    client().indices.refresh(index=alias())
    body = {"query": {"multi_match": {"query": text, "fields": ["author_name"]}}}
    return int(client().count(index=alias(), body=body)["count"])


def test_person_deleted_anonymizes_their_pocs_in_every_organization(
    indexed: Callable[[], None],
    org: Tenant,
    alice: Member,
    bob: Member,
    outsider: Member,
    create_poc: Callable[..., dict[str, Any]],
) -> None:
    alice.name = "Alice Qwertyuiop"
    alice = same_person_in(org, alice)
    mine = create_poc(alice, name="Motor de regras")
    shared = create_poc(bob, name="Do Bob")
    with bob.data():
        Poc.objects.filter(id=shared["id"]).update(contributors=[alice.id, bob.id])
    elsewhere = create_poc(same_person_in(outsider.tenant, alice), name="Fora")
    theirs = create_poc(outsider, name="Do Otto")
    indexed()
    assert search_hits("Qwertyuiop") == 2

    envelope = {
        "id": str(uuid.uuid4()),
        "payload": {"person_id": str(alice.id), "names": {str(org.id): "Deleted person"}},
    }
    on_person_deleted(envelope)
    on_person_deleted(envelope)  # a repeated delivery changes nothing more
    indexed()

    with alice.data():
        poc = Poc.objects.get(id=mine["id"])
        assert poc.author_name == "Deleted person" and poc.name == "Motor de regras"
        assert Poc.objects.get(id=shared["id"]).contributors == [bob.id]
        assert Poc.objects.get(id=shared["id"]).author_name == bob.name
        assert Person.objects.get(id=alice.id).name == "Deleted person"
        assert Person.objects.get(id=bob.id).name == bob.name
    with outsider.data():
        # An organization accounts did not name gets the default language's name.
        assert Poc.objects.get(id=elsewhere["id"]).author_name == "Pessoa excluída"
        assert Poc.objects.get(id=theirs["id"]).author_name == outsider.name
    assert search_hits("Qwertyuiop") == 0
    assert search_hits("Deleted person") >= 1
