"""A new organization arrives as accounts' ``tenant.created`` event and is provisioned by the worker."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from config.celery import app as celery_app
from pocdex_shared.events.models import ProcessedEvent
from pocdex_shared.events.names import HANDLE_TASK
from pocdex_shared.storage import bucket_name, s3_client
from pocdex_shared.tenancy.models import schema_name_for
from registry.models import Poc
from tenants.models import Tenant


def _envelope(topic: str, payload: dict) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "topic": topic,
        "producer": "accounts",
        "tenant_id": payload["id"],
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "payload": payload,
    }


def _send(envelope: dict) -> None:
    """As accounts' outbox relay does: the named task on pocs' event queue."""
    celery_app.send_task(
        HANDLE_TASK, args=[envelope], queue="pocs.events", headers={"_schema_name": "public"}
    )


def _wait(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _reports(broker) -> list[dict]:
    found = []
    for raw in broker.lrange("accounts.events", 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        found.append(body[0][0])
    return found


@pytest.mark.slow
def test_tenant_created_provisions_replica_schema_and_bucket_and_reports_back(worker, broker):
    tenant_id = str(uuid.uuid4())
    payload = {
        "id": tenant_id,
        "slug": f"nova-{tenant_id[:8]}",
        "schema_name": schema_name_for(tenant_id),
        "status": "provisioning",
        "plan": "team",
        "limits": {},
    }
    envelope = _envelope("tenant.created", payload)
    _send(envelope)
    _wait(lambda: ProcessedEvent.objects.filter(event_id=envelope["id"]).exists())

    tenant = Tenant.objects.get(id=tenant_id)
    assert (tenant.slug, tenant.status, tenant.plan) == (payload["slug"], "provisioning", "team")
    connection.set_schema_to_public()
    assert schema_exists(tenant.schema_name)
    with schema_context(tenant.schema_name):
        assert Poc.objects.count() == 0
    s3_client().head_bucket(Bucket=bucket_name(tenant_id))

    _wait(lambda: any(r["topic"] == "tenant.provisioned" for r in _reports(broker)))
    report = next(r for r in _reports(broker) if r["topic"] == "tenant.provisioned")
    assert report["payload"] == {"tenant_id": tenant_id, "service": "pocs"}

    # Delivered twice (at least once): nothing changes, no second report.
    _send(envelope)
    _send(_envelope("tenant.updated", {**payload, "status": "active"}))
    _wait(lambda: Tenant.objects.get(id=tenant_id).status == "active")
    assert ProcessedEvent.objects.filter(event_id=envelope["id"]).count() == 1
    assert sum(r["topic"] == "tenant.provisioned" for r in _reports(broker)) == 1
