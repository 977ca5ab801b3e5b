"""pocdex.ping's effect, and the SQS queue set's names and stage values."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import redis

from pocdex_shared.events.diagnostics import InvalidPingTokenError, ping_key, record_ping
from pocdex_shared.events.sqs import sqs_queue_name
from pocdex_shared.events.sqs_setup import QueuePolicy, dead_letter_queue_name
from pocdex_shared.queues import all_queues

CACHE_URL = os.environ.get("CACHE_URL", "redis://127.0.0.1:63799/2")
STAGES = Path(__file__).resolve().parents[2] / "cdk" / "config"


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
    client = redis.Redis.from_url(CACHE_URL)
    yield client
    client.close()


def test_a_ping_writes_one_expiring_key_naming_the_service_and_queue(redis_cache):
    token = f"t-{uuid.uuid4()}"
    try:
        assert record_ping(token, queue="shared-tests.default") == {
            "service": "shared-tests",
            "queue": "shared-tests.default",
        }
        stored = redis_cache.get(ping_key(token))
        assert json.loads(stored) == {"service": "shared-tests", "queue": "shared-tests.default"}
        assert 0 < redis_cache.ttl(ping_key(token)) <= 600
    finally:
        redis_cache.delete(ping_key(token))


@pytest.mark.parametrize(
    "token", ["short", "has spaces in it", "x" * 65, 12345678, None, "a:b:c:d:e"]
)
def test_a_ping_with_an_invalid_token_fails_and_writes_nothing(redis_cache, token):
    before = set(redis_cache.scan_iter("pocdex:ping:*"))
    with pytest.raises(InvalidPingTokenError):
        record_ping(token, queue="shared-tests.default")
    assert set(redis_cache.scan_iter("pocdex:ping:*")) <= before


def test_dead_letter_queues_are_named_after_their_queue():
    assert sqs_queue_name("media.videos") == "pocdex-media-videos"
    assert dead_letter_queue_name("media.videos") == "pocdex-media-videos-dlq"


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_the_queue_policy_reads_the_cdk_stage_values(stage):
    queues = json.loads((STAGES / f"{stage}.json").read_text())["queues"]
    policy = QueuePolicy.from_stage(queues)
    assert policy.max_receive_count == queues["max_receive_count"] >= 2
    own = queues.get("visibility_timeout_by_queue", {})
    assert set(own) <= set(all_queues())
    for celery_queue in all_queues():
        expected = own.get(celery_queue, queues["visibility_timeout_seconds"])
        assert policy.visibility_timeout(celery_queue) == expected
