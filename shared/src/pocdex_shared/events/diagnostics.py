"""``pocdex.ping``: the one task every worker of every service runs on any of its queues.

Send it to a queue with a token; the worker that consumes it writes one Redis
key (on the cache's Redis) naming the token, the service and the queue, with a
ten-minute expiry. It touches nothing else, so it is safe to send in
production: it answers "does a message on this queue reach a worker of this
service?" (the AWS suite of tests/aws does that for every queue on SQS).

A token that is not 8-64 letters, digits or dashes fails the task: a failing
task with no side effect, which is how the tests watch a message go to its
queue's dead-letter queue.
"""

from __future__ import annotations

import json
import re
from typing import Any

import redis
from django.conf import settings

PING_KEY_PREFIX = "pocdex:ping:"
PING_TTL_SECONDS = 600
_TOKEN = re.compile(r"[A-Za-z0-9-]{8,64}")


class InvalidPingTokenError(ValueError):
    """The token is not 8-64 letters, digits or dashes."""


def ping_key(token: str) -> str:
    return PING_KEY_PREFIX + token


def record_ping(token: object, *, queue: str | None) -> dict[str, Any]:
    """Write the ping's answer under :func:`ping_key`; returns what was written."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InvalidPingTokenError("a ping token is 8-64 letters, digits or dashes")
    answer = {"service": settings.POCDEX_SERVICE, "queue": queue}
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        client.set(ping_key(token), json.dumps(answer), ex=PING_TTL_SECONDS)
    finally:
        client.close()
    return answer
