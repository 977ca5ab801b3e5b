"""Fixtures for the tenancy and events tests: base schema, tenants, broker and a real worker.

Everything runs against the local stack's PostgreSQL and Redis. The broker and
ticket databases are Redis databases reserved for these tests (see
``tests.settings``): the platform's own workers consume broker db 1, and would
take our events.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_tenant_model

from pocdex_shared.events.celery import create_app
from pocdex_shared.events.names import queue_for
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.provisioning import ensure_base_schema, provision_schema, upsert_replica

SERVICE_QUEUE = queue_for("shared-tests")
PEER_QUEUE = queue_for("shared-tests-peer")
TEST_QUEUES = (SERVICE_QUEUE, PEER_QUEUE)
PLATFORM_REDIS_DBS = {0, 1}

# Built at import, as a service's config/celery.py does: it becomes the default
# app, which is the one ``outbox.relay`` sends with.
celery_app = create_app("shared-tests")


def _redis_db(url: str) -> int:
    return int(redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """After pytest-django has migrated the public schema, migrate the tenant template."""
    with django_db_blocker.unblock():
        ensure_base_schema()


# ------------------------------------------------------------------ tenants


@pytest.fixture
def drop_tenant_schemas(django_db_blocker: Any) -> Iterator[None]:
    """Drop the tenant schemas a test committed (transactional tests, the worker)."""
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", ["t\\_%"])
            for (schema,) in cursor.fetchall():
                cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


MakeTenant = Callable[..., Any]


@pytest.fixture
def make_tenant(drop_tenant_schemas: None) -> MakeTenant:
    """A tenant replica as the ``tenant.created`` event leaves it, schema provisioned."""

    def make(
        slug: str, *, status: str = TenantStatus.ACTIVE, provision: bool = True, **fields: Any
    ) -> Any:
        tenant = upsert_replica({"id": str(uuid.uuid4()), "slug": slug, "status": status, **fields})
        if provision:
            provision_schema(tenant)
        return get_tenant_model().objects.get(id=tenant.id)

    return make


# ------------------------------------------------------------------ broker and worker


class Broker:
    """The test broker database, read directly: what was sent to which queue."""

    def __init__(self, url: str) -> None:
        if _redis_db(url) in PLATFORM_REDIS_DBS:
            raise RuntimeError(f"{url} is a platform Redis database; tests use their own.")
        self.client = redis.Redis.from_url(url)

    def idle(self) -> bool:
        """No message waiting in this service's queue, none taken and not yet acknowledged."""
        return self.client.llen(SERVICE_QUEUE) == 0 and self.client.hlen("unacked") == 0

    def purge(self) -> None:
        self.client.delete(*TEST_QUEUES, "unacked", "unacked_index")

    def envelopes(self, queue: str) -> list[dict[str, Any]]:
        """The event envelopes waiting in ``queue``, oldest first (Celery protocol 2)."""
        found = []
        for raw in reversed(self.client.lrange(queue, 0, -1)):
            message = json.loads(raw)
            body = message["body"]
            if message["properties"].get("body_encoding") == "base64":
                body = base64.b64decode(body)
            args, _kwargs, _embed = json.loads(body)
            assert message["headers"]["task"] == "pocdex.events.handle"
            found.append(args[0])
        return found


@pytest.fixture
def broker() -> Iterator[Broker]:
    broker = Broker(settings.CELERY_BROKER_URL)
    broker.purge()
    yield broker
    broker.purge()


@pytest.fixture
def event_worker(
    transactional_db: None, broker: Broker, drop_tenant_schemas: None
) -> Iterator[Any]:
    """A real Celery worker in a thread, consuming this service's event queue.

    It has its own database connection, so tests using it commit (``transactional_db``).
    """
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        queues=[SERVICE_QUEUE],
        shutdown_timeout=30,
    ) as worker:
        yield worker
