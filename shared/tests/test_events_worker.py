"""Events through the real transport: outbox → Redis broker → in-thread Celery worker → handler.

The worker (``event_worker``) consumes this service's queue with its own
database connection, so every test here commits.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from pocdex_shared.events.consumer import handles
from pocdex_shared.events.models import OutboxEvent, ProcessedEvent
from pocdex_shared.events.names import HANDLE_TASK, RELAY_TASK
from pocdex_shared.events.outbox import publish, relay
from pocdex_shared.tenancy.events import TENANT_CREATED, TENANT_PROVISIONED
from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
from tests.conftest import PEER_QUEUE, SERVICE_QUEUE, Broker, celery_app
from tests.tenantapp.models import TenantReplica
from tests.tenantdata.models import Note

pytestmark = pytest.mark.django_db(transaction=True)

NOTE_ADDED = "test.note_added"  # subscribers: shared-tests and shared-tests-peer
FLAKY = "test.fails_then_works"  # subscribers: shared-tests

_lock = threading.Lock()
received: list[dict[str, Any]] = []
attempts: list[str] = []


@handles(NOTE_ADDED)
def record_note_added(envelope: dict[str, Any]) -> None:
    with _lock:
        received.append(envelope)


@handles(FLAKY)
def fail_the_first_time(envelope: dict[str, Any]) -> None:
    with _lock:
        attempts.append(envelope["id"])
        first = attempts.count(envelope["id"]) == 1
    if first:
        raise ConnectionError("a dependency blinked")
    publish("test.flaky_done", {"after": envelope["id"]})


@pytest.fixture(autouse=True)
def _reset_handler_state() -> Iterator[None]:
    received.clear()
    attempts.clear()
    yield
    received.clear()
    attempts.clear()


def wait_for(condition: Callable[[], Any], *, timeout: float = 15.0) -> Any:
    """Poll until ``condition()`` is truthy (the worker runs in another thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not true after {timeout} s: {condition.__doc__ or condition}")


def processed(event_id: Any) -> bool:
    """the event is recorded as processed"""
    return ProcessedEvent.objects.filter(event_id=event_id, consumer="shared-tests").exists()


def test_service_app_acks_late_with_prefetch_one_and_routes_events_to_its_queue() -> None:
    conf = celery_app.conf

    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert conf.worker_prefetch_multiplier == 1
    assert {HANDLE_TASK, RELAY_TASK} <= set(celery_app.tasks)
    assert celery_app.amqp.router.route({}, HANDLE_TASK)["queue"].name == SERVICE_QUEUE
    assert conf.beat_schedule["relay-outbox"]["task"] == RELAY_TASK


def test_committed_event_reaches_the_handler_through_the_worker(
    event_worker: Any, broker: Broker
) -> None:
    tenant_id = uuid.uuid4()
    with transaction.atomic():
        event = publish(NOTE_ADDED, {"note": 42, "text": "hello"}, tenant_id=tenant_id)

    wait_for(lambda: processed(event.id))

    expected = {
        "id": str(event.id),
        "topic": NOTE_ADDED,
        "producer": "shared-tests",
        "tenant_id": str(tenant_id),
        "occurred_at": event.created_at.isoformat(),
        "payload": {"note": 42, "text": "hello"},
    }
    assert received == [expected]
    assert broker.envelopes(PEER_QUEUE) == [expected], "the other subscriber got it too"
    wait_for(broker.idle)
    assert broker.envelopes(SERVICE_QUEUE) == [], "consumed and acknowledged"
    assert ProcessedEvent.objects.get(event_id=event.id).topic == NOTE_ADDED
    assert OutboxEvent.objects.get(id=event.id).published_at is not None


def test_event_delivered_twice_is_handled_once(event_worker: Any, broker: Broker) -> None:
    with transaction.atomic():
        event = publish(NOTE_ADDED, {"note": 1})
    wait_for(lambda: processed(event.id))

    # As if the relay died after sending but before marking the row published.
    OutboxEvent.objects.filter(id=event.id).update(published_at=None)
    assert relay(older_than=timedelta(0)) == 1
    # One worker, prefetch 1, a FIFO queue: once a later event is done, so is the duplicate.
    with transaction.atomic():
        later = publish(NOTE_ADDED, {"note": 2})
    wait_for(lambda: processed(later.id))

    assert len(broker.envelopes(PEER_QUEUE)) == 3, "the duplicate was really sent"
    assert [e["id"] for e in received] == [str(event.id), str(later.id)]
    assert ProcessedEvent.objects.filter(event_id=event.id).count() == 1


def test_failing_handler_is_retried_by_the_worker_until_it_succeeds(
    event_worker: Any, broker: Broker
) -> None:
    with transaction.atomic():
        event = publish(FLAKY, {})

    wait_for(lambda: processed(event.id))

    assert attempts == [str(event.id), str(event.id)]
    done = OutboxEvent.objects.filter(topic="test.flaky_done")
    assert [e.payload for e in done] == [{"after": str(event.id)}], "one follow-up, not two"


def test_tenant_created_round_trip_creates_the_replica_clones_the_schema_and_reports(
    event_worker: Any, broker: Broker
) -> None:
    tenant_id = str(uuid.uuid4())
    payload = {
        "id": tenant_id,
        "slug": "roundtrip-org",
        "schema_name": schema_name_for(tenant_id),
        "status": TenantStatus.PROVISIONING,
        "plan": "team",
        "limits": {"members": 10},
    }
    with transaction.atomic():
        # What accounts' signup does in its own outbox.
        created = publish(TENANT_CREATED, payload, tenant_id=tenant_id)

    report = wait_for(
        lambda: OutboxEvent.objects.filter(
            topic=TENANT_PROVISIONED, published_at__isnull=False
        ).first()
    )

    assert processed(created.id)
    replica = TenantReplica.objects.get(id=tenant_id)
    assert (replica.slug, replica.schema_name, replica.status, replica.plan) == (
        "roundtrip-org",
        schema_name_for(tenant_id),
        TenantStatus.PROVISIONING,
        "team",
    )
    assert schema_exists(replica.schema_name)
    with schema_context(replica.schema_name):
        Note.objects.create(text="the schema works")
        assert Note.objects.count() == 1
    assert str(report.tenant_id) == tenant_id
    assert report.payload == {"tenant_id": tenant_id, "service": "shared-tests"}
    sent = broker.envelopes(PEER_QUEUE)
    assert [(e["topic"], e["id"], e["payload"]) for e in sent] == [
        (TENANT_PROVISIONED, str(report.id), report.payload)
    ]
    assert connection.schema_name == "public"


def test_event_published_while_a_tenant_schema_is_active_is_still_handled(
    event_worker: Any, broker: Broker
) -> None:
    # The producer published during a tenant's API request; this service has no
    # replica of that tenant (yet). The event must not depend on the producer's schema.
    connection.set_schema(schema_name_for(uuid.uuid4()))
    try:
        with transaction.atomic():
            event = publish(NOTE_ADDED, {"note": 9})
    finally:
        connection.set_schema_to_public()

    wait_for(lambda: processed(event.id))

    assert [e["id"] for e in received] == [str(event.id)]


def test_relay_task_sends_what_the_after_commit_relay_never_did(
    event_worker: Any, broker: Broker
) -> None:
    # As if the producer died between its commit and the after-commit relay.
    event = OutboxEvent.objects.create(topic=NOTE_ADDED, payload={"note": 5})
    OutboxEvent.objects.filter(id=event.id).update(
        created_at=event.created_at - timedelta(seconds=10)
    )

    celery_app.send_task(RELAY_TASK, queue=SERVICE_QUEUE)

    wait_for(lambda: processed(event.id))
    assert [e["id"] for e in received] == [str(event.id)]
    assert OutboxEvent.objects.get(id=event.id).published_at is not None
