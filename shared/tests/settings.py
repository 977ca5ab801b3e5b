"""Django settings for the shared package's own tests: a minimal tenant-aware project."""

import os

SECRET_KEY = "shared-tests-only"  # noqa: S105 - test-only settings module
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

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:63799/1")

POCDEX_SERVICE = "shared-tests"
JWT_ISSUER = "https://issuer.test"
JWT_AUDIENCE = "pocdex-api"
# Tests install their own key source; see tests/conftest.py.
JWT_KEY_SOURCE = "tests.keys.key_source"
