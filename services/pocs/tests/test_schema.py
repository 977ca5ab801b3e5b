"""The OpenAPI schema is the contract the mobile apps build on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command


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


def test_docs_page_behind_the_gateway_fetches_the_public_schema_path(client):
    proxied = client.get("/api/docs", HTTP_X_FORWARDED_PREFIX="/api/docs/pocs").content.decode()
    assert "/api/schema/pocs" in proxied


def test_a_fresh_worker_process_registers_the_event_tasks():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings_test');"
        "django.setup();"
        "from config.celery import app; app.loader.import_default_modules();"
        "print(sorted(n for n in app.tasks if not n.startswith('celery.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    for task in ("pocdex.events.handle", "pocdex.events.relay"):
        assert f"'{task}'" in result.stdout, result.stdout
