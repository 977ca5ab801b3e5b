"""Fixtures over the real stack: PostgreSQL, Redis (test databases 4 and 5), s3proxy, ffmpeg.

Organizations are tenant replicas provisioned as the ``tenant.created`` handler
does; members are access tokens minted with the tests' own key (``tests.keys``).
pocs, dojo and accounts' token endpoint are ``FakeServices`` (see its module).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from config.celery import app as celery_app
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.provisioning import ensure_base_schema, provision_schema, upsert_replica
from pocdex_shared.testing.celery import drain, worker_thread
from tenants.models import Tenant
from tenants.storage import s3_client

from .fake_services import FakeServices
from .keys import access_token

PLATFORM_REDIS_DBS = {0, 1, 2, 3}
QUEUES = ("media.events", "media.default", "media.reports", "media.videos")


def _redis_db(url: str) -> int:
    return int(redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0))


@pytest.fixture(scope="session", autouse=True)
def _never_the_platform_redis() -> None:
    for url in (
        settings.CELERY_BROKER_URL,
        settings.REDIS_URL,
        settings.CACHES["default"]["LOCATION"],
    ):
        assert _redis_db(url) not in PLATFORM_REDIS_DBS, f"{url} belongs to the running platform"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        ensure_base_schema()


@pytest.fixture(scope="session")
def fake_services() -> Iterator[FakeServices]:
    fake = FakeServices(client_secret=settings.SERVICE_CLIENT_SECRET)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _services(settings: Any, fake_services: FakeServices) -> Iterator[FakeServices]:
    settings.ACCOUNTS_URL = fake_services.url
    settings.POCS_URL = fake_services.url
    settings.DOJO_URL = fake_services.url
    fake_services.dojo_enabled = False
    fake_services.pocs_down = False
    fake_services.calls.clear()
    cache.clear()
    yield fake_services
    connection.set_schema_to_public()


@pytest.fixture(scope="session", autouse=True)
def _remove_test_buckets() -> Iterator[None]:
    yield
    client = s3_client()
    for bucket in client.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        if not name.startswith(settings.S3_BUCKET_PREFIX):
            continue
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)


# ------------------------------------------------------------------ organizations and members


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
    client: APIClient

    def data(self) -> Any:
        return schema_context(self.tenant.schema_name)


MakeMember = Callable[..., Member]


@pytest.fixture
def make_member() -> MakeMember:
    def make(tenant: Tenant, role: str = "member", name: str = "Maria Member") -> Member:
        user_id = uuid.uuid4()
        token = access_token(tenant_id=tenant.id, subject=user_id, role=role, name=name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return Member(tenant=tenant, id=user_id, role=role, name=name, client=client)

    return make


@pytest.fixture
def org(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant(slug=f"lab-agil-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def alice(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, name="Alice Conceição")


@pytest.fixture
def bob(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, name="Bob Colleague")


@pytest.fixture
def owner(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, role="owner", name="Olga Owner")


@pytest.fixture
def outsider(make_tenant: Callable[..., Tenant], make_member: MakeMember) -> Member:
    return make_member(make_tenant(), role="owner", name="Otto Outsider")


PocFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def add_poc(fake_services: FakeServices) -> PocFactory:
    """Register a POC in the fake pocs, shaped like pocs' internal API item."""

    def add(
        member: Member, *, name: str | None = None, day: dt.date | None = None, **fields: Any
    ) -> dict[str, Any]:
        day = day or dt.date(2025, 3, 14)
        poc = {
            "id": str(uuid.uuid4()),
            "name": name or f"POC {uuid.uuid4().hex[:6]}",
            "summary": "",
            "status": "done",
            "outcome": "",
            "learnings": "",
            "languages": ["Python"],
            "frameworks": [],
            "tags": [],
            "author": {"id": str(member.id), "name": member.name},
            "contributors": [],
            "started_on": day.isoformat(),
            "finished_on": None,
            "created_at": f"{day.isoformat()}T10:00:00Z",
            "updated_at": f"{day.isoformat()}T10:00:00Z",
            "visibility": "team",
            **fields,
        }
        fake_services.pocs.setdefault(str(member.tenant.id), []).append(poc)
        return poc

    return add


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


# ------------------------------------------------------------------ the worker


# The session's in-thread worker, once started: tests that run worker processes
# of their own stop it from consuming their queue.
IN_THREAD_WORKERS: list[Any] = []


@pytest.fixture(scope="session")
def celery_worker_thread(django_db_blocker: Any) -> Iterator[Any]:
    """A real Celery worker, in a thread, consuming media's queues from the test broker."""
    with django_db_blocker.unblock(), worker_thread(celery_app, queues=QUEUES) as worker:
        IN_THREAD_WORKERS.append(worker)
        yield worker
        IN_THREAD_WORKERS.remove(worker)


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*QUEUES, "accounts.events", "unacked", "unacked_index")
    yield client
    client.delete(*QUEUES, "accounts.events", "unacked", "unacked_index")


def _drop_tenant_schemas() -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", ["t\\_%"])
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def worker(celery_worker_thread: Any, transactional_db: None, broker: redis.Redis) -> Iterator[Any]:
    """Tests that commit for real use this; it waits for the worker and drops committed schemas."""
    yield celery_worker_thread
    drain(settings.CELERY_BROKER_URL, queues=QUEUES, timeout=60)
    _drop_tenant_schemas()
