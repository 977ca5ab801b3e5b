"""Test settings: the real PostgreSQL, Redis and SMTP, on Redis databases of their own.

The running platform's accounts worker listens on the local broker; tests use
other Redis databases so it never consumes a test's events (and vice versa).
"""

from pocdex_shared.service_settings import redis_cache

from .settings import *  # noqa: F403
from .settings import env

CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:63799/11")
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:63799/10")
CACHES = {
    "default": redis_cache(
        "accounts-test", env.str("TEST_CACHE_URL", default="redis://127.0.0.1:63799/12")
    )
}
CACHES["throttles"] = {
    **{k: v for k, v in CACHES["default"].items() if not k.endswith("KEY_FUNCTION")},
    "KEY_PREFIX": "accounts-test-throttle",
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Provisioning in tests involves accounts only; other services run their own suites.
POCDEX_SERVICES = ["accounts"]
EVENT_SUBSCRIBERS = {
    "tenant.created": ["accounts"],
    "tenant.updated": [],
    "tenant.provisioned": ["accounts"],
    "member.removed": [],
    # Accounts records its own revocations when they commit (tokens.services).
    "tokens.revoked": [],
    "person.deleted": [],
}
