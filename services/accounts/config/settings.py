"""Settings of the accounts service: identity, organizations (tenants), tokens, back office.

Everything comes from the environment; ``local/env.sh`` provides safe local
defaults and production refuses to start without the required values.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from pocdex_shared.conf import csv_list, database_from_env, env, is_production, required
from pocdex_shared.events.sqs import sqs_transport_options
from pocdex_shared.observability import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
POCDEX_SERVICE = "accounts"

SECRET_KEY = required("DJANGO_SECRET_KEY", local_default="accounts-local-only-not-secret")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = csv_list(
    "ALLOWED_HOSTS",
    default=[] if is_production() else ["localhost", ".localhost", "127.0.0.1", "testserver"],
)
CSRF_TRUSTED_ORIGINS = csv_list(
    "CSRF_TRUSTED_ORIGINS",
    default=[] if is_production() else ["http://localhost:8000", "http://*.localhost:8000"],
)
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = is_production()
CSRF_COOKIE_SECURE = is_production()

SHARED_APPS = [
    "django_tenants",
    "pocdex_shared.tenancy",
    "pocdex_shared.events",
    "identity",
    "organizations",
    "tokens",
    "notifications",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
]
TENANT_APPS = ["audit"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "organizations.Organization"
TENANT_DOMAIN_MODEL = "organizations.Domain"
TENANT_BASE_SCHEMA = "tenant_base"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Accounts' own endpoints only touch public data, so an organization may use
# them while the other services are still provisioning it.
TENANT_ALLOWED_STATUSES = ("active", "provisioning")
PUBLIC_BASE_DOMAIN = env.str("PUBLIC_BASE_DOMAIN", default="localhost")

MIDDLEWARE = [
    "pocdex_shared.observability.RequestContextMiddleware",
    "pocdex_shared.observability.MetricsMiddleware",
    "pocdex_shared.errors.JsonErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pocdex_shared.tenancy.middleware.TenantFromTokenMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": database_from_env(
        "DATABASE_URL_ACCOUNTS",
        local_default="postgres://pocdex:pocdex@127.0.0.1:54329/accounts",
    )
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default="redis://127.0.0.1:63799/2"),
        "KEY_PREFIX": "accounts",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
CELERY_BROKER_URL = env.str("POCDEX_BROKER_URL", default="redis://127.0.0.1:63799/1")

AUTH_USER_MODEL = "identity.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pt-br", _("Portuguese (Brazil)"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = env.str(
    "STATIC_ROOT", default=str(BASE_DIR.parent.parent / "var" / "static" / "accounts")
)

# Uploads: JSON bodies are small; anything larger is refused with 413 payload_too_large.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["identity.authentication.AccountTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "pocdex_shared.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pocdex accounts API",
    "DESCRIPTION": "Organizations, people, memberships, invitations and tokens.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# Tokens
JWT_ISSUER = env.str("JWT_ISSUER", default="http://localhost:8000")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="pocdex-api")
JWT_KEY_SOURCE = "tokens.keys.published_key_source"
ACCESS_TOKEN_TTL = timedelta(seconds=env.int("ACCESS_TOKEN_TTL_SECONDS", default=600))
REFRESH_TOKEN_TTL = timedelta(days=env.int("REFRESH_TOKEN_TTL_DAYS", default=14))
REFRESH_FAMILY_MAX_AGE = timedelta(days=env.int("REFRESH_FAMILY_MAX_AGE_DAYS", default=60))

# Service-to-service: each service's client secret, to obtain service tokens.
SERVICE_TOKEN_TTL = timedelta(seconds=env.int("SERVICE_TOKEN_TTL_SECONDS", default=300))
SERVICE_CLIENTS = {
    name: required(
        f"SERVICE_CLIENT_SECRET_{name.upper()}",
        local_default=f"local-only-{name}-client-secret",
        purpose=f"the secret {name} uses to obtain service tokens",
    )
    for name in ("pocs", "dojo", "media")
}

# Provisioning: every service listed must report tenant.provisioned before a tenant is active.
POCDEX_SERVICES = csv_list("POCDEX_SERVICES", default=["accounts"])
EVENT_SUBSCRIBERS = {
    "tenant.created": POCDEX_SERVICES,
    "tenant.updated": [s for s in POCDEX_SERVICES if s != "accounts"],
    "tenant.provisioned": ["accounts"],
    "member.removed": [s for s in POCDEX_SERVICES if s != "accounts"],
}

if CELERY_BROKER_URL.startswith("sqs://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = sqs_transport_options(
        own_service=POCDEX_SERVICE,
        services=POCDEX_SERVICES,
        url_prefix=required(
            "SQS_QUEUE_URL_PREFIX", purpose="URL prefix of the predefined SQS queues"
        ),
        region=required("AWS_REGION", purpose="AWS region of the SQS queues"),
    )

# Abuse protection: "<count>/<seconds>" windows, read at call time.
THROTTLES = {
    "login_ip": env.str("THROTTLE_LOGIN_IP", default="30/60"),
    "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="10/300"),
    "signup_ip": env.str("THROTTLE_SIGNUP_IP", default="10/3600"),
    "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="10/3600"),
    "password_reset_account": env.str("THROTTLE_PASSWORD_RESET_ACCOUNT", default="3/3600"),
    "refresh_ip": env.str("THROTTLE_REFRESH_IP", default="120/60"),
    "invitation_accept_ip": env.str("THROTTLE_INVITATION_ACCEPT_IP", default="30/3600"),
    "service_token_ip": env.str("THROTTLE_SERVICE_TOKEN_IP", default="600/60"),
}

# Mail
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Pocdex <no-reply@pocdex.local>")
# Links in mails open the app (deep links) or this web base.
APP_LINK_BASE = env.str("APP_LINK_BASE", default="http://localhost:8000")
INVITATION_TTL = timedelta(days=env.int("INVITATION_TTL_DAYS", default=7))
EMAIL_VERIFICATION_TTL = timedelta(days=3)
PASSWORD_RESET_TIMEOUT = 60 * 60

LOGGING = logging_config("accounts", level=env.str("LOG_LEVEL", default="INFO"))
