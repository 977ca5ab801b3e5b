"""Fixtures over the real stack: PostgreSQL, Redis (test databases 4 and 5), s3proxy, ffmpeg,
and the running platform's accounts, pocs and dojo (``make run``).

Organizations are real: signed up through the gateway, with invited members,
POCs and dojos created through the public APIs (``running_services``). Each is
mirrored into media's test database as a tenant replica with the same id and
slug, as the ``tenant.created`` handler does, so media's jobs read the real
data from pocs and dojo with real service tokens from accounts. Media's own API
is called with access tokens minted by ``pocdex_shared.testing.tokens`` for
those same people (same ids, names and roles).

Tests that count exactly what an organization holds are marked
``@pytest.mark.own_organization(invite=(...))`` and get one of their own; the
others share one per session. All are created concurrently at the start.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
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

from .running_services import Gateway, Organization, Organizations, Person

pytest_plugins = ["pocdex_shared.testing.tenants"]

__all__ = ["Member", "error_code"]

QUEUES = ("media.events", "media.default", "media.reports", "media.videos")
OWN_ORGANIZATION = "own_organization"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{OWN_ORGANIZATION}(invite=()): the test gets a real organization of its own, with "
        "the owner and the invited people (alice, bob, admin); for tests that count exactly",
    )


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


# ------------------------------------------------------------------ real organizations


def _invited(item: pytest.Item) -> tuple[str, ...] | None:
    marker = item.get_closest_marker(OWN_ORGANIZATION)
    return None if marker is None else tuple(marker.kwargs.get("invite", ()))


@pytest.fixture(scope="session")
def gateway() -> Gateway:
    gateway = Gateway()
    try:
        gateway.check_running()
    except Exception as exc:  # the platform must be running: make run
        pytest.fail(f"the platform is not running at {gateway.base}: {exc}")
    return gateway


@pytest.fixture(scope="session")
def organizations(request: pytest.FixtureRequest, gateway: Gateway) -> Iterator[Organizations]:
    """Every organization the collected tests need, started at once in the background."""
    items = [item for item in request.session.items if "real_org" in item.fixturenames]
    own = {item.nodeid: invite for item in items if (invite := _invited(item)) is not None}
    organizations = Organizations(
        gateway,
        shared=any(_invited(item) is None for item in items),
        outsider=any("outsider" in item.fixturenames for item in request.session.items),
        own=own,
    )
    yield organizations
    organizations.close()


@pytest.fixture
def real_org(request: pytest.FixtureRequest, organizations: Organizations) -> Organization:
    invite = _invited(request.node)
    if invite is None:
        return organizations.shared()
    return organizations.own(request.node.nodeid, invite)


@pytest.fixture
def org(real_org: Organization, make_tenant: Callable[..., Tenant]) -> Tenant:
    """The real organization's replica in media's test database: same id, same slug."""
    return make_tenant(slug=real_org.slug, tenant_id=real_org.id)


def member_of(tenant: Tenant, person: Person) -> Member:
    """``person`` calling media: a token of the tests' key with their real id, name and role."""
    token = access_token(tenant_id=tenant.id, subject=person.id, role=person.role, name=person.name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return Member(
        tenant=tenant, id=person.id, role=person.role, name=person.name, token=token, client=client
    )


def _person(real_org: Organization, key: str) -> Person:
    if key not in real_org.people:
        pytest.fail(f"{key} was not invited: @pytest.mark.{OWN_ORGANIZATION}(invite=(...))")
    return real_org.people[key]


@pytest.fixture
def owner(org: Tenant, real_org: Organization) -> Member:
    """Olga Owner, who signed the organization up."""
    return member_of(org, _person(real_org, "owner"))


@pytest.fixture
def alice(org: Tenant, real_org: Organization) -> Member:
    return member_of(org, _person(real_org, "alice"))


@pytest.fixture
def bob(org: Tenant, real_org: Organization) -> Member:
    return member_of(org, _person(real_org, "bob"))


@pytest.fixture
def admin(org: Tenant, real_org: Organization) -> Member:
    return member_of(org, _person(real_org, "admin"))


@pytest.fixture
def outsider(make_tenant: Callable[..., Tenant], organizations: Organizations) -> Member:
    """The owner of another real organization (mirrored too)."""
    other = organizations.outsider()
    return member_of(make_tenant(slug=other.slug, tenant_id=other.id), other.people["owner"])


PocFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def add_poc(gateway: Gateway, organizations: Organizations) -> PocFactory:
    """Register a real POC in pocs, as ``member`` (through the gateway, their access token).

    pocs records it as created now; ``day`` is its ``started_on``, which is what
    pocs' internal list filters on (created *or* started in the range) and what
    media counts months by.
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
        return gateway.add_poc(organizations.people[member.id], **body)

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
