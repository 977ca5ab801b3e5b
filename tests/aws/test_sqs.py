"""Celery on SQS (moto's server) through each service's real worker process.

See conftest.py for what runs. Each test asserts on state a worker wrote (a
Redis key, database rows, a message in a dead-letter queue), never on logs.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from celery import Celery
from conftest import (
    POLICY,
    SERVICES,
    Moto,
    assert_alive,
    manage,
    query,
    sqs_body,
    wait_for,
)

from pocdex_shared.events.diagnostics import ping_key
from pocdex_shared.events.names import PING_TASK
from pocdex_shared.events.sqs import sqs_queue_name
from pocdex_shared.events.sqs_setup import CreatedQueue, dead_letter_queue_name
from pocdex_shared.queues import all_queues

CACHE_URL = os.environ.get("CACHE_URL", "redis://127.0.0.1:63799/2")


@pytest.fixture(scope="module")
def cache() -> redis.Redis:
    return redis.Redis.from_url(CACHE_URL)


def test_every_queue_has_its_dead_letter_queue_and_the_stage_redrive_policy(
    queues: dict[str, CreatedQueue], moto: Moto
) -> None:
    sqs = moto.client("sqs")
    assert set(queues) == set(all_queues())
    for celery_queue, created in queues.items():
        assert created.url.endswith("/" + sqs_queue_name(celery_queue))
        assert created.dead_letter_url.endswith("/" + dead_letter_queue_name(celery_queue))
        attributes = sqs.get_queue_attributes(QueueUrl=created.url, AttributeNames=["All"])[
            "Attributes"
        ]
        dlq_arn = sqs.get_queue_attributes(
            QueueUrl=created.dead_letter_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == dlq_arn
        assert int(redrive["maxReceiveCount"]) == POLICY.max_receive_count
        assert int(attributes["VisibilityTimeout"]) == POLICY.visibility_timeout(celery_queue)


def test_a_task_on_every_queue_of_every_service_round_trips_through_its_worker(
    workers: dict[str, subprocess.Popen[bytes]], producer: Celery, cache: redis.Redis
) -> None:
    tokens = {queue: f"aws-suite-{uuid.uuid4()}" for queue in all_queues()}
    for queue, token in tokens.items():
        producer.send_task(PING_TASK, args=[token], queue=queue)
    try:
        for queue, token in tokens.items():
            raw = wait_for(
                f"the ping on {queue}",
                lambda token=token: (assert_alive(workers), cache.get(ping_key(token)))[1],
            )
            answer = json.loads(raw)
            # Only the worker of the queue's own service consumes it, from that queue.
            assert answer == {"service": queue.split(".")[0], "queue": queue}
    finally:
        cache.delete(*(ping_key(token) for token in tokens.values()))


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


@pytest.mark.parametrize(
    ("celery_queue", "task", "args"),
    [
        # An invalid token fails the ping: a task that fails for good, with no effect.
        ("dojo.default", PING_TASK, ["not a token!"]),
        # A task this release does not know (a newer one's, mid-deploy): rejected too.
        ("media.videos", "pocdex.no_such_task", []),
    ],
    ids=["failing-task", "unknown-task"],
)
def test_a_failing_task_lands_in_its_queues_dead_letter_queue_after_the_configured_receives(
    celery_queue: str,
    task: str,
    args: list[str],
    workers: dict[str, subprocess.Popen[bytes]],
    producer: Celery,
    queues: dict[str, CreatedQueue],
    moto: Moto,
) -> None:
    sqs = moto.client("sqs")
    created = queues[celery_queue]
    result = producer.send_task(task, args=args, queue=celery_queue)

    def dead_lettered() -> dict[str, Any] | None:
        assert_alive(workers)
        answer = sqs.receive_message(
            QueueUrl=created.dead_letter_url,
            MaxNumberOfMessages=10,
            AttributeNames=["ApproximateReceiveCount"],
            WaitTimeSeconds=1,
        )
        for message in answer.get("Messages", []):
            if sqs_body(message)["headers"]["id"] == result.id:
                return dict(message)
        return None

    message = wait_for(f"the failed ping in the dead-letter queue of {celery_queue}", dead_lettered)
    # SQS moved it there only after the worker had received (and rejected) it
    # max_receive_count times; kombu left it in the queue each time.
    assert int(message["Attributes"]["ApproximateReceiveCount"]) > POLICY.max_receive_count
    assert _depth(sqs, created.url) == 0
    # Every other dead-letter queue stays empty.
    others = [q for name, q in queues.items() if name != celery_queue]
    assert all(_depth(sqs, q.dead_letter_url) == 0 for q in others)
    sqs.delete_message(QueueUrl=created.dead_letter_url, ReceiptHandle=message["ReceiptHandle"])


SIGNUP = """
import json
from organizations.services import organization_signup
result = organization_signup(
    organization_name="AWS suite", organization_slug={slug!r}, owner_name="Ana Lima",
    email={email!r}, password="correct horse battery staple 42", locale="en",
)
print(json.dumps({{"id": str(result.organization.id), "schema": result.organization.schema_name}}))
"""


def test_tenant_created_fans_out_to_every_service_and_the_organization_becomes_active(
    workers: dict[str, subprocess.Popen[bytes]],
    service_env: Callable[[str], dict[str, str]],
    moto: Moto,
) -> None:
    slug = f"aws-{uuid.uuid4().hex[:12]}"
    code = SIGNUP.format(slug=slug, email=f"{slug}@example.com")
    # The signup path itself: its transaction writes the outbox row and the
    # after-commit relay sends tenant.created to every service's events queue.
    out = manage("accounts", service_env("accounts"), "shell", "-c", code, timeout=300)
    organization = json.loads(out.strip().splitlines()[-1])
    org_id, schema = organization["id"], organization["schema"]

    (event_id,) = query(
        "accounts",
        "SELECT id FROM pocdex_events_outboxevent WHERE topic = 'tenant.created' AND tenant_id = %s",
        org_id,
    )[0]

    for service in SERVICES:
        wait_for(
            f"{service} to consume tenant.created",
            lambda service=service: (
                assert_alive(workers),
                query(
                    service,
                    "SELECT 1 FROM pocdex_events_processedevent WHERE event_id = %s AND consumer = %s",
                    event_id,
                    service,
                )
                or None,
            )[1],
        )
        assert query(service, "SELECT 1 FROM pg_namespace WHERE nspname = %s", schema), (
            f"{service} has no schema {schema}"
        )

    # Each service reported tenant.provisioned to accounts' events queue, and
    # accounts' worker activated the organization once all four had.
    status = wait_for(
        "the organization to become active",
        lambda: (
            assert_alive(workers),
            (
                query(
                    "accounts",
                    "SELECT status FROM organizations_organization WHERE id = %s",
                    org_id,
                )[0][0]
            )
            if query(
                "accounts",
                "SELECT status FROM organizations_organization WHERE id = %s AND status = 'active'",
                org_id,
            )
            else None,
        )[1],
    )
    assert status == "active"
    reported = {
        row[0]
        for row in query(
            "accounts",
            "SELECT service FROM organizations_serviceprovision WHERE organization_id = %s",
            org_id,
        )
    }
    assert reported == set(SERVICES)
    # pocs and media made the organization's bucket (on moto's S3 here).
    buckets = {b["Name"] for b in moto.client("s3").list_buckets()["Buckets"]}
    assert f"pocdex-t-{uuid.UUID(org_id).hex}" in buckets
