"""A valid token of an organization this service has not heard of yet is served, not refused.

Right after signup (or an activation) the events that tell a replica service
about the organization may still be on their way. On a miss, or a replica still
``provisioning``, the service asks accounts (``GET /internal/v1/tenants/<id>``
with a service token), adopts the replica with its schema, and serves; what it
cannot serve yet is a 503 ``tenant_not_ready`` with ``Retry-After``, never a 401.
A small HTTP server plays accounts' side of the contract.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client, override_settings
from django_tenants.utils import schema_exists

from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
from pocdex_shared.tenancy.provisioning import adopt_replica
from pocdex_shared.tenancy.resolution import forget_tenant
from tests.conftest import MakeTenant
from tests.keys import access_token, bearer
from tests.tenantapp.models import TenantReplica

pytestmark = pytest.mark.django_db
NOTES = "/tenancy/notes"
SERVICE_TOKEN = "service-token-for-accounts"


class FakeAccounts(BaseHTTPRequestHandler):
    tenants: dict[str, dict[str, Any]] = {}
    lookups: list[str] = []
    failing = False

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
        self.rfile.read(int(self.headers["Content-Length"]))
        self._send(200, {"access": SERVICE_TOKEN, "expires_in": 300})

    def do_GET(self) -> None:
        tenant_id = self.path.rsplit("/", 1)[-1]
        self.lookups.append(tenant_id)
        if self.headers.get("Authorization") != f"Bearer {SERVICE_TOKEN}":
            self._send(401, {"error": {"code": "not_authenticated", "message": "no"}})
        elif self.failing:
            self._send(500, {"error": {"code": "internal_error", "message": "down"}})
        elif tenant_id in self.tenants:
            self._send(200, self.tenants[tenant_id])
        else:
            self._send(404, {"error": {"code": "tenant_not_found", "message": "no"}})


@pytest.fixture
def accounts(drop_tenant_schemas: None) -> Iterator[type[FakeAccounts]]:
    FakeAccounts.tenants, FakeAccounts.lookups, FakeAccounts.failing = {}, [], False
    forget_tenant()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAccounts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with override_settings(
        ACCOUNTS_URL=f"http://127.0.0.1:{server.server_port}", TENANT_LOOKUP_FROM_ACCOUNTS=True
    ):
        yield FakeAccounts
    server.shutdown()
    forget_tenant()


def known_to_accounts(accounts: type[FakeAccounts], slug: str, status: str) -> str:
    tenant_id = str(uuid.uuid4())
    accounts.tenants[tenant_id] = {
        "id": tenant_id,
        "slug": slug,
        "schema_name": schema_name_for(tenant_id),
        "status": status,
        "plan": "free",
        "limits": {},
    }
    return tenant_id


def error(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.content)["error"])


def test_an_active_organization_no_event_announced_yet_is_served_at_once(
    accounts: type[FakeAccounts],
) -> None:
    tenant_id = known_to_accounts(accounts, "brand-new", TenantStatus.ACTIVE)

    response = Client().get(NOTES, **bearer(access_token(tenant_id=tenant_id)))

    assert response.status_code == 200
    assert response.json()["schema"] == schema_name_for(tenant_id)
    replica = TenantReplica.objects.get(id=tenant_id)
    assert (replica.slug, replica.status) == ("brand-new", TenantStatus.ACTIVE)
    assert schema_exists(replica.schema_name)
    # Adopted once: the next call is served from the replica.
    assert Client().get(NOTES, **bearer(access_token(tenant_id=tenant_id))).status_code == 200
    assert accounts.lookups == [tenant_id]


def test_a_replica_still_provisioning_is_served_once_accounts_says_active(
    accounts: type[FakeAccounts], make_tenant: MakeTenant
) -> None:
    replica = make_tenant("activating", status=TenantStatus.PROVISIONING)
    accounts.tenants[str(replica.id)] = {**replica.replica_payload(), "status": "active"}

    response = Client().get(NOTES, **bearer(access_token(tenant_id=replica.id)))

    assert response.status_code == 200
    assert TenantReplica.objects.get(id=replica.id).status == TenantStatus.ACTIVE


def test_an_organization_accounts_still_provisions_is_a_retryable_503_not_a_401(
    accounts: type[FakeAccounts],
) -> None:
    tenant_id = known_to_accounts(accounts, "not-yet", TenantStatus.PROVISIONING)

    response = Client().get(NOTES, **bearer(access_token(tenant_id=tenant_id)))

    assert response.status_code == 503
    assert error(response)["code"] == "tenant_not_ready"
    assert response["Retry-After"] == "1"
    assert "WWW-Authenticate" not in response
    assert not TenantReplica.objects.filter(id=tenant_id).exists()


def test_accounts_unreachable_is_a_retryable_503_not_a_401(
    accounts: type[FakeAccounts],
) -> None:
    accounts.failing = True
    tenant_id = known_to_accounts(accounts, "no-answer", TenantStatus.ACTIVE)

    response = Client().get(NOTES, **bearer(access_token(tenant_id=tenant_id)))

    assert response.status_code == 503
    assert error(response)["code"] == "tenant_not_ready"
    assert response["Retry-After"] == "1"


def test_an_organization_accounts_does_not_know_is_unknown_and_asked_about_once(
    accounts: type[FakeAccounts],
) -> None:
    tenant_id = str(uuid.uuid4())
    for _ in range(3):
        response = Client().get(NOTES, **bearer(access_token(tenant_id=tenant_id)))
        assert response.status_code == 401
        assert error(response)["code"] == "tenant_unknown"
    # The negative answer is kept for a while: tokens naming it cost accounts one call.
    assert accounts.lookups == [tenant_id]


def test_a_suspended_replica_is_refused_without_asking_accounts(
    accounts: type[FakeAccounts], make_tenant: MakeTenant
) -> None:
    replica = make_tenant("stopped", status=TenantStatus.SUSPENDED)
    accounts.tenants[str(replica.id)] = {**replica.replica_payload(), "status": "active"}

    response = Client().get(NOTES, **bearer(access_token(tenant_id=replica.id)))

    assert response.status_code == 403 and error(response)["code"] == "tenant_suspended"
    assert accounts.lookups == []


def test_an_answer_of_accounts_never_undoes_a_status_an_event_already_applied(
    make_tenant: MakeTenant,
) -> None:
    # An "active" read before a suspension, applied after the suspension's event.
    replica = make_tenant("suspended-meanwhile", status=TenantStatus.SUSPENDED)
    adopted = adopt_replica({**replica.replica_payload(), "status": "active"})
    assert adopted.status == TenantStatus.SUSPENDED
    assert TenantReplica.objects.get(id=replica.id).status == TenantStatus.SUSPENDED


def test_a_reactivation_made_elsewhere_is_seen_at_the_next_call(
    make_tenant: MakeTenant,
) -> None:
    forget_tenant()
    replica = make_tenant("reactivated", status=TenantStatus.SUSPENDED)
    headers = bearer(access_token(tenant_id=replica.id))
    assert Client().get(NOTES, **headers).status_code == 403
    # Another process applies tenant.updated: no signal reaches this one.
    TenantReplica.objects.filter(pk=replica.pk).update(status=TenantStatus.ACTIVE)
    assert Client().get(NOTES, **headers).status_code == 200
