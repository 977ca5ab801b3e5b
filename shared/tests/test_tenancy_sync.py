"""``sync_tenants``: a replica service catches up with every organization accounts knows.

Accounts' side of the contract (service tokens, ``/internal/v1/tenants``) has
its own tests in services/accounts; here a small HTTP server plays it, so the
command runs its real HTTP calls, pagination and provisioning.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tenants.utils import schema_exists

from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.tenancy.models import schema_name_for
from tests.tenantapp.models import TenantReplica

pytestmark = pytest.mark.django_db


def payload(slug: str, status: str) -> dict[str, Any]:
    tenant_id = str(uuid.uuid4())
    return {
        "id": tenant_id,
        "slug": slug,
        "schema_name": schema_name_for(tenant_id),
        "status": status,
        "plan": "free",
        "limits": {},
    }


class FakeAccounts(BaseHTTPRequestHandler):
    tenants: list[dict[str, Any]] = []
    calls: list[tuple[str, str]] = []

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        self.calls.append(("token", request["audience"]))
        if request != {
            "client": "shared-tests",
            "secret": "shared-tests-client-secret",
            "audience": "accounts",
        }:
            self._send(401, {"error": {"code": "invalid_client", "message": "no"}})
            return
        self._send(200, {"access": "service-token-for-accounts", "expires_in": 300})

    def do_GET(self) -> None:
        self.calls.append(("list", self.headers.get("Authorization", "")))
        if self.headers.get("Authorization") != "Bearer service-token-for-accounts":
            self._send(401, {"error": {"code": "not_authenticated", "message": "no"}})
            return
        query = parse_qs(urlsplit(self.path).query)
        start = int(query.get("cursor", ["0"])[0])
        page = self.tenants[start : start + 2]
        more = start + 2 < len(self.tenants)
        self._send(200, {"results": page, "next": str(start + 2) if more else None})


@pytest.fixture
def accounts(drop_tenant_schemas: None) -> Iterator[type[FakeAccounts]]:
    FakeAccounts.tenants = [
        payload("sync-a", "active"),
        payload("sync-b", "provisioning"),
        payload("sync-c", "suspended"),
    ]
    FakeAccounts.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAccounts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with override_settings(ACCOUNTS_URL=f"http://127.0.0.1:{server.server_port}"):
        yield FakeAccounts
    server.shutdown()


def test_sync_creates_every_missing_replica_with_its_schema_and_reports_the_provisioning_ones(
    accounts: type[FakeAccounts],
) -> None:
    call_command("sync_tenants")

    replicas = {t.slug: t for t in TenantReplica.objects.filter(slug__startswith="sync-")}
    assert {slug: t.status for slug, t in replicas.items()} == {
        "sync-a": "active",
        "sync-b": "provisioning",
        "sync-c": "suspended",
    }
    assert all(schema_exists(t.schema_name) for t in replicas.values())
    reports = OutboxEvent.objects.filter(topic="tenant.provisioned")
    assert [r.payload["tenant_id"] for r in reports] == [str(replicas["sync-b"].id)]
    assert ("token", "accounts") in accounts.calls
    assert [c for c in accounts.calls if c[0] == "list"] == [
        ("list", "Bearer service-token-for-accounts")
    ] * 2


def test_sync_is_idempotent_and_applies_status_changes(accounts: type[FakeAccounts]) -> None:
    call_command("sync_tenants")
    accounts.tenants[0] = {**accounts.tenants[0], "status": "suspended"}
    call_command("sync_tenants")
    assert TenantReplica.objects.filter(slug__startswith="sync-").count() == 3
    assert TenantReplica.objects.get(slug="sync-a").status == "suspended"
