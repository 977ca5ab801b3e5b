"""Test settings: the real PostgreSQL, Redis and s3proxy, on Redis databases of their own.

The running platform's media workers consume the local broker (Redis db 1);
tests use db 4 for the broker and db 5 for the cache, so neither side ever
consumes the other's messages. Access tokens for media's own API are minted by
the tests (``pocdex_shared.testing.tokens``); ``ACCOUNTS_URL``, ``POCS_URL`` and
``DOJO_URL`` point at the tests' stand-ins of those services (``tests/upstream.py``).
"""

from pocdex_shared.service_settings import broker_transport_options, redis_cache

from .settings import *  # noqa: F403
from .settings import POCDEX_SERVICE, POCDEX_SERVICES, env

CELERY_BROKER_URL = env.str("TEST_MEDIA_BROKER_URL", default="redis://127.0.0.1:63799/4")
REDIS_URL = env.str("TEST_MEDIA_REDIS_URL", default="redis://127.0.0.1:63799/5")
CACHES = {"default": redis_cache("media-test", REDIS_URL)}
JWT_ISSUER = "https://issuer.test"
JWT_KEY_SOURCE = "pocdex_shared.testing.tokens.key_source"
S3_BUCKET_PREFIX = "pocdex-test-media-t-"
EVENT_SUBSCRIBERS = {
    "tenant.provisioned": ["accounts"],
    "media.job.completed": ["accounts"],
    "media.job.failed": [],
}
# A killed worker's message returns only after this: in the kill tests the
# reaper, on the short intervals below, must pick the job up long before.
MEDIA_VISIBILITY_TIMEOUT = 600
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, service=POCDEX_SERVICE, services=POCDEX_SERVICES
) or {"visibility_timeout": MEDIA_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith("sqs://"):
    # The SQS tests' broker is moto's server on 127.0.0.1, in plain HTTP.
    CELERY_BROKER_TRANSPORT_OPTIONS["is_secure"] = False
MEDIA_HEARTBEAT_SECONDS = 0.5
MEDIA_STALE_SECONDS = 8.0
MEDIA_REAPER_SECONDS = 1.0
# Short videos: every scene a tenth of its length (about 6 s for a busy year).
VIDEO_SCENE_SCALE = env.float("TEST_VIDEO_SCENE_SCALE", default=0.1)
# Retries when pocs is unavailable: 0.05 s, 0.1 s, ... instead of 5 s, 10 s, ...
MEDIA_RETRY_BACKOFF_SECONDS = 0.05
