"""Messaging: one SQS queue per Celery queue of every service, each with its dead-letter queue.

The list and the names come from the services' own code
(``pocdex_shared.queues.all_queues`` and ``pocdex_shared.events.sqs.sqs_queue_name``),
so a queue a service declares is a queue the infrastructure creates
(``pocdex_shared.events.sqs_setup`` creates the same set on moto's server for
the tests of tests/aws). Events need no SNS topic: the outbox relay sends each
event to every subscriber's events queue itself (ADR 0037). SNS here is mobile
push only: the secrets that hold the push credentials the SNS platform
applications are made from (CloudFormation has no resource for platform
applications; docs/deploy-aws.md creates them).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .common import customer_key
from .config import StageConfig
from .nag import acknowledge
from .platform import all_queues, dead_letter_queue_name, sqs_queue_name

dead_letter_name = dead_letter_queue_name


def visibility_timeout(queues: dict[str, Any], celery_queue: str) -> int:
    """The stage's visibility timeout of one queue: its own value, else the stage's default."""
    return int(
        queues.get("visibility_timeout_by_queue", {}).get(
            celery_queue, queues["visibility_timeout_seconds"]
        )
    )


class MessagingStack(Stack):
    def __init__(
        self, scope: Construct, cid: str, *, config: StageConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        q = config.queues
        self.key = customer_key(
            self, "MessagingKey", f"pocdex {config.name}: SQS and push credentials"
        )
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letters: dict[str, sqs.Queue] = {}
        for celery_queue in all_queues():
            name = sqs_queue_name(celery_queue)
            construct_id = "".join(part.capitalize() for part in celery_queue.split("."))
            dlq = sqs.Queue(
                self,
                f"{construct_id}Dlq",
                queue_name=dead_letter_name(celery_queue),
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.key,
                enforce_ssl=True,
                retention_period=Duration.days(14),
            )
            acknowledge(dlq, "AwsSolutions-SQS3", "This is a dead-letter queue.")
            queue = sqs.Queue(
                self,
                construct_id,
                queue_name=name,
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.key,
                enforce_ssl=True,
                # Longer than the queue's longest task (hard time limit) and retry
                # countdown, and no longer: for a queue without a reaper it is how
                # long a dead worker's message waits (ADR 0039).
                visibility_timeout=Duration.seconds(visibility_timeout(q, celery_queue)),
                retention_period=Duration.days(4),
                receive_message_wait_time=Duration.seconds(20),
                dead_letter_queue=sqs.DeadLetterQueue(
                    queue=dlq, max_receive_count=q["max_receive_count"]
                ),
            )
            self.queues[celery_queue] = queue
            self.dead_letters[celery_queue] = dlq
        self.push_secrets = {
            platform: secretsmanager.Secret(
                self,
                f"Push{platform.upper()}",
                secret_name=f"pocdex/{config.name}/push/{platform}",
                description=description,
                encryption_key=self.key,
            )
            for platform, description in (
                (
                    "apns",
                    "APNs signing key (.p8), key id, team id and bundle id for the SNS iOS platform application",
                ),
                ("fcm", "FCM service account JSON for the SNS Android platform application"),
            )
        }
        for secret in self.push_secrets.values():
            acknowledge(
                secret,
                "AwsSolutions-SMG4",
                "Apple and Google issue these credentials; they are replaced when the vendor's key is, by hand, not by a rotation function.",
            )
        CfnOutput(
            self,
            "QueueUrlPrefix",
            value=f"https://sqs.{self.region}.amazonaws.com/{self.account}/",
            description="SQS_QUEUE_URL_PREFIX of every service (queues pocdex-<service>-<name>)",
        )
