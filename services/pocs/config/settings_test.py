"""Test settings: the real PostgreSQL, Redis and s3proxy, on Redis databases of their own.

The running platform's pocs worker consumes the local broker (Redis db 1); tests
use db 14 for the broker and db 15 for the cache, so neither side ever consumes
the other's messages. Tokens are minted by the tests with a key of their own.
"""

import uuid

from pocdex_shared.service_settings import redis_cache

from .settings import *  # noqa: F403
from .settings import env

CELERY_BROKER_URL = env.str("TEST_POCS_BROKER_URL", default="redis://127.0.0.1:63799/14")
REDIS_URL = env.str("TEST_POCS_REDIS_URL", default="redis://127.0.0.1:63799/15")
CACHES = {"default": redis_cache("pocs-test", REDIS_URL)}
JWT_ISSUER = "https://issuer.test"
JWT_KEY_SOURCE = "pocdex_shared.testing.tokens.key_source"
# Test buckets are recognizable and removed by the tests that create them.
S3_BUCKET_PREFIX = "pocdex-test-t-"
EVENT_SUBSCRIBERS = {"tenant.provisioned": ["accounts"]}
# Never the platform's search index: a test-only alias; the search tests create
# the index behind it and delete it at the end.
SEARCH_INDEX_ALIAS = f"pocs-test-{uuid.uuid4().hex[:10]}"
SEARCH_CATCH_UP_GRACE_SECONDS = 0
