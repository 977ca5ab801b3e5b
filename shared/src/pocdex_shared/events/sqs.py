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


def sqs_queue_name(celery_queue: str) -> str:
    """``accounts.events`` → ``pocdex-accounts-events`` (the name the CDK app creates)."""
    return "pocdex-" + celery_queue.replace(".", "-")


def sqs_transport_options(
    *,
    own_service: str,
    services: Iterable[str],
    url_prefix: str,
    region: str,
    visibility_timeout: int = 3600,
) -> dict[str, Any]:
    """Transport options naming the event queue of every service plus every queue of this one.

    An undeclared ``own_service`` raises :class:`pocdex_shared.queues.UndeclaredQueueError`.

    ``visibility_timeout`` must exceed the longest task's hard time limit, or a
    running task would be delivered twice.
    """
    prefix = url_prefix.rstrip("/") + "/"
    queues = {queue_for(service) for service in services} | set(queues_of(own_service))
    return {
        "region": region,
        "visibility_timeout": visibility_timeout,
        "predefined_queues": {
            queue: {"url": prefix + sqs_queue_name(queue)} for queue in sorted(queues)
        },
    }
