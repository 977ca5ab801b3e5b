"""Every Celery queue of every service, declared once.

A queue name is written here and nowhere else: the services route their tasks
with :func:`queue`, the SQS transport options predefine :func:`queues_of` the
service (plus the event queue of every service it publishes to), the Procfiles'
workers consume exactly these (checked by the local tests), and the AWS
infrastructure creates one SQS queue (with its dead-letter queue) for each name
:func:`all_queues` returns. Import-safe before Django's app registry is ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# service -> the short names of its queues. ``events`` receives the domain
# events other services publish (pocdex_shared.events); ``default`` everything
# not routed elsewhere; the others are slow work with workers of their own.
SERVICE_QUEUES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "accounts": ("events", "default"),
        "pocs": ("events", "default", "search"),
        "dojo": ("events", "default"),
        "media": ("events", "default", "reports", "videos"),
    }
)


class UndeclaredQueueError(LookupError):
    """A service or queue that is not in :data:`SERVICE_QUEUES`."""


def queues_of(service: str) -> tuple[str, ...]:
    """``"pocs"`` → ``("pocs.events", "pocs.default", "pocs.search")``."""
    try:
        short_names = SERVICE_QUEUES[service]
    except KeyError:
        raise UndeclaredQueueError(f"no queues are declared for the service {service!r}") from None
    return tuple(f"{service}.{name}" for name in short_names)


def queue(service: str, name: str) -> str:
    """The full name of one declared queue: ``queue("media", "reports")`` → ``media.reports``."""
    full = f"{service}.{name}"
    if full not in queues_of(service):
        raise UndeclaredQueueError(f"{full!r} is not declared in pocdex_shared.queues")
    return full


def all_queues() -> tuple[str, ...]:
    """Every queue of every service, in declaration order."""
    return tuple(name for service in SERVICE_QUEUES for name in queues_of(service))
