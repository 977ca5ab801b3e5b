"""pocs' part of the LGPD: its export part (internal API) and its purge on ``tenant.purged``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connection
from django_tenants.utils import schema_exists
from rest_framework.test import APIClient

from pocdex_shared import storage
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.lgpd import TENANT_PURGE_CONFIRMED, on_tenant_purged
from pocdex_shared.testing.tokens import service_token
from search.client import alias, client
from search.models import PendingDocument
from search.sync import record_pending
from tenants.models import Tenant


def export_part(tenant_id: Any, export_id: uuid.UUID, token: str) -> Any:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.post(f"/internal/v1/tenants/{tenant_id}/exports/{export_id}")


def read_json(tenant_id: Any, key: str) -> Any:
    body = storage.s3_client().get_object(Bucket=storage.bucket_name(tenant_id), Key=key)["Body"]
    return json.loads(body.read())


def count_documents(tenant_id: Any) -> int:
    client().indices.refresh(index=alias())
    answer = client().count(index=alias(), body={"query": {"term": {"tenant_id": str(tenant_id)}}})
    return int(answer["count"])


def test_the_export_part_holds_the_organizations_pocs_and_files_only(
    org: Tenant, alice: Any, outsider: Any, create_poc: Callable[..., dict[str, Any]]
) -> None:
    mine = create_poc(alice, name="Motor de regras", tags=["rules"])
    theirs = create_poc(outsider, name="Outro segredo")
    storage.ensure_bucket(org.id)
    storage.s3_client().put_object(
        Bucket=storage.bucket_name(org.id), Key=f"pocs/{mine['id']}/a/notes.txt", Body=b"hello"
    )
    export_id = uuid.uuid4()

    refused = export_part(org.id, export_id, service_token(service="media", audience="pocdex-pocs"))
    assert refused.status_code == 403
    answer = export_part(
        org.id, export_id, service_token(service="accounts", audience="pocdex-pocs")
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["files"] == 1

    part = read_json(org.id, f"exports/{export_id}/pocs/data.json")
    names = [row["fields"]["name"] for row in part["data"]["registry.poc"]]
    assert names == ["Motor de regras"]
    assert theirs["name"] not in json.dumps(part)
    assert [t["fields"]["slug"] for t in part["data"]["registry.tag"]] == ["rules"]
    assert "integrations.webhooksecret" not in part["data"]
    copied = storage.s3_client().get_object(
        Bucket=storage.bucket_name(org.id),
        Key=f"exports/{export_id}/pocs/files/pocs/{mine['id']}/a/notes.txt",
    )
    assert copied["Body"].read() == b"hello"

    unknown = export_part(
        uuid.uuid4(), export_id, service_token(service="accounts", audience="pocdex-pocs")
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "tenant_not_found"


def test_the_purge_leaves_nothing_of_the_organization_and_confirms(
    indexed: Callable[[], None],
    org: Tenant,
    alice: Any,
    outsider: Any,
    create_poc: Callable[..., dict[str, Any]],
) -> None:
    create_poc(alice, name="Vai sumir")
    create_poc(outsider, name="Fica")
    indexed()
    other_id = outsider.tenant.id
    assert count_documents(org.id) == 1
    storage.ensure_bucket(org.id)
    storage.s3_client().put_object(
        Bucket=storage.bucket_name(org.id), Key="pocs/x/y/file.bin", Body=b"1"
    )
    record_pending(tenant_id=org.id, schema_name=org.schema_name, poc_id=uuid.uuid4())

    envelope = {"id": str(uuid.uuid4()), "payload": {"tenant_id": str(org.id)}}
    on_tenant_purged(envelope)
    on_tenant_purged(envelope)  # at least once: a second delivery finds nothing to do

    connection.set_schema_to_public()
    assert not schema_exists(org.schema_name)
    assert not Tenant.objects.filter(id=org.id).exists()
    assert not PendingDocument.objects.filter(tenant_id=org.id).exists()
    assert not OutboxEvent.objects.filter(tenant_id=org.id).exists()
    assert count_documents(org.id) == 0
    assert count_documents(other_id) == 1
    assert Tenant.objects.filter(id=other_id).exists()
    try:
        storage.s3_client().head_bucket(Bucket=storage.bucket_name(org.id))
        bucket_left = True
    except Exception:
        bucket_left = False
    assert not bucket_left
    confirmations = OutboxEvent.objects.filter(topic=TENANT_PURGE_CONFIRMED)
    assert {e.payload["tenant_id"] for e in confirmations} == {str(org.id)}
    assert all(e.payload["service"] == "pocs" and e.tenant_id is None for e in confirmations)
