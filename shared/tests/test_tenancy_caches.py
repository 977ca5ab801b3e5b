"""The short per-process caches on the hot path: verified tokens and tenant rows.

They must serve repeated calls without the database or the signature check,
yet honour a change made in the same process at once and one made elsewhere
within their TTL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pocdex_shared.tenancy import resolution, tokencache
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.resolution import forget_tenant
from pocdex_shared.tenancy.tokencache import forget_verified_tokens, verify_access_token
from tests.conftest import MakeTenant
from tests.keys import access_token, bearer

pytestmark = pytest.mark.django_db
NOTES = "/tenancy/notes"


class ManualClock:
    """The caches' clock, moved by hand: expiry without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    manual = ManualClock()
    monkeypatch.setattr(resolution._cache, "clock", manual)
    monkeypatch.setattr(tokencache._entries, "clock", manual)
    return manual


@pytest.fixture(autouse=True)
def _empty_caches() -> Any:
    forget_tenant()
    forget_verified_tokens()
    yield
    forget_tenant()
    forget_verified_tokens()


def error_code(response: Any) -> str:
    return str(json.loads(response.content)["error"]["code"])


def test_a_repeated_call_reads_the_tenant_row_from_memory(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("cached-org")
    headers = bearer(access_token(tenant_id=tenant.id))
    Client().get(NOTES, **headers)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(NOTES, **headers).status_code == 200
    tenant_queries = [q for q in queries.captured_queries if "tenantapp_tenantreplica" in q["sql"]]
    assert tenant_queries == []


def test_suspension_saved_in_this_process_applies_at_once(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("suspend-now")
    headers = bearer(access_token(tenant_id=tenant.id))
    assert Client().get(NOTES, **headers).status_code == 200
    tenant.status = TenantStatus.SUSPENDED
    tenant.save(update_fields=["status"])
    response = Client().get(NOTES, **headers)
    assert response.status_code == 403 and error_code(response) == "tenant_suspended"


def test_suspension_made_elsewhere_applies_within_the_ttl(
    make_tenant: MakeTenant, settings: Any, clock: ManualClock
) -> None:
    settings.TENANT_CACHE_SECONDS = 0.5
    tenant = make_tenant("suspend-elsewhere")
    headers = bearer(access_token(tenant_id=tenant.id))
    assert Client().get(NOTES, **headers).status_code == 200
    # Another process: an UPDATE that sends no signal to this one.
    type(tenant).objects.filter(pk=tenant.pk).update(status=TenantStatus.SUSPENDED)
    assert Client().get(NOTES, **headers).status_code == 200
    clock.now += 0.5
    response = Client().get(NOTES, **headers)
    assert response.status_code == 403 and error_code(response) == "tenant_suspended"


def test_a_verified_token_is_remembered_but_never_past_its_expiry(
    make_tenant: MakeTenant, clock: ManualClock
) -> None:
    tenant = make_tenant("short-token")
    raw = access_token(tenant_id=tenant.id, ttl=2)
    first = verify_access_token(raw)
    clock.now += 1.0
    assert verify_access_token(raw) is first
    clock.now += 1.0
    # Past "exp" the cache stops answering: the verifier judges again (with its leeway).
    assert verify_access_token(raw) is not first


def test_failures_are_not_remembered() -> None:
    for _ in range(2):
        with pytest.raises(Exception) as refused:
            verify_access_token("not.a.token")
        assert getattr(refused.value, "code", None) == "token_malformed"


def test_a_tenant_still_provisioning_is_never_served_from_memory(
    make_tenant: MakeTenant, settings: Any
) -> None:
    settings.TENANT_ALLOWED_STATUSES = ("active", "provisioning")
    tenant = make_tenant("becoming-active", status=TenantStatus.PROVISIONING)
    headers = bearer(access_token(tenant_id=tenant.id))
    assert Client().get(NOTES, **headers).status_code == 200
    # Changed by another process (no signal here): seen on the very next call.
    type(tenant).objects.filter(pk=tenant.pk).update(status=TenantStatus.SUSPENDED)
    response = Client().get(NOTES, **headers)
    assert response.status_code == 403 and error_code(response) == "tenant_suspended"
