"""The SQS queues of every service, each with its dead-letter queue, as the AWS stack has them.

On AWS the CDK app (cdk/pocdex_cdk/messaging.py) creates them from the same
declaration (:func:`pocdex_shared.queues.all_queues`), names
(:func:`pocdex_shared.events.sqs.sqs_queue_name`, :func:`dead_letter_queue_name`)
and stage values (``queues.visibility_timeout_seconds``,
``queues.visibility_timeout_by_queue`` and ``queues.max_receive_count`` of
cdk/config/<stage>.json). This module creates
the same set through the SQS API, for a server that is not AWS (moto's, in the
tests of tests/aws). Standard library only: the CDK app imports it without Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..queues import all_queues
from .sqs import sqs_queue_name


def dead_letter_queue_name(celery_queue: str) -> str:
    """``media.videos`` → ``pocdex-media-videos-dlq``."""
    return f"{sqs_queue_name(celery_queue)}-dlq"


@dataclass(frozen=True)
class QueuePolicy:
    """The stage's queue values (the ``queues`` block of a CDK stage config)."""

    visibility_timeout_seconds: int
    max_receive_count: int
    visibility_timeout_by_queue: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_stage(cls, queues: Mapping[str, Any]) -> QueuePolicy:
        return cls(
            visibility_timeout_seconds=int(queues["visibility_timeout_seconds"]),
            max_receive_count=int(queues["max_receive_count"]),
            visibility_timeout_by_queue={
                name: int(seconds)
                for name, seconds in queues.get("visibility_timeout_by_queue", {}).items()
            },
        )

    def visibility_timeout(self, celery_queue: str) -> int:
        """The queue's own visibility timeout, else the stage's."""
        return self.visibility_timeout_by_queue.get(celery_queue, self.visibility_timeout_seconds)


@dataclass(frozen=True)
class CreatedQueue:
    celery_queue: str
    url: str
    dead_letter_url: str


def create_queues(
    sqs: Any, policy: QueuePolicy, celery_queues: Iterable[str] | None = None
) -> dict[str, CreatedQueue]:
    """Create (idempotently) each queue and its dead-letter queue with the redrive policy.

    ``sqs`` is a boto3 SQS client. Retention as on AWS: 14 days for a
    dead-letter queue, 4 for a queue.
    """
    created: dict[str, CreatedQueue] = {}
    for celery_queue in all_queues() if celery_queues is None else celery_queues:
        dlq_url = sqs.create_queue(
            QueueName=dead_letter_queue_name(celery_queue),
            Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        url = sqs.create_queue(
            QueueName=sqs_queue_name(celery_queue),
            Attributes={
                "VisibilityTimeout": str(policy.visibility_timeout(celery_queue)),
                "MessageRetentionPeriod": str(4 * 24 * 3600),
                "ReceiveMessageWaitTimeSeconds": "20",
                "RedrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": dlq_arn,
                        "maxReceiveCount": str(policy.max_receive_count),
                    }
                ),
            },
        )["QueueUrl"]
        created[celery_queue] = CreatedQueue(celery_queue, url, dlq_url)
    return created
