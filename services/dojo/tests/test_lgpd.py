"""dojo's part of the LGPD: its export part (internal API) and its purge on ``tenant.purged``."""

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
from tenants.models import Tenant


def export_part(tenant_id: Any, export_id: uuid.UUID, service: str) -> Any:
    api = APIClient()
    token = service_token(service=service, audience="pocdex-dojo")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.post(f"/internal/v1/tenants/{tenant_id}/exports/{export_id}")


def test_the_export_part_holds_the_organizations_dojos_only(
    org: Any, ana: Any, outsider: Any, create_dojo: Callable[..., dict[str, Any]]
) -> None:
    create_dojo(ana, title="Kata do boliche")
    create_dojo(outsider, title="Kata de outra empresa")
    export_id = uuid.uuid4()
    assert export_part(org.id, export_id, "media").status_code == 403
    answer = export_part(org.id, export_id, "accounts")
    assert answer.status_code == 200, answer.content
    body = storage.s3_client().get_object(
        Bucket=storage.bucket_name(org.id), Key=f"exports/{export_id}/dojo/data.json"
    )["Body"]
    part = json.loads(body.read())
    assert [d["fields"]["title"] for d in part["data"]["dojos.dojo"]] == ["Kata do boliche"]
    assert "outra empresa" not in json.dumps(part)
    storage.purge_prefix(org.id, "exports/")
    storage.delete_bucket_if_empty(org.id)


def test_the_purge_drops_the_schema_and_the_replica_and_confirms(
    org: Any, outsider: Any, create_dojo: Callable[..., dict[str, Any]], ana: Any
) -> None:
    create_dojo(ana, title="Vai sumir")
    envelope = {"id": str(uuid.uuid4()), "payload": {"tenant_id": str(org.id)}}
    on_tenant_purged(envelope)
    on_tenant_purged(envelope)
    connection.set_schema_to_public()
    assert not schema_exists(org.schema_name)
    assert not Tenant.objects.filter(id=org.id).exists()
    assert not OutboxEvent.objects.filter(tenant_id=org.id).exists()
    other = outsider.tenant
    assert schema_exists(other.schema_name) and Tenant.objects.filter(id=other.id).exists()
    confirmed = OutboxEvent.objects.filter(topic=TENANT_PURGE_CONFIRMED)
    assert [e.payload for e in confirmed] == [
        {"tenant_id": str(org.id), "service": "dojo"},
        {"tenant_id": str(org.id), "service": "dojo"},
    ]
