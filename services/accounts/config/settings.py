"""Settings of the accounts service: identity, organizations (tenants), tokens, back office.

Everything comes from the environment; ``local/env.sh`` provides safe local
defaults and production refuses to start without the required values.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import app_links
from pocdex_shared.conf import (
    csv_list,
    database_from_env,
    env,
    environment_name,
    is_production,
    redis_url,
    required,
    secret,
)
from pocdex_shared.observability import logging_config
from pocdex_shared.service_settings import (
    PRODUCT_LANGUAGES,
    PROXY_SSL_HEADER,
    allowed_hosts,
    api_middleware,
    api_templates,
    broker_transport_options,
    broker_url,
    default_cache,
    rest_framework,
    secret_key,
    spectacular,
)

BASE_DIR = Path(__file__).resolve().parent.parent
POCDEX_SERVICE = "accounts"

SECRET_KEY = secret_key(POCDEX_SERVICE)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = allowed_hosts()
CSRF_TRUSTED_ORIGINS = csv_list(
    "CSRF_TRUSTED_ORIGINS",
    default=[] if is_production() else ["http://localhost:8000", "http://*.localhost:8000"],
)
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = PROXY_SSL_HEADER
SESSION_COOKIE_SECURE = is_production()
CSRF_COOKIE_SECURE = is_production()
# Sessions (the back office and the owner console): host-only cookies, never
# readable by scripts, not sent on cross-site posts (ADR 0046).
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "console.errors.csrf_failure"
# A console session ends after this long without a request.
CONSOLE_SESSION_IDLE_SECONDS = env.int("CONSOLE_SESSION_IDLE_SECONDS", default=8 * 3600)
# Where console forms may lead besides the console itself: the payment provider's
# hosted checkout and customer portal (browsers apply form-action to the redirect
# after a POST). stripe-mock answers with the same origins as Stripe.
CONSOLE_FORM_ACTION_ORIGINS = csv_list(
    "CONSOLE_FORM_ACTION_ORIGINS",
    default=["https://checkout.stripe.com", "https://billing.stripe.com"],
)

SHARED_APPS = [
    "django_tenants",
    "pocdex_shared.tenancy",
    "pocdex_shared.events",
    "identity",
    "organizations",
    "tokens",
    "notifications",
    "devices",
    "billing",
    "lgpd",
    "console",
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
    *api_middleware(web_pages=True),
    "identity.backoffice.AdminContentSecurityPolicyMiddleware",
]
# An organization's host (<slug>.<PUBLIC_BASE_DOMAIN>) gets the owner console's URLconf
# (ADR 0046): after the language, before CommonMiddleware resolves paths for its redirects.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
    "console.hosts.ConsoleHostMiddleware",
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = api_templates(dirs=[BASE_DIR / "templates"], web_pages=True)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("console.context_processors.console")

DATABASES = {
    "default": database_from_env(
        "DATABASE_URL_ACCOUNTS",
        local_default="postgres://pocdex:pocdex@127.0.0.1:54329/accounts",
    )
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = redis_url("REDIS_URL")
CACHES = {"default": default_cache(POCDEX_SERVICE)}
# Rate-limit windows must not depend on the organization a request's token names
# (any token would buy a fresh budget): their alias keys without the tenant (ADR 0018).
CACHES["throttles"] = {
    **{k: v for k, v in CACHES["default"].items() if not k.endswith("KEY_FUNCTION")},
    "KEY_PREFIX": f"{POCDEX_SERVICE}-throttle",
}
CELERY_BROKER_URL = broker_url()

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
LANGUAGES = PRODUCT_LANGUAGES
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

REST_FRAMEWORK = rest_framework(authentication="identity.authentication.AccountTokenAuthentication")
SPECTACULAR_SETTINGS = spectacular(
    POCDEX_SERVICE, "Organizations, people, memberships, invitations and tokens."
)

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
    name: secret(
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
    # Every service keeps a deny list of revoked access tokens, accounts too.
    "tokens.revoked": POCDEX_SERVICES,
    # An organization's purge after its grace period (ADR 0044); each service confirms.
    "tenant.purged": [s for s in POCDEX_SERVICES if s != "accounts"],
    # A person deleted themselves (ADR 0047): each service anonymizes what they authored.
    "person.deleted": [s for s in POCDEX_SERVICES if s != "accounts"],
}

CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, service=POCDEX_SERVICE, services=POCDEX_SERVICES
)

# Abuse protection: "<count>/<seconds>" windows, read at call time.
THROTTLES = {
    "login_ip": env.str("THROTTLE_LOGIN_IP", default="30/60"),
    "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="10/300"),
    "signup_ip": env.str("THROTTLE_SIGNUP_IP", default="10/3600"),
    "signup_account": env.str("THROTTLE_SIGNUP_ACCOUNT", default="5/3600"),
    "organization_create_account": env.str(
        "THROTTLE_ORGANIZATION_CREATE_ACCOUNT", default="10/3600"
    ),
    "otp_account": env.str("THROTTLE_OTP_ACCOUNT", default="10/300"),
    "admin_login_ip": env.str("THROTTLE_ADMIN_LOGIN_IP", default="30/60"),
    "admin_login_account": env.str("THROTTLE_ADMIN_LOGIN_ACCOUNT", default="10/300"),
    "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="10/3600"),
    "password_reset_account": env.str("THROTTLE_PASSWORD_RESET_ACCOUNT", default="3/3600"),
    "refresh_ip": env.str("THROTTLE_REFRESH_IP", default="120/60"),
    "invitation_accept_ip": env.str("THROTTLE_INVITATION_ACCEPT_IP", default="30/3600"),
    "invitation_create_org": env.str("THROTTLE_INVITATION_CREATE_ORG", default="100/3600"),
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
# Apps that open the https links of the mails (/.well-known/, identity.app_links).
APP_LINKS_ANDROID_PACKAGES = app_links.android_packages()
APP_LINKS_ANDROID_CERT_SHA256 = app_links.android_fingerprints()
APP_LINKS_IOS_APP_IDS = app_links.ios_app_ids()

# Billing through Stripe (ADR 0043). Locally the API is the stripe-mock that
# `make run` starts (STRIPE_API_BASE), so nothing is charged and no account is
# needed; production talks to Stripe itself with its own keys.
STRIPE_API_BASE = env.str(
    "STRIPE_API_BASE", default="" if is_production() else "http://127.0.0.1:12111"
).rstrip("/")
if is_production() and STRIPE_API_BASE and STRIPE_API_BASE != "https://api.stripe.com":
    raise ImproperlyConfigured("STRIPE_API_BASE must be empty (Stripe) in production.")
STRIPE_API_KEY = secret(
    "STRIPE_API_KEY",
    local_default="sk_test_local-only-stripe-mock-key",
    purpose="Stripe's secret API key (billing)",
    min_length=20,
)
STRIPE_WEBHOOK_SECRET = secret(
    "STRIPE_WEBHOOK_SECRET",
    local_default="whsec_local-only-stripe-mock-signing-secret",
    purpose="the signing secret of Stripe's webhook endpoint",
    min_length=20,
)
# Days an overdue (past_due) subscription keeps its plan before the organization falls to Free.
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
# Where checkout and the customer portal send the person back.
BILLING_RETURN_URL = env.str("BILLING_RETURN_URL", default=f"{APP_LINK_BASE}/billing")
EMAIL_VERIFICATION_TTL = timedelta(days=3)
PASSWORD_RESET_TIMEOUT = 60 * 60

# Push notifications ("your report/video is ready", ADR 0033): Amazon SNS mobile
# push, one platform application per platform, named by ARN; or "log", the local
# default, which writes each notice to the log. Production delivers through SNS
# and refuses to start without both applications.
PUSH_GATEWAY = env.str("PUSH_GATEWAY", default="sns" if is_production() else "log").strip().lower()
if PUSH_GATEWAY not in ("sns", "log"):
    raise ImproperlyConfigured(f"PUSH_GATEWAY must be sns or log, not {PUSH_GATEWAY!r}.")
if PUSH_GATEWAY != "sns" and is_production():
    raise ImproperlyConfigured(
        f"PUSH_GATEWAY={PUSH_GATEWAY} only logs notifications; production "
        f"(POCDEX_ENV={environment_name()!r}) delivers them through SNS (PUSH_GATEWAY=sns)."
    )
_PUSH_ARN = r"arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:app/{platforms}/[A-Za-z0-9_.-]+"


def _push_application(name: str, platforms: str, purpose: str) -> str:
    if PUSH_GATEWAY != "sns":
        return env.str(name, default="")
    value = required(name, purpose=purpose)
    if not re.fullmatch(_PUSH_ARN.replace("{platforms}", platforms), value):
        raise ImproperlyConfigured(
            f"{name} must be the ARN of an SNS platform application for {platforms}."
        )
    return value


PUSH_PLATFORM_APPLICATIONS = {
    "apns": _push_application(
        "PUSH_APNS_APPLICATION_ARN", "(APNS|APNS_SANDBOX)", "the SNS platform application for iOS"
    ),
    "fcm": _push_application(
        "PUSH_FCM_APPLICATION_ARN", "GCM", "the SNS platform application for Android (FCM)"
    ),
}
# Empty on AWS; an SNS-compatible server locally (the tests start moto's).
PUSH_SNS_ENDPOINT_URL = env.str("PUSH_SNS_ENDPOINT_URL", default="") or None
PUSH_SNS_REGION = env.str("PUSH_SNS_REGION", default="") or env.str(
    "AWS_DEFAULT_REGION", default="us-east-1"
)

# LGPD (ADR 0044): exports into the organization's bucket, deletion after a grace period.
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="") or None
S3_REGION = env.str("AWS_DEFAULT_REGION", default="us-east-1")
S3_BUCKET_PREFIX = env.str("S3_BUCKET_PREFIX", default="pocdex-t-")
S3_BUCKET_HARDENING = env.bool("S3_BUCKET_HARDENING", default=is_production())
S3_KMS_KEY_ID = env.str("S3_KMS_KEY_ID", default="")
LGPD_DELETION_GRACE_DAYS = env.int("LGPD_DELETION_GRACE_DAYS", default=30)
LGPD_EXPORT_LINK_SECONDS = env.int("LGPD_EXPORT_LINK_SECONDS", default=3 * 86400)
LGPD_EXPORT_STALE_SECONDS = env.int("LGPD_EXPORT_STALE_SECONDS", default=900)
LGPD_EXPORT_MAX_ATTEMPTS = env.int("LGPD_EXPORT_MAX_ATTEMPTS", default=5)
LGPD_PART_TIMEOUT_SECONDS = env.int("LGPD_PART_TIMEOUT_SECONDS", default=600)
LGPD_PURGE_RETRY_SECONDS = env.int("LGPD_PURGE_RETRY_SECONDS", default=600)
LGPD_SERVICE_URLS = {
    "pocs": required("POCS_URL", local_default="http://127.0.0.1:8102", purpose="pocs service URL"),
    "dojo": required("DOJO_URL", local_default="http://127.0.0.1:8103", purpose="dojo service URL"),
    "media": required(
        "MEDIA_URL", local_default="http://127.0.0.1:8104", purpose="media service URL"
    ),
}
# Usage against the plan's limits (console overview, back office): each service asked
# with this timeout, its answer cached this long per organization (billing/usage.py).
USAGE_TIMEOUT_SECONDS = env.float("USAGE_TIMEOUT_SECONDS", default=2.0)
USAGE_CACHE_SECONDS = env.int("USAGE_CACHE_SECONDS", default=60)

LOGGING = logging_config("accounts", level=env.str("LOG_LEVEL", default="INFO"))
