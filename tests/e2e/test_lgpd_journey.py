"""An organization's data under the LGPD, across every service through the gateway.

An owner exports everything (one zip with every service's part and files, a
link by mail), deletes the organization (its tokens are refused everywhere),
restores it, deletes it again; the purge sweep then runs as if the grace
period were over (``lgpd_purge_due --at``: the clock is injected, nothing
waits 30 days) and the test finds nothing left anywhere: no schema in any
service's database, no public row naming the organization by id, no search
document, no bucket, and its tokens refused.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import psycopg
import requests
from botocore.exceptions import ClientError
from psycopg import sql

from .conftest import Gateway, Mailbox

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "pocs", "dojo", "media")
#: The one public row a purge keeps: that the organization was purged, without personal data.
KEPT = {("accounts", "lgpd_purgerecord", "organization_id")}


def db_url(service: str) -> str:
    default = f"postgres://pocdex:pocdex@127.0.0.1:54329/{service}"
    return os.environ.get(f"DATABASE_URL_{service.upper()}", default)


def s3() -> Any:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=os.environ.get("S3_ENDPOINT_URL", "http://127.0.0.1:19000"),
        region_name="us-east-1",
    )


def bucket(org_id: str) -> str:
    return os.environ.get("S3_BUCKET_PREFIX", "pocdex-t-") + uuid.UUID(org_id).hex


def wait_status(gateway: Gateway, path: str, token: str, status: int, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        response = gateway.get(path, token)
        if response.status_code == status or time.monotonic() > deadline:
            assert response.status_code == status, (path, response.status_code, response.text)
            return response
        time.sleep(0.2)


def login(gateway: Gateway, org: dict[str, Any]) -> str:
    response = gateway.post(
        "/api/v1/auth/token",
        {
            "organization": org["organization"]["slug"],
            "email": org["email"],
            "password": org["password"],
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access"])


def leftovers(org_id: str) -> list[str]:
    """Every trace of the organization in the services' databases."""
    found: list[str] = []
    schema = "t_" + uuid.UUID(org_id).hex
    for service in SERVICES:
        with psycopg.connect(db_url(service)) as conn:
            if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone():
                found.append(f"{service}: schema {schema}")
            columns = conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type = 'uuid'"
            ).fetchall()
            for table, column in columns:
                if (service, table, column) in KEPT:
                    continue
                query = sql.SQL("SELECT 1 FROM public.{} WHERE {} = %s LIMIT 1").format(
                    sql.Identifier(table), sql.Identifier(column)
                )
                row = conn.execute(query, [org_id]).fetchone()
                if row:
                    found.append(f"{service}: {table}.{column}")
    return found


def search_documents(org_id: str) -> int:
    url = os.environ.get("OPENSEARCH_URL", "http://127.0.0.1:19200").rstrip("/")
    requests.post(f"{url}/pocs*/_refresh", timeout=10)
    response = requests.post(
        f"{url}/pocs*/_count",
        json={"query": {"term": {"tenant_id": org_id}}},
        timeout=10,
    )
    response.raise_for_status()
    return int(response.json()["count"])


def bucket_exists(org_id: str) -> bool:
    try:
        s3().head_bucket(Bucket=bucket(org_id))
    except ClientError:
        return False
    return True


def purge_due(at: datetime) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "lgpd_purge_due", "--at", at.isoformat()],
        cwd=ROOT / "services" / "accounts",
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_export_delete_restore_and_purge_leave_nothing(gateway: Gateway, mailbox: Mailbox) -> None:
    org = gateway.signup()
    org_id = org["organization"]["id"]
    slug = org["organization"]["slug"]
    owner = org["tokens"]["access"]
    gateway.wait_active(owner)
    other = gateway.signup()
    stranger = other["tokens"]["access"]
    gateway.wait_active(stranger)

    # Content in every service: a POC with a tag (indexed), a file, a dojo, a media file.
    gateway.wait_served(owner, "/api/v1/pocs")
    poc = gateway.post("/api/v1/pocs", {"name": "Motor de regras LGPD", "tags": ["lgpd"]}, owner)
    assert poc.status_code == 201, poc.text
    gateway.wait_served(owner, "/api/v1/dojos")
    dojo = gateway.post(
        "/api/v1/dojos",
        {
            "title": "Kata LGPD",
            "kata": "# Kata",
            "language": "Python",
            "scheduled_at": "2030-01-01T19:00:00Z",
        },
        owner,
    )
    assert dojo.status_code == 201, dojo.text
    s3().put_object(
        Bucket=bucket(org_id), Key=f"pocs/{poc.json()['id']}/a/notes.txt", Body=b"poc file"
    )
    s3().put_object(Bucket=bucket(org_id), Key="media/reports/x/report.pdf", Body=b"%PDF")
    deadline = time.monotonic() + 30
    while search_documents(org_id) == 0:
        assert time.monotonic() < deadline, "the POC was never indexed"
        time.sleep(0.3)

    # ---- export
    started = gateway.post("/api/v1/organization/exports", None, owner)
    assert started.status_code == 202, started.text
    export_id = started.json()["id"]
    assert gateway.get(f"/api/v1/organization/exports/{export_id}", stranger).status_code == 404
    deadline = time.monotonic() + 120
    while True:
        export = gateway.get(f"/api/v1/organization/exports/{export_id}", owner).json()
        if export["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        assert 0 <= export["progress"] <= 100
        time.sleep(0.5)
    assert export["status"] == "completed" and export["progress"] == 100, export
    archive = requests.get(export["download_url"], timeout=30)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        names = set(zipped.namelist())
        parts = {s: json.loads(zipped.read(f"{s}/data.json"))["data"] for s in SERVICES}
    assert {f"pocs/files/pocs/{poc.json()['id']}/a/notes.txt"} <= names
    assert "media/files/media/reports/x/report.pdf" in names
    assert [p["fields"]["name"] for p in parts["pocs"]["registry.poc"]] == ["Motor de regras LGPD"]
    assert [d["fields"]["title"] for d in parts["dojo"]["dojos.dojo"]] == ["Kata LGPD"]
    assert parts["accounts"]["organization"]["slug"] == slug
    assert parts["media"]["jobs.job"] == []  # the model is exported, with no job yet
    mail = mailbox.wait_for(to=org["email"], subject_contains="export", timeout=30)
    assert "http" in mail["text"]

    # ---- delete, refused everywhere, restored by the owner only
    assert (
        gateway.post(
            "/api/v1/organization/deletion",
            {"password": org["password"], "confirmation": slug},
            stranger,
        ).json()["error"]["code"]
        == "confirmation_mismatch"
    )
    deleted = gateway.post(
        "/api/v1/organization/deletion",
        {"password": org["password"], "confirmation": slug},
        owner,
    )
    assert deleted.status_code == 202, deleted.text
    for path in ("/api/v1/pocs", "/api/v1/dojos", "/api/v1/reports", "/api/v1/members"):
        refused = wait_status(gateway, path, owner, 403)
        assert refused.json()["error"]["code"] == "tenant_suspended"
    wrong = gateway.post(
        "/api/v1/organization/restore",
        {"organization": slug, "email": other["email"], "password": other["password"]},
    )
    assert wrong.status_code == 401
    restored = gateway.post(
        "/api/v1/organization/restore",
        {"organization": slug, "email": org["email"], "password": org["password"]},
    )
    assert restored.status_code == 200, restored.text
    owner = login(gateway, org)
    wait_status(gateway, "/api/v1/pocs", owner, 200)

    # ---- delete again; the grace period ends; the purge reaches every service
    deleted = gateway.post(
        "/api/v1/organization/deletion",
        {"password": org["password"], "confirmation": slug},
        owner,
    )
    assert deleted.status_code == 202, deleted.text
    purge_after = datetime.fromisoformat(deleted.json()["purge_after"].replace("Z", "+00:00"))
    purge_due(purge_after - timedelta(seconds=1))
    assert leftovers(org_id) != []  # nothing happens before the grace period ends
    purge_due(purge_after + timedelta(seconds=1))
    deadline = time.monotonic() + 120
    while leftovers(org_id) or bucket_exists(org_id):
        assert time.monotonic() < deadline, (leftovers(org_id), bucket_exists(org_id))
        time.sleep(0.5)

    assert search_documents(org_id) == 0
    assert not bucket_exists(org_id)
    for path in ("/api/v1/pocs", "/api/v1/dojos", "/api/v1/reports", "/api/v1/members"):
        assert gateway.get(path, owner).status_code == 401, path
    gone = gateway.post(
        "/api/v1/organization/restore",
        {"organization": slug, "email": org["email"], "password": org["password"]},
    )
    assert gone.status_code == 401
    with psycopg.connect(db_url("accounts")) as conn:
        record = conn.execute(
            "SELECT services FROM lgpd_purgerecord WHERE organization_id = %s", [org_id]
        ).fetchone()
    assert record is not None and sorted(record[0]) == sorted(SERVICES)
    # The other organization is untouched.
    assert gateway.get("/api/v1/pocs", stranger).status_code == 200
