"""pytest fixtures for a service's tests: organizations (tenant replicas) and their members.

A service's ``tests/conftest.py`` loads them with
``pytest_plugins = ["pocdex_shared.testing.tenants"]``. Organizations are
provisioned exactly as the ``tenant.created`` handler does (upsert the replica,
clone ``tenant_base``); members are access tokens minted with
``pocdex_shared.testing.tokens`` (the test settings point ``JWT_KEY_SOURCE`` at
it), so accounts is never involved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from django.conf import settings

# Loaded with ``-p`` before Django is set up: everything that needs the apps or
# the settings is imported inside the fixtures.

#: Redis databases of the running platform (make run); tests must use others.
PLATFORM_REDIS_DBS = frozenset({0, 1, 2, 3})


def _redis_db(url: str) -> int:
    return int(redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0))


@pytest.fixture(scope="session", autouse=True)
def _never_the_platform_redis() -> None:
    """A test run must never publish to, or consume from, the running platform's Redis."""
    urls = [settings.CELERY_BROKER_URL, settings.REDIS_URL, settings.CACHES["default"]["LOCATION"]]
    channel_layer_url = getattr(settings, "CHANNEL_REDIS_URL", None)
    if channel_layer_url:
        urls.append(channel_layer_url)
    for url in urls:
        if _redis_db(url) in PLATFORM_REDIS_DBS:
            pytest.exit(f"{url} belongs to the running platform", returncode=3)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database also needs the migrated tenant template schema."""
    from pocdex_shared.tenancy.provisioning import ensure_base_schema

    with django_db_blocker.unblock():
        ensure_base_schema()


@pytest.fixture(autouse=True)
def _public_schema_and_empty_cache() -> Iterator[None]:
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    yield
    connection.set_schema_to_public()  # type: ignore[attr-defined] # django-tenants' wrapper


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A fresh database session for every test, once its transaction is rolled back.

    Every test clones a tenant schema (about fifty relations) and rolls it back;
    one PostgreSQL backend doing that hundreds of times grows (2 GB seen) and
    each clone slows down, from about a second per test to more than ten by the
    end of a suite.
    """
    yield
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


@pytest.fixture
def make_tenant(db: None) -> Callable[..., Any]:
    """``make_tenant(slug=None, tenant_id=None, **fields)``: an active organization with its schema.

    ``tenant_id`` (random by default) mirrors an organization that exists for real
    in accounts, so data the service reads from the other running services lines up.
    """
    from django_tenants.utils import get_tenant_model

    from pocdex_shared.tenancy.models import TenantStatus
    from pocdex_shared.tenancy.provisioning import provision_schema, upsert_replica

    def make(
        slug: str | None = None, tenant_id: uuid.UUID | str | None = None, **fields: Any
    ) -> Any:
        tenant_id = uuid.UUID(str(tenant_id)) if tenant_id is not None else uuid.uuid4()
        replica = upsert_replica(
            {
                "id": str(tenant_id),
                "slug": slug or f"org-{tenant_id.hex[:8]}",
                "status": TenantStatus.ACTIVE,
                **fields,
            }
        )
        provision_schema(replica)
        return get_tenant_model().objects.get(id=tenant_id)

    return make


@dataclass
class Member:
    """A member of ``tenant`` with an API client that sends their access token."""

    tenant: Any
    id: uuid.UUID
    role: str
    name: str
    token: str
    client: Any  # rest_framework.test.APIClient

    def data(self) -> Any:
        """Run ORM code in this member's organization: ``with alice.data(): ...``."""
        from django_tenants.utils import schema_context

        return schema_context(self.tenant.schema_name)


MakeMember = Callable[..., Member]


@pytest.fixture
def make_member() -> MakeMember:
    """``make_member(tenant, role="member", name=..., **claims)``."""
    from rest_framework.test import APIClient

    from pocdex_shared.testing.tokens import access_token

    def make(
        tenant: Any, role: str = "member", name: str = "Maria Member", **claims: Any
    ) -> Member:
        user_id = uuid.uuid4()
        if name:
            claims["name"] = name
        token = access_token(tenant_id=tenant.id, subject=user_id, role=role, **claims)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return Member(tenant=tenant, id=user_id, role=role, name=name, token=token, client=client)

    return make


def error_code(response: Any) -> str:
    """The stable code of an API error response."""
    return str(response.json()["error"]["code"])


def plan_event(tenant: Any, plan: str, limits: dict[str, Any]) -> dict[str, Any]:
    """accounts' ``tenant.updated`` after a plan change (billing), as the queue delivers it.

    Give it to ``pocdex_shared.events.consumer.consume`` to change a replica's plan.
    """
    from django.utils import timezone

    return {
        "id": str(uuid.uuid4()),
        "topic": "tenant.updated",
        "producer": "accounts",
        "tenant_id": str(tenant.id),
        "occurred_at": timezone.now().isoformat(),
        "payload": {
            "id": str(tenant.id),
            "slug": tenant.slug,
            "schema_name": tenant.schema_name,
            "status": "active",
            "plan": plan,
            "limits": limits,
        },
    }
