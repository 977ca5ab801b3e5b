"""Settings for the tests that need neither PostgreSQL nor the tenant apps.

``pytest --ds tests._b_settings_nodb -m "not db"``: handy while the local
stack is down. ``tests.settings`` remains the reference configuration.
"""

SECRET_KEY = "shared-tests-only"  # noqa: S105 - test-only settings module
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES: dict[str, dict[str, str]] = {}

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
]
MIDDLEWARE = ["pocdex_shared.observability.RequestContextMiddleware"]

REST_FRAMEWORK: dict[str, object] = {
    "EXCEPTION_HANDLER": "pocdex_shared.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

POCDEX_SERVICE = "shared-tests"
JWT_ISSUER = "https://issuer.test"
JWT_AUDIENCE = "pocdex-api"
