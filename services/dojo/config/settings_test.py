"""Test settings: the real PostgreSQL and Redis, on Redis databases of their own.

The running platform uses Redis dbs 0 to 3; the dojo tests use 6 (broker), 7
(tickets and cache) and 8 (channel layer), so a test never talks to the
platform's daphne instances or workers. Tokens are minted with the tests' key.
"""

from pocdex_shared.service_settings import redis_cache

from .settings import *  # noqa: F403
from .settings import CHANNEL_LAYERS, env

CELERY_BROKER_URL = env.str("TEST_DOJO_BROKER_URL", default="redis://127.0.0.1:63799/6")
REDIS_URL = env.str("TEST_DOJO_REDIS_URL", default="redis://127.0.0.1:63799/7")
CACHES = {"default": redis_cache("dojo-test", REDIS_URL)}
CHANNEL_REDIS_URL = env.str("TEST_DOJO_CHANNEL_URL", default="redis://127.0.0.1:63799/8")
CHANNEL_LAYERS = {
    "default": {
        **CHANNEL_LAYERS["default"],
        # Redis pub/sub channels ignore the database number: a prefix of their own
        # keeps the tests' events away from the running platform's instances.
        "CONFIG": {"hosts": [CHANNEL_REDIS_URL], "prefix": "dojo-test"},
    }
}
JWT_ISSUER = "https://issuer.test"
JWT_KEY_SOURCE = "pocdex_shared.testing.tokens.key_source"
EVENT_SUBSCRIBERS = {"tenant.provisioned": ["accounts"]}
# Short presence windows so the instance-failure tests finish quickly.
DOJO_PRESENCE_TTL_SECONDS = 3
DOJO_PRESENCE_REFRESH_SECONDS = 1
DOJO_ROTATION_UNIT_SECONDS = 1
# A short owner lease so the takeover tests finish quickly.
DOJO_OWNER_LEASE_MS = 1500
# The test process keeps CPython's garbage collection (dojos.collector is tested on its own).
DOJO_TUNE_GC = False
# pytest-django creates and drops the test database around the run; a pool
# opened against it would outlive it. The tests connect per call instead.
DATABASES["default"]["OPTIONS"].pop("pool", None)  # noqa: F405
