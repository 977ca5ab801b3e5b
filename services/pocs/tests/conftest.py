"""Fixtures over the real stack: PostgreSQL, Redis (test databases 14 and 15), s3proxy.

Organizations are tenant replicas provisioned as the ``tenant.created`` handler
does (upsert + schema clone); members are access tokens minted with the tests'
own signing key (``pocdex_shared.testing.tokens``), so accounts is never involved.
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from celery.worker import state
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from pocdex_shared.storage import s3_client
from pocdex_shared.testing.celery import drain, worker_thread
from pocdex_shared.testing.tenants import MakeMember, Member, error_code
from search.client import alias, client
from search.models import PendingDocument
from search.rebuild import current_indices, ensure_index
from tenants.models import Tenant
from vocabulary.catalog import forget_catalog
from vocabulary.models import Technology

pytest_plugins = ["pocdex_shared.testing.tenants"]

__all__ = ["Member", "error_code"]


QUEUES = ("pocs.events", "pocs.default", "pocs.search")


@pytest.fixture(autouse=True)
def _vocabulary(django_db_blocker: Any) -> None:
    """The vocabulary is data-migration content: tests that commit flush it at teardown.

    Put it back for the next test, and never serve a catalog cached before that.
    """
    with django_db_blocker.unblock():
        if not Technology.objects.exists():
            migration = importlib.import_module("vocabulary.migrations.0002_seed_vocabulary")
            migration.seed(django_apps, None)
    forget_catalog()


@pytest.fixture(scope="session", autouse=True)
def _remove_test_buckets() -> Iterator[None]:
    """Buckets the tests created (recognizable by their prefix) are removed at the end."""
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
def org(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant()


@pytest.fixture
def alice(org: Tenant, make_member: MakeMember) -> Member:
    """A member who authors POCs."""
    return make_member(org, name="Alice Author")


@pytest.fixture
def bob(org: Tenant, make_member: MakeMember) -> Member:
    """Another member of the same organization."""
    return make_member(org, name="Bob Colleague")


@pytest.fixture
def admin(org: Tenant, make_member: MakeMember) -> Member:
    return make_member(org, role="admin", name="Ada Admin")


@pytest.fixture
def outsider(make_tenant: Callable[..., Tenant], make_member: MakeMember) -> Member:
    """The owner of another organization."""
    return make_member(make_tenant(), role="owner", name="Otto Outsider")


@pytest.fixture
def create_poc() -> Callable[..., dict[str, Any]]:
    def create(member: Member, **fields: Any) -> dict[str, Any]:
        body = {"name": f"POC {uuid.uuid4().hex[:6]}", **fields}
        response = member.client.post("/api/v1/pocs", body, format="json")
        assert response.status_code == 201, response.content
        return dict(response.json())

    return create


# ------------------------------------------------------------------ the worker


@pytest.fixture(scope="session")
def celery_worker_thread(django_db_blocker: Any) -> Iterator[Any]:
    """A real Celery worker, in a thread, consuming pocs' queues from the test broker."""
    with django_db_blocker.unblock(), worker_thread(celery_app, queues=QUEUES) as worker:
        yield worker


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*QUEUES, "accounts.events", "unacked", "unacked_index")
    yield client
    client.delete(*QUEUES, "accounts.events", "unacked", "unacked_index")


@pytest.fixture
def worker(celery_worker_thread: Any, transactional_db: None, broker: redis.Redis) -> Iterator[Any]:
    """Tests that commit for real use this; it waits for the worker and drops committed schemas."""
    yield celery_worker_thread
    drain(settings.CELERY_BROKER_URL, queues=QUEUES)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", ["t\\_%"])
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


# ------------------------------------------------------------------ the search index


@pytest.fixture(scope="session")
def search_index(django_db_blocker: Any) -> Iterator[str]:
    assert alias().startswith("pocs-test-")
    ensure_index()
    yield alias()
    for index in current_indices():
        client().indices.delete(index=index, ignore_unavailable=True)


@pytest.fixture
def indexed(search_index: str, worker: Any, broker: Any) -> Callable[[], None]:
    """``settle()``: wait for the worker to finish every queued sync, then refresh the index."""

    def settle(timeout: float = 20.0) -> None:
        # The durable pending rows are the truth: a sync deletes its row once the
        # document is written. An empty queue alone can be read while the worker
        # holds a message it has not registered yet.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queued = sum(broker.llen(q) for q in QUEUES)
            busy = state.active_requests or state.reserved_requests
            if queued == 0 and not busy and not PendingDocument.objects.exists():
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker did not finish the search syncs in time")
        client().indices.refresh(index=alias())

    return settle
