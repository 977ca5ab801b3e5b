"""Celery on SQS with predefined queues (AWS): names and transport options.

SQS queue names may not contain dots, and on AWS the queues (with their
dead-letter queues) are created by the infrastructure code, not by Celery; so
every queue a service sends to or consumes must be predefined, mapped to its URL.
The names come from the one declaration in :mod:`pocdex_shared.queues`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..queues import queues_of
from .names import queue_for

SQS_NAME_PREFIX = "pocdex-"


def sqs_queue_name(celery_queue: str) -> str:
    """``accounts.events`` → ``pocdex-accounts-events`` (the name the CDK app creates)."""
    return SQS_NAME_PREFIX + celery_queue.replace(".", "-")


def sqs_transport_options(
    *,
    own_service: str,
    services: Iterable[str],
    url_prefix: str,
    region: str,
    visibility_timeout: int = 660,
) -> dict[str, Any]:
    """Transport options naming the event queue of every service plus every queue of this one.

    An undeclared ``own_service`` raises :class:`pocdex_shared.queues.UndeclaredQueueError`.

    ``visibility_timeout`` is only what kombu gives a queue it creates itself;
    the predefined queues keep their own, set per queue by the CDK stage config
    (above each queue's longest task, and no longer: media's reaper, not the
    timeout, brings back a dead worker's render; ADR 0039). The default is the
    longest render's (600 s hard limit) plus a minute.
    """
    prefix = url_prefix.rstrip("/") + "/"
    queues = {queue_for(service) for service in services} | set(queues_of(own_service))
    return {
        "region": region,
        "visibility_timeout": visibility_timeout,
        # kombu looks a predefined queue up by its SQS name: the prefix plus the
        # Celery name with dots made dashes, which is exactly sqs_queue_name.
        "queue_name_prefix": SQS_NAME_PREFIX,
        "predefined_queues": {
            sqs_queue_name(queue): {"url": prefix + sqs_queue_name(queue)}
            for queue in sorted(queues)
        },
    }
