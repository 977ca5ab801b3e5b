"""Fixtures over the real stack: PostgreSQL, and Redis databases 6, 7 and 8.

Organizations are tenant replicas provisioned as the ``tenant.created`` handler
does; members are access tokens minted with the tests' key (``pocdex_shared.testing.tokens``).
WebSocket tests drive the real consumer through the real Redis channel layer
(``channels.testing``); the scale-out tests start real daphne processes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.provisioning import ensure_base_schema, provision_schema, upsert_replica
from pocdex_shared.testing.tokens import access_token
from tenants.models import Tenant

PLATFORM_REDIS_DBS = {0, 1, 2, 3}


def _redis_db(url: str) -> int:
    return int(redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0))


@pytest.fixture(scope="session", autouse=True)
def _never_the_platform_redis() -> None:
    for url in (
        settings.CELERY_BROKER_URL,
        settings.REDIS_URL,
        settings.CACHES["default"]["LOCATION"],
        settings.CHANNEL_REDIS_URL,
    ):
        assert _redis_db(url) not in PLATFORM_REDIS_DBS, f"{url} belongs to the running platform"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database also needs the migrated tenant template schema."""
    with django_db_blocker.unblock():
        ensure_base_schema()


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    cache.clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def make_tenant(db: None) -> Callable[..., Tenant]:
    def make(slug: str | None = None, **fields: Any) -> Tenant:
        tenant_id = uuid.uuid4()
        replica = upsert_replica(
            {
                "id": str(tenant_id),
                "slug": slug or f"org-{tenant_id.hex[:8]}",
                "status": TenantStatus.ACTIVE,
                **fields,
            }
        )
        provision_schema(replica)
        return Tenant.objects.get(id=tenant_id)

    return make


@dataclass
class Member:
    tenant: Tenant
    id: uuid.UUID
    role: str
    name: str
    token: str
    client: APIClient

    def data(self) -> Any:
        """Run ORM code against this member's organization: ``with alice.data(): ...``."""
        return schema_context(self.tenant.schema_name)


MakeMember = Callable[..., Member]


@pytest.fixture
def make_member() -> MakeMember:
    def make(tenant: Tenant, role: str = "member", name: str = "Maria Member") -> Member:
        user_id = uuid.uuid4()
        token = access_token(tenant_id=tenant.id, subject=user_id, role=role, name=name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return Member(tenant=tenant, id=user_id, role=role, name=name, token=token, client=client)

    return make


@pytest.fixture
def org(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant()


@pytest.fixture
def ana(org: Tenant, make_member: MakeMember) -> Member:
    """The facilitator of most dojos here."""
    return make_member(org, name="Ana Facilitadora")


@pytest.fixture
def bruno(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, name="Bruno Barros")


@pytest.fixture
def carla(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, name="Carla Costa")


@pytest.fixture
def admin(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, role="admin", name="Ada Admin")


@pytest.fixture
def outsider(make_tenant: Callable[..., Tenant], make_member: MakeMember) -> Member:
    """The owner of another organization."""
    return make_member(make_tenant(), role="owner", name="Otto Outsider")


def dojo_body(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Kata do Bowling",
        "kata": "# Bowling\n\nCalcule a pontuação de uma partida.",
        "language": "Python",
        "rotation_minutes": 5,
        "scheduled_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        **fields,
    }


@pytest.fixture
def create_dojo() -> Callable[..., dict[str, Any]]:
    def create(member: Member, **fields: Any) -> dict[str, Any]:
        response = member.client.post("/api/v1/dojos", dojo_body(**fields), format="json")
        assert response.status_code == 201, response.content
        return dict(response.json())

    return create


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


@pytest.fixture(autouse=True)
def _fresh_instance() -> Iterator[None]:
    """Each test runs its own event loop: forget the previous loop's timers and heartbeat."""
    from dojos.live import instance

    yield
    for _deadline, handle in instance.timers.values():
        handle.cancel()
    instance.timers.clear()
    instance.consumers.clear()
    instance.heartbeat = None
