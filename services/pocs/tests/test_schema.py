"""The OpenAPI schema is the contract the mobile apps build on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from pocdex_shared.testing.celery import tasks_of_a_fresh_worker


@pytest.mark.django_db
def test_openapi_schema_generates_without_warnings_and_lists_every_route(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--fail-on-warn", "--validate")
    schema = yaml.safe_load(target.read_text())
    assert {
        "/api/v1/pocs",
        "/api/v1/pocs/deleted",
        "/api/v1/pocs/{poc_id}",
        "/api/v1/pocs/{poc_id}/restore",
        "/api/v1/pocs/{poc_id}/attachments",
        "/api/v1/pocs/{poc_id}/attachments/{attachment_id}",
        "/api/v1/pocs/{poc_id}/attachments/{attachment_id}/complete",
        "/api/v1/languages",
        "/api/v1/tags",
    } <= set(schema["paths"])
    listing = schema["paths"]["/api/v1/pocs"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "status",
        "language",
        "tag",
        "author",
        "visibility",
        "created_from",
        "created_to",
        "ordering",
        "cursor",
        "limit",
    }
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # Internal routes are documented as accounts' are, with the service scheme only.
    internal = {
        "/internal/v1/tenants/{tenant_id}/pocs": "get",
        "/internal/v1/tenants/{tenant_id}/pocs/{poc_id}/learnings": "post",
    }
    for path, method in internal.items():
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"serviceAuth": []}]
    assert schema["components"]["securitySchemes"]["serviceAuth"]["scheme"] == "bearer"
    detail = schema["components"]["schemas"]["Poc"]["properties"]
    assert {"author", "contributors", "contributor_refs"} <= set(detail)


def test_docs_page_behind_the_gateway_fetches_the_public_schema_path(client):
    proxied = client.get("/api/docs", HTTP_X_FORWARDED_PREFIX="/api/docs/pocs").content.decode()
    assert "/api/schema/pocs" in proxied


def test_a_fresh_worker_process_registers_every_task_pocs_sends():
    tasks = tasks_of_a_fresh_worker(
        Path(__file__).resolve().parent.parent, settings_module="config.settings_test"
    )
    assert {"pocdex.events.handle", "pocdex.events.relay"} <= tasks
    assert {"search.sync_poc", "search.catch_up"} <= tasks
    assert {"registry.purge_deleted_pocs", "registry.remove_abandoned_uploads"} <= tasks
