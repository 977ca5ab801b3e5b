"""Django settings for the shared package's own tests: a minimal tenant-aware project."""

import os

SECRET_KEY = "shared-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_pg = {
    "HOST": os.environ.get("PGHOST", "127.0.0.1"),
    "PORT": os.environ.get("PGPORT", "54329"),
    "USER": os.environ.get("PGUSER", "pocdex"),
    "PASSWORD": os.environ.get("PGPASSWORD", "pocdex"),
}
DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": os.environ.get("SHARED_TESTS_DB", "shared_tests"),
        **_pg,
    }
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

SHARED_APPS = [
    "django_tenants",
    "pocdex_shared.tenancy",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "pocdex_shared.events",
    "tests.tenantapp",
]
TENANT_APPS = ["tests.tenantdata"]
INSTALLED_APPS = SHARED_APPS + [a for a in TENANT_APPS if a not in SHARED_APPS]
TENANT_MODEL = "tenantapp.TenantReplica"
TENANT_DOMAIN_MODEL = "tenantapp.Domain"
TENANT_BASE_SCHEMA = "tenant_base"
TENANT_CREATION_FAKES_MIGRATIONS = True

MIDDLEWARE = [
    "pocdex_shared.observability.RequestContextMiddleware",
    "pocdex_shared.tenancy.middleware.TenantFromTokenMiddleware",
]

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "pocdex_shared.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["pocdex_shared.tenancy.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}

# Redis databases reserved for these tests (never the platform's 0 and 1: the running
# services' workers consume the broker db, and would steal the test events).
REDIS_URL = os.environ.get("SHARED_TESTS_REDIS_URL", "redis://127.0.0.1:63799/12")
CELERY_BROKER_URL = os.environ.get("SHARED_TESTS_BROKER_URL", "redis://127.0.0.1:63799/13")

POCDEX_SERVICE = "shared-tests"
# Topic → consuming services. The "shared-tests-peer" queue has no worker in the
# tests: it only shows that an event is sent to every subscriber's queue.
EVENT_SUBSCRIBERS = {
    "tenant.created": ["shared-tests"],
    "tenant.updated": ["shared-tests"],
    "tenant.provisioned": ["shared-tests-peer"],
    "test.note_added": ["shared-tests", "shared-tests-peer"],
    "test.fails_then_works": ["shared-tests"],
}
JWT_ISSUER = "https://issuer.test"
JWT_AUDIENCE = "pocdex-api"
# Tests install their own key source; see tests/conftest.py.
JWT_KEY_SOURCE = "tests.keys.key_source"

# Service-to-service calls (tests serve accounts' internal contract themselves).
ACCOUNTS_URL = os.environ.get("SHARED_TESTS_ACCOUNTS_URL", "http://127.0.0.1:18101")
SERVICE_CLIENT_SECRET = "shared-tests-client-secret"
# A replica service asks accounts about an organization it has not heard of;
# the tests of that (test_tenancy_onboarding) turn it on with accounts played
# by a small HTTP server, the others work from the replica rows alone.
TENANT_LOOKUP_FROM_ACCOUNTS = False

# Per-organization buckets (pocdex_shared.storage) on the local s3proxy; the
# credentials come from the environment (local/env.sh), as for every service.
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "http://127.0.0.1:19000")
S3_REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
S3_BUCKET_PREFIX = "pocdex-test-shared-t-"
