"""Tenant isolation of files, provisioning from accounts' event, the schema, the monthly subscription."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from config.celery import app as celery_app
from jobs.models import Job
from jobs.services import previous_month
from jobs.tasks import monthly_reports_task
from pocdex_shared.events.models import ProcessedEvent
from pocdex_shared.events.names import HANDLE_TASK
from pocdex_shared.storage import bucket_name
from pocdex_shared.tenancy.models import schema_name_for
from pocdex_shared.testing.celery import tasks_of_a_fresh_worker
from tenants.models import Tenant

from .conftest import error_code
from .helpers import queued_events, wait_for_job


@pytest.mark.slow
def test_files_live_in_the_organizations_bucket_and_outsiders_reach_neither_job_nor_file(
    worker, alice, outsider, add_poc
):
    add_poc(alice)
    created = alice.client.post(
        "/api/v1/reports", {"from": "2025-01-01", "to": "2025-12-31"}, format="json"
    ).json()
    job, _ = wait_for_job(alice, f"/api/v1/reports/{created['id']}")
    for entry in job["files"]:
        url = urlparse(entry["url"])
        assert url.path.startswith(f"/{bucket_name(alice.tenant.id)}/media/reports/{job['id']}/")
        expires = int(parse_qs(url.query)["Expires"][0])  # SigV2 locally (local/aws-config)
        assert 0 < expires - time.time() <= 300
    assert outsider.client.get(f"/api/v1/reports/{job['id']}").status_code == 404
    assert outsider.client.get("/api/v1/reports").json()["results"] == []
    # The same key in the outsider's own bucket holds nothing.
    pdf_key = f"media/reports/{job['id']}/report.pdf"
    tampered = job["files"][0]["url"].replace(
        bucket_name(alice.tenant.id), bucket_name(outsider.tenant.id)
    )
    assert requests.get(tampered, timeout=10).status_code in {403, 404}
    assert pdf_key in {urlparse(f["url"]).path.split("/", 2)[2] for f in job["files"]}


@pytest.mark.slow
def test_tenant_created_provisions_replica_and_schema_and_reports_back(worker, broker):
    tenant_id = str(uuid.uuid4())
    payload = {
        "id": tenant_id,
        "slug": f"nova-{tenant_id[:8]}",
        "schema_name": schema_name_for(tenant_id),
        "status": "provisioning",
        "plan": "free",
        "limits": {},
    }
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": "tenant.created",
        "producer": "accounts",
        "tenant_id": tenant_id,
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "payload": payload,
    }
    for _ in range(2):  # at least once: twice changes nothing
        celery_app.send_task(
            HANDLE_TASK, args=[envelope], queue="media.events", headers={"_schema_name": "public"}
        )
    from django.conf import settings

    from pocdex_shared.testing.celery import drain

    drain(settings.CELERY_BROKER_URL, queues=("media.events",), timeout=30)
    assert Tenant.objects.get(id=tenant_id).slug == payload["slug"]
    connection.set_schema_to_public()
    assert schema_exists(payload["schema_name"])
    with schema_context(payload["schema_name"]):
        assert Job.objects.count() == 0
    assert ProcessedEvent.objects.filter(event_id=envelope["id"]).count() == 1
    reports = [e for e in queued_events(broker) if e["topic"] == "tenant.provisioned"]
    assert [r["payload"] for r in reports] == [{"tenant_id": tenant_id, "service": "media"}]


@pytest.mark.django_db
def test_owners_subscribe_to_the_monthly_report_and_the_beat_task_requests_it_once(owner, alice):
    refused = alice.client.put("/api/v1/reports/subscription", {"language": "en"}, format="json")
    assert refused.status_code == 403 and error_code(refused) == "subscription_forbidden"
    assert alice.client.get("/api/v1/reports/subscription").status_code == 404
    response = owner.client.put(
        "/api/v1/reports/subscription", {"language": "pt-BR", "formats": ["pdf"]}, format="json"
    )
    assert response.status_code == 200 and response.json()["language"] == "pt-br"
    assert monthly_reports_task() >= 1
    assert monthly_reports_task() == 0  # same month, same key: no second job
    start, end = previous_month(dt.date.today())
    with owner.data():
        jobs = list(Job.objects.filter(requested_by=owner.id))
    assert len(jobs) == 1 and jobs[0].automatic and jobs[0].scope == "organization"
    assert jobs[0].params == {"from": start.isoformat(), "to": end.isoformat(), "formats": ["pdf"]}
    assert owner.client.delete("/api/v1/reports/subscription").status_code == 204
    assert owner.client.get("/api/v1/reports/subscription").status_code == 404


def test_previous_month_spans_the_whole_month_across_a_year():
    assert previous_month(dt.date(2026, 1, 1)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert previous_month(dt.date(2024, 3, 15)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


@pytest.mark.django_db
def test_the_openapi_schema_documents_every_public_route(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/reports",
        "/api/v1/reports/{job_id}",
        "/api/v1/reports/subscription",
        "/api/v1/videos",
        "/api/v1/videos/{job_id}",
    ):
        assert f"{path}:" in text, path
    assert client.get("/healthz").status_code == 200


def test_a_fresh_worker_process_registers_every_media_task():
    from pathlib import Path

    tasks = tasks_of_a_fresh_worker(
        Path(__file__).resolve().parent.parent, settings_module="config.settings_test"
    )
    assert {
        "media.render_report",
        "media.render_video",
        "media.monthly_reports",
        "pocdex.events.handle",
    } <= tasks
