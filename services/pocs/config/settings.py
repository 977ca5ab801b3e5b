"""Settings of the pocs service: the POC registry, its vocabulary and attachments.

Everything comes from the environment; ``local/env.sh`` provides safe local
defaults and production refuses to start without the required values.
"""

from __future__ import annotations

from pathlib import Path

from pocdex_shared.cloudfront import distribution_arn_from_env
from pocdex_shared.conf import (
    csv_list,
    database_from_env,
    env,
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
from pocdex_shared.tls import opensearch_access

BASE_DIR = Path(__file__).resolve().parent.parent
POCDEX_SERVICE = "pocs"

SECRET_KEY = secret_key(POCDEX_SERVICE)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = allowed_hosts()
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = PROXY_SSL_HEADER

SHARED_APPS = [
    "django_tenants",
    "pocdex_shared.tenancy",
    "pocdex_shared.events",
    "tenants",
    "vocabulary",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_opensearch_dsl",
    "search",
]
# POC data lives in each organization's schema.
TENANT_APPS = ["registry", "integrations"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_BASE_SCHEMA = "tenant_base"
TENANT_CREATION_FAKES_MIGRATIONS = True
# TENANT_ALLOWED_STATUSES keeps the shared default: only active organizations.

MIDDLEWARE = api_middleware(web_pages=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = api_templates()

DATABASES = {
    "default": database_from_env(
        "DATABASE_URL_POCS", local_default="postgres://pocdex:pocdex@127.0.0.1:54329/pocs"
    )
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = redis_url("REDIS_URL")
CACHES = {"default": default_cache(POCDEX_SERVICE)}
CELERY_BROKER_URL = broker_url()

LANGUAGE_CODE = "en"
LANGUAGES = PRODUCT_LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# JSON bodies only (a long Markdown description fits); larger → 413 payload_too_large.
# Attachment bytes never pass through this service: clients upload to S3 directly.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

REST_FRAMEWORK = rest_framework()
SPECTACULAR_SETTINGS = spectacular(
    POCDEX_SERVICE,
    "POC registry: POCs, languages and tags vocabulary, attachments.",
    enums={
        "PocStatusEnum": "registry.models.PocStatus",
        "PocOutcomeEnum": "registry.models.PocOutcome",
        "PocVisibilityEnum": "registry.models.Visibility",
        "TechnologyKindEnum": "vocabulary.models.Kind",
    },
)

# The public address of the API (webhook URLs given to Git hosts).
PUBLIC_API_BASE = env.str("PUBLIC_API_BASE", default="http://localhost:8000")

# Tokens: verified against accounts' JWKS.
JWT_ISSUER = env.str("JWT_ISSUER", default="http://localhost:8000")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="pocdex-api")
JWKS_URL = required(
    "JWKS_URL",
    local_default="http://127.0.0.1:8101/.well-known/jwks.json",
    purpose="accounts' published signing keys",
)

# Service-to-service calls to accounts (``sync_tenants``).
ACCOUNTS_URL = required(
    "ACCOUNTS_URL", local_default="http://127.0.0.1:8101", purpose="accounts service URL"
)
SERVICE_CLIENT_SECRET = secret(
    "SERVICE_CLIENT_SECRET_POCS",
    local_default="local-only-pocs-client-secret",
    purpose="the secret pocs uses to obtain service tokens from accounts",
)

# Events: this service reports tenant.provisioned to accounts.
POCDEX_SERVICES = csv_list("POCDEX_SERVICES", default=["accounts", "pocs"])
EVENT_SUBSCRIBERS = {"tenant.provisioned": ["accounts"], "tenant.purge_confirmed": ["accounts"]}

CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, service=POCDEX_SERVICE, services=POCDEX_SERVICES
)

# POC and attachment storage limits per plan: pocdex_shared.plans (a tenant
# replica's ``limits`` JSON overrides them, e.g. ``{"pocs": 500}``).
# Soft-deleted POCs can be restored for this many days.
POC_RESTORE_WINDOW_DAYS = 30

# Attachments: one bucket per organization (``<prefix><tenant uuid hex>``),
# keys ``pocs/<poc id>/<attachment id>/<safe filename>``. Clients upload and
# download directly with presigned URLs.
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="") or None
S3_REGION = env.str("AWS_DEFAULT_REGION", default="us-east-1")
S3_BUCKET_PREFIX = env.str("S3_BUCKET_PREFIX", default="pocdex-t-")
# On AWS each new bucket gets default encryption (SSE-KMS with S3_KMS_KEY_ID, else
# SSE-S3), a public access block, tags and a policy that refuses plain HTTP and lets
# the CloudFront distribution read media's prefix (pocdex_shared.storage). s3proxy
# implements none of that: off locally.
S3_BUCKET_HARDENING = env.bool("S3_BUCKET_HARDENING", default=is_production())
S3_KMS_KEY_ID = env.str("S3_KMS_KEY_ID", default="")
S3_CLOUDFRONT_DISTRIBUTION_ARN = distribution_arn_from_env()
POCDEX_STAGE = env.str("POCDEX_STAGE", default="local")
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
# Short: the PUT writes an upload key that completion copies to the final key
# (docs/adr/0021); a late PUT only ever rewrites the upload key.
ATTACHMENT_UPLOAD_URL_SECONDS = 5 * 60
ATTACHMENT_DOWNLOAD_URL_SECONDS = 5 * 60
ATTACHMENT_CONTENT_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/csv",
    "application/json",
    "application/zip",
    "application/gzip",
    "application/x-tar",
    "video/mp4",
)

# Search (search/, docs/adr/0010): one OpenSearch index for every organization,
# reached through an alias so that rebuilds swap it atomically.
OPENSEARCH_URL = required(
    "OPENSEARCH_URL", local_default="http://127.0.0.1:19200", purpose="OpenSearch endpoint"
)
SEARCH_INDEX_ALIAS = env.str("SEARCH_INDEX_ALIAS", default="pocs")
SEARCH_INDEX_SHARDS = env.int("SEARCH_INDEX_SHARDS", default=1)
SEARCH_INDEX_REPLICAS = env.int("SEARCH_INDEX_REPLICAS", default=0)
# Requests fail fast (→ 503 search_unavailable) rather than hold a web thread.
SEARCH_TIMEOUT_SECONDS = env.float("SEARCH_TIMEOUT_SECONDS", default=3.0)
# How often the beat sweep indexes what is still pending, and how old a change must be.
SEARCH_CATCH_UP_SECONDS = env.int("SEARCH_CATCH_UP_SECONDS", default=30)
SEARCH_CATCH_UP_GRACE_SECONDS = env.int("SEARCH_CATCH_UP_GRACE_SECONDS", default=20)
# Amazon OpenSearch Service: requests signed with the pod's IAM role (SigV4, mapped to
# a backend role by `manage.py opensearch_bootstrap`), certificates verified.
OPENSEARCH_AUTH, OPENSEARCH_REGION, OPENSEARCH_CA_BUNDLE = opensearch_access(OPENSEARCH_URL)
OPENSEARCH_DSL = {"default": {"hosts": [OPENSEARCH_URL], "timeout": SEARCH_TIMEOUT_SECONDS}}
# Documents are written by search.sync (per tenant schema), never by the library's signals.
OPENSEARCH_DSL_AUTOSYNC = False
OPENSEARCH_DSL_AUTO_REFRESH = False

LOGGING = logging_config("pocs", level=env.str("LOG_LEVEL", default="INFO"))

# ---------------------------------------------------------------------------------------
# Retention, cleanup and the people directory (registry/cleanup.py, registry/people.py;
# docs/adr/0009, docs/adr/0012). Kept at the end of the file on purpose: the generic
# blocks above are shared with the other services.
# How often the beat sweep purges POCs deleted more than POC_RESTORE_WINDOW_DAYS ago.
POC_PURGE_INTERVAL_SECONDS = env.int("POC_PURGE_INTERVAL_SECONDS", default=6 * 3600)
# An attachment still pending this long after its presigned upload began is removed
# (row and any partial object); the upload URL itself expires after 15 minutes.
ATTACHMENT_UPLOAD_GRACE_HOURS = env.int("ATTACHMENT_UPLOAD_GRACE_HOURS", default=24)
ATTACHMENT_CLEANUP_INTERVAL_SECONDS = env.int("ATTACHMENT_CLEANUP_INTERVAL_SECONDS", default=3600)
# A web process writes a member's display name (token claim) at most this often.
PEOPLE_REMEMBER_SECONDS = env.int("PEOPLE_REMEMBER_SECONDS", default=600)
# Connections the OpenSearch client keeps per web process: one per request thread
# (gunicorn --threads in the Procfile), so concurrent searches never reconnect.
SEARCH_CLIENT_POOL_SIZE = env.int("SEARCH_CLIENT_POOL_SIZE", default=8)
