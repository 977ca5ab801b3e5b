"""The publishing side: the outbox row commits with the data and is relayed after commit.

These tests commit for real (``transaction=True``): ``on_commit`` and row locks
only mean something then. What was sent is read back from the test broker's
queues in Redis.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery import Celery
from celery._state import get_current_app
from django.db import connections, transaction

from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.events.outbox import publish, relay
from tests.conftest import PEER_QUEUE, SERVICE_QUEUE, Broker

pytestmark = pytest.mark.django_db(transaction=True)

TOPIC = "test.note_added"  # subscribers: shared-tests and shared-tests-peer


class RollbackError(Exception):
    pass


@contextmanager
def broker_down() -> Iterator[None]:
    """Make the current Celery app one whose broker refuses connections (port 1)."""
    previous = get_current_app()
    dead = Celery("dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    dead.set_current()
    try:
        yield
    finally:
        previous.set_current()
        dead.close()


def test_publish_in_a_transaction_that_rolls_back_leaves_no_row_and_sends_nothing(
    broker: Broker,
) -> None:
    with pytest.raises(RollbackError), transaction.atomic():
        publish(TOPIC, {"note": 1})
        raise RollbackError

    assert OutboxEvent.objects.count() == 0
    assert broker.envelopes(SERVICE_QUEUE) == []
    assert broker.envelopes(PEER_QUEUE) == []


def test_publish_then_commit_sends_the_envelope_to_every_subscriber_queue(
    broker: Broker,
) -> None:
    tenant_id = uuid.uuid4()
    with transaction.atomic():
        event = publish(TOPIC, {"note": 7, "text": "olá"}, tenant_id=tenant_id)
        assert broker.envelopes(SERVICE_QUEUE) == [], "nothing leaves before commit"

    expected = {
        "id": str(event.id),
        "topic": TOPIC,
        "producer": "shared-tests",
        "tenant_id": str(tenant_id),
        "occurred_at": event.created_at.isoformat(),
        "payload": {"note": 7, "text": "olá"},
    }
    assert broker.envelopes(SERVICE_QUEUE) == [expected]
    assert broker.envelopes(PEER_QUEUE) == [expected]
    row = OutboxEvent.objects.get(id=event.id)
    assert row.published_at is not None
    assert (row.attempts, row.last_error) == (1, "")


def test_topic_without_subscribers_is_marked_published_and_sent_nowhere(broker: Broker) -> None:
    with transaction.atomic():
        event = publish("test.nobody_listens", {})

    assert OutboxEvent.objects.get(id=event.id).published_at is not None
    assert broker.envelopes(SERVICE_QUEUE) == broker.envelopes(PEER_QUEUE) == []


def test_unreachable_broker_leaves_the_row_pending_and_a_later_relay_sends_it(
    broker: Broker,
) -> None:
    with broker_down():
        started = time.perf_counter()
        with transaction.atomic():
            event = publish(TOPIC, {"note": 3})
        elapsed = time.perf_counter() - started

    row = OutboxEvent.objects.get(id=event.id)
    assert row.published_at is None
    assert row.attempts == 1
    assert "Connection refused" in row.last_error
    assert elapsed < 10, "a dead broker must not hold the committing request for long"
    assert broker.envelopes(SERVICE_QUEUE) == []

    # The periodic sweep leaves young rows to the after-commit relay ...
    assert relay(older_than=timedelta(minutes=5)) == 0
    # ... and sends whatever is still pending once it is old enough.
    assert relay(older_than=timedelta(0)) == 1

    row.refresh_from_db()
    assert row.published_at is not None
    assert row.attempts == 2
    assert [e["id"] for e in broker.envelopes(SERVICE_QUEUE)] == [str(event.id)]
    assert [e["id"] for e in broker.envelopes(PEER_QUEUE)] == [str(event.id)]
    assert relay(older_than=timedelta(0)) == 0, "a published row is not sent again"


def test_relay_skips_a_row_another_relay_holds(broker: Broker) -> None:
    with broker_down(), transaction.atomic():
        event = publish(TOPIC, {"note": 4})
    locked = threading.Event()
    release = threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                OutboxEvent.objects.select_for_update().get(id=event.id)
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.perf_counter()
        sent = relay(older_than=timedelta(0))
        waited = time.perf_counter() - started
    finally:
        release.set()
        holder.join(timeout=10)

    assert sent == 0
    assert waited < 2, "relay must skip locked rows, not wait for them"
    assert broker.envelopes(SERVICE_QUEUE) == []
    assert relay(older_than=timedelta(0)) == 1
