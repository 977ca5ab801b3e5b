"""The consuming side, called directly: idempotent, and all-or-nothing with its handlers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from pocdex_shared.events.consumer import consume, handlers_for, handles
from pocdex_shared.events.models import OutboxEvent, ProcessedEvent
from pocdex_shared.events.outbox import publish
from pocdex_shared.tenancy.events import (
    TENANT_CREATED,
    TENANT_PROVISIONED,
    TENANT_UPDATED,
    register_replica_handlers,
)
from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
from pocdex_shared.tenancy.provisioning import upsert_replica
from tests.tenantapp.models import TenantReplica

pytestmark = pytest.mark.django_db

TOPIC = "test.consumed"
received: list[dict[str, Any]] = []
failures_left: dict[str, int] = {}


@handles(TOPIC)
def record_and_follow_up(envelope: dict[str, Any]) -> None:
    """Writes like a real handler (a follow-up event), then may fail as told."""
    publish("test.followed_up", {"after": envelope["id"]})
    if failures_left.get(envelope["id"], 0) > 0:
        failures_left[envelope["id"]] -= 1
        raise ConnectionError("search cluster unavailable")
    received.append(envelope)


@handles("test.breaks_constraint")
def write_one_row_twice(envelope: dict[str, Any]) -> None:
    OutboxEvent.objects.create(id=envelope["id"], topic="test.copy", payload={})
    OutboxEvent.objects.create(id=envelope["id"], topic="test.copy", payload={})


@pytest.fixture(autouse=True)
def _reset_handler_state() -> Iterator[None]:
    received.clear()
    failures_left.clear()
    yield
    received.clear()
    failures_left.clear()


def envelope(topic: str = TOPIC, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event as another service's outbox sends it."""
    return {
        "id": str(uuid.uuid4()),
        "topic": topic,
        "producer": "accounts",
        "tenant_id": None,
        "occurred_at": timezone.now().isoformat(),
        "payload": payload or {"n": 1},
    }


def follow_ups(event: dict[str, Any]) -> int:
    return OutboxEvent.objects.filter(topic="test.followed_up", payload__after=event["id"]).count()


def test_consuming_the_same_envelope_twice_runs_the_handler_once() -> None:
    event = envelope()

    assert consume(event) is True
    assert consume(event) is False

    assert received == [event]
    assert follow_ups(event) == 1
    processed = ProcessedEvent.objects.get(event_id=event["id"])
    assert (processed.consumer, processed.topic) == ("shared-tests", TOPIC)


def test_failing_handler_leaves_nothing_recorded_and_a_retry_succeeds() -> None:
    event = envelope()
    failures_left[event["id"]] = 1

    with pytest.raises(ConnectionError):
        consume(event)

    assert not ProcessedEvent.objects.filter(event_id=event["id"]).exists()
    assert follow_ups(event) == 0, "the handler's writes roll back with it"

    assert consume(event) is True

    assert received == [event]
    assert ProcessedEvent.objects.filter(event_id=event["id"]).count() == 1
    assert follow_ups(event) == 1


def test_handler_breaking_a_constraint_is_not_taken_for_a_duplicate_event() -> None:
    event = envelope("test.breaks_constraint")

    with pytest.raises(IntegrityError):
        consume(event)

    assert not ProcessedEvent.objects.filter(event_id=event["id"]).exists()
    assert not OutboxEvent.objects.filter(id=event["id"]).exists()


def test_event_of_a_topic_without_handlers_is_recorded_as_processed() -> None:
    event = envelope("test.nobody_listens")

    assert consume(event) is True
    assert consume(event) is False

    assert ProcessedEvent.objects.filter(event_id=event["id"]).count() == 1


def test_processed_events_are_recorded_per_consuming_service(settings: Any) -> None:
    event = envelope()
    consume(event)

    settings.POCDEX_SERVICE = "another-service"
    assert consume(event) is True

    assert set(
        ProcessedEvent.objects.filter(event_id=event["id"]).values_list("consumer", flat=True)
    ) == {"shared-tests", "another-service"}


# ------------------------------------------------------------------ tenant lifecycle handlers


def tenant_payload(**overrides: Any) -> dict[str, Any]:
    tenant_id = str(uuid.uuid4())
    return {
        "id": tenant_id,
        "slug": f"org-{tenant_id[:8]}",
        "schema_name": schema_name_for(tenant_id),
        "status": TenantStatus.PROVISIONING,
        "plan": "free",
        "limits": {},
        **overrides,
    }


def test_registering_the_replica_handlers_again_does_not_run_them_twice() -> None:
    # tests.tenantapp registered them in ready(); Django may call ready() more than once.
    register_replica_handlers()
    register_replica_handlers()
    payload = tenant_payload()

    consume(envelope(TENANT_CREATED, payload))

    assert len(handlers_for(TENANT_CREATED)) == 1
    assert len(handlers_for(TENANT_UPDATED)) == 1
    reports = OutboxEvent.objects.filter(topic=TENANT_PROVISIONED)
    assert [event.payload for event in reports] == [
        {"tenant_id": payload["id"], "service": "shared-tests"}
    ]


def test_tenant_created_event_creates_the_replica_and_reports_provisioned() -> None:
    payload = tenant_payload()

    consume(envelope(TENANT_CREATED, payload))

    replica = TenantReplica.objects.get(id=payload["id"])
    assert (replica.slug, replica.status) == (payload["slug"], TenantStatus.PROVISIONING)
    report = OutboxEvent.objects.get(topic=TENANT_PROVISIONED)
    assert str(report.tenant_id) == payload["id"]
    assert report.payload == {"tenant_id": payload["id"], "service": "shared-tests"}


def test_tenant_updated_event_updates_the_replica() -> None:
    payload = tenant_payload()
    upsert_replica(payload)

    consume(envelope(TENANT_UPDATED, {**payload, "status": TenantStatus.SUSPENDED, "plan": "pro"}))

    replica = TenantReplica.objects.get(id=payload["id"])
    assert (replica.status, replica.plan) == (TenantStatus.SUSPENDED, "pro")


OWN = "test.own_transactions"
seen_in_transaction: list[bool] = []


@handles(OWN, own_transactions=True)
def commit_on_its_own(envelope: dict[str, Any]) -> None:
    from django.db import connection

    seen_in_transaction.append(connection.in_atomic_block)
    if failures_left.get(envelope["id"], 0) > 0:
        failures_left[envelope["id"]] -= 1
        raise ConnectionError("one organization's schema failed")


@pytest.mark.django_db(transaction=True)
def test_a_handler_with_its_own_transactions_runs_outside_the_events_and_once() -> None:
    seen_in_transaction.clear()
    event = envelope(OWN)
    failures_left[event["id"]] = 1

    with pytest.raises(ConnectionError):
        consume(event)
    # Not recorded: the redelivery runs it again (it must be idempotent).
    assert not ProcessedEvent.objects.filter(event_id=event["id"]).exists()
    assert consume(event) is True
    assert consume(event) is False  # recorded now: a duplicate runs nothing

    assert seen_in_transaction == [False, False]
    assert ProcessedEvent.objects.filter(event_id=event["id"]).count() == 1
