"""Fixtures over the real stack: PostgreSQL, Redis (test databases 4 and 5), s3proxy, ffmpeg.

Each test's organization is a tenant replica in media's test database (as the
``tenant.created`` handler makes it) with its people: Olga Owner, Alice
Conceição and Bob Colleague (members) and Ada Admin. Media's own API is called
with access tokens minted by ``pocdex_shared.testing.tokens`` for them.

The data media reads from accounts, pocs and dojo comes from stand-ins over
real HTTP in the test process (``upstream``): ``add_poc`` and ``add_dojo``
register it, media's jobs fetch it with service tokens through the same
client code as in production. No other service needs to run; the chain through
the real services is the end-to-end test ``tests/e2e/test_media_journey.py``.
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
from django.db import connection
from rest_framework.test import APIClient

from config.celery import app as celery_app
from pocdex_shared.storage import s3_client
from pocdex_shared.testing.celery import drain, worker_thread
from pocdex_shared.testing.tenants import Member, error_code
from pocdex_shared.testing.tokens import access_token
from tenants.models import Tenant

from .upstream import Upstream

pytest_plugins = ["pocdex_shared.testing.tenants"]

__all__ = ["Member", "error_code"]

QUEUES = ("media.events", "media.default", "media.reports", "media.videos")


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


# ------------------------------------------------------------------ accounts, pocs and dojo


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    stand_ins = Upstream()
    yield stand_ins
    stand_ins.close()


@pytest.fixture(autouse=True)
def _upstream_urls(upstream: Upstream, settings: Any) -> None:
    """Media reaches the stand-ins (a test may point one elsewhere, e.g. a closed port)."""
    settings.ACCOUNTS_URL = upstream.url("accounts")
    settings.POCS_URL = upstream.url("pocs")
    settings.DOJO_URL = upstream.url("dojo")


# ------------------------------------------------------------------ organizations and people


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    role: str


PEOPLE = {
    "owner": ("Olga Owner", "owner"),
    "alice": ("Alice Conceição", "member"),
    "bob": ("Bob Colleague", "member"),
    "admin": ("Ada Admin", "admin"),
}


def member_of(tenant: Tenant, person: Person) -> Member:
    """``person`` calling media: a token of the tests' key with their id, name and role."""
    token = access_token(tenant_id=tenant.id, subject=person.id, role=person.role, name=person.name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return Member(
        tenant=tenant, id=person.id, role=person.role, name=person.name, token=token, client=client
    )


@pytest.fixture
def people() -> dict[str, Person]:
    return {
        key: Person(id=uuid.uuid4(), name=name, role=role) for key, (name, role) in PEOPLE.items()
    }


@pytest.fixture
def org(make_tenant: Callable[..., Tenant], upstream: Upstream) -> Tenant:
    """The test's organization: its replica in media, known to pocs and dojo.

    On Business, so the monthly report and video limits stay out of the way
    (they are tested in test_plan_limits.py).
    """
    tenant = make_tenant(plan="business")
    upstream.data.add_tenant(tenant.id)
    return tenant


@pytest.fixture
def owner(org: Tenant, people: dict[str, Person]) -> Member:
    return member_of(org, people["owner"])


@pytest.fixture
def alice(org: Tenant, people: dict[str, Person]) -> Member:
    return member_of(org, people["alice"])


@pytest.fixture
def bob(org: Tenant, people: dict[str, Person]) -> Member:
    return member_of(org, people["bob"])


@pytest.fixture
def admin(org: Tenant, people: dict[str, Person]) -> Member:
    return member_of(org, people["admin"])


@pytest.fixture
def outsider(make_tenant: Callable[..., Tenant], upstream: Upstream) -> Member:
    """The owner of another organization."""
    other = make_tenant(plan="business")
    upstream.data.add_tenant(other.id)
    return member_of(other, Person(id=uuid.uuid4(), name="Otto Outsider", role="owner"))


PocFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def add_poc(upstream: Upstream) -> PocFactory:
    """Register a POC of ``member`` in pocs' stand-in, as pocs lists it.

    It is created now; ``day`` is its ``started_on``, which is what pocs' internal
    list filters on (created *or* started in the range) and what media counts
    months by.
    """

    def add(
        member: Member, *, name: str | None = None, day: dt.date | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "name": name or f"POC {uuid.uuid4().hex[:6]}",
            "languages": ["Python"],
            "status": "done",
            "started_on": (day or dt.date(2025, 3, 14)).isoformat(),
            **fields,
        }
        return upstream.add_poc(member.tenant.id, member, **body)

    return add


@pytest.fixture
def add_dojo(upstream: Upstream) -> Callable[..., dict[str, Any]]:
    """Register a dojo that started now with ``members`` in dojo's stand-in."""

    def add(members: list[Member], **fields: Any) -> dict[str, Any]:
        return upstream.add_dojo(members[0].tenant.id, members, **fields)

    return add


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
