"""Settings of the media service: report and year-in-review video jobs.

Everything comes from the environment; ``local/env.sh`` provides safe local
defaults and production refuses to start without the required values.
"""

from __future__ import annotations

from pathlib import Path

from pocdex_shared.cloudfront import distribution_arn_from_env, signing_from_env
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

BASE_DIR = Path(__file__).resolve().parent.parent
POCDEX_SERVICE = "media"

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
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "drf_spectacular",
]
# Jobs and subscriptions live in each organization's schema.
TENANT_APPS = ["jobs"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_BASE_SCHEMA = "tenant_base"
TENANT_CREATION_FAKES_MIGRATIONS = True

MIDDLEWARE = api_middleware(web_pages=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = api_templates()

DATABASES = {
    "default": database_from_env(
        "DATABASE_URL_MEDIA", local_default="postgres://pocdex:pocdex@127.0.0.1:54329/media"
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

DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = rest_framework()
SPECTACULAR_SETTINGS = spectacular(
    POCDEX_SERVICE,
    "Reports (PDF, CSV) and year-in-review videos as jobs: request, follow, download.",
    enums={
        "JobStatusEnum": "jobs.models.JobStatus",
        "JobScopeEnum": "jobs.models.Scope",
    },
)

# Tokens: verified against accounts' JWKS.
JWT_ISSUER = env.str("JWT_ISSUER", default="http://localhost:8000")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="pocdex-api")
JWKS_URL = required(
    "JWKS_URL",
    local_default="http://127.0.0.1:8101/.well-known/jwks.json",
    purpose="accounts' published signing keys",
)

# Service-to-service calls: tokens from accounts, data from pocs and dojo.
ACCOUNTS_URL = required(
    "ACCOUNTS_URL", local_default="http://127.0.0.1:8101", purpose="accounts service URL"
)
POCS_URL = required("POCS_URL", local_default="http://127.0.0.1:8102", purpose="pocs service URL")
DOJO_URL = required("DOJO_URL", local_default="http://127.0.0.1:8103", purpose="dojo service URL")
SERVICE_CLIENT_SECRET = secret(
    "SERVICE_CLIENT_SECRET_MEDIA",
    local_default="local-only-media-client-secret",
    purpose="the secret media uses to obtain service tokens from accounts",
)
INTERNAL_TIMEOUT_SECONDS = env.float("INTERNAL_TIMEOUT_SECONDS", default=10.0)

# Events: provisioning reports to accounts; finished jobs to accounts (the mail).
POCDEX_SERVICES = csv_list("POCDEX_SERVICES", default=["accounts", "media"])
EVENT_SUBSCRIBERS = {
    "tenant.provisioned": ["accounts"],
    "tenant.purge_confirmed": ["accounts"],
    "media.job.completed": ["accounts"],
    "media.job.failed": [],
}

# Celery: reports and videos on their own queues, consumed by their own workers
# (Procfile). A killed worker's message comes back after the visibility timeout,
# which must exceed the hard time limit (and on SQS, the queue's own timeout);
# the job itself is picked up again much sooner by the reaper (below).
# Reports and videos one person may have waiting or running at once (429 too_many_jobs).
MEDIA_MAX_ACTIVE_JOBS = env.int("MEDIA_MAX_ACTIVE_JOBS", default=5)
MEDIA_REPORT_SOFT_SECONDS = env.int("MEDIA_REPORT_SOFT_SECONDS", default=240)
MEDIA_REPORT_HARD_SECONDS = env.int("MEDIA_REPORT_HARD_SECONDS", default=300)
MEDIA_VIDEO_SOFT_SECONDS = env.int("MEDIA_VIDEO_SOFT_SECONDS", default=540)
MEDIA_VIDEO_HARD_SECONDS = env.int("MEDIA_VIDEO_HARD_SECONDS", default=600)
# Redis only (on SQS each queue has its own, cdk/config): above the longest hard
# limit, so a running render's message is never delivered twice; a dead worker's
# job does not wait for it (the reaper).
MEDIA_VISIBILITY_TIMEOUT = env.int(
    "MEDIA_VISIBILITY_TIMEOUT",
    default=max(MEDIA_REPORT_HARD_SECONDS, MEDIA_VIDEO_HARD_SECONDS) + 60,
)
# pocs unavailable: retried after 5 s, 10 s, 20 s, ... (at most 5 min), 5 times.
MEDIA_RETRY_BACKOFF_SECONDS = env.float("MEDIA_RETRY_BACKOFF_SECONDS", default=5.0)
# Dead workers (docs/adr/0039-dead-workers-and-the-reaper.md): a running render
# writes a heartbeat every MEDIA_HEARTBEAT_SECONDS; the reaper (a beat task every
# MEDIA_REAPER_SECONDS) queues again a job whose heartbeat is older than
# MEDIA_STALE_SECONDS, and fails it with worker_lost when its worker has died
# MEDIA_MAX_WORKER_LOSSES times.
MEDIA_HEARTBEAT_SECONDS = env.float("MEDIA_HEARTBEAT_SECONDS", default=10.0)
MEDIA_STALE_SECONDS = env.float("MEDIA_STALE_SECONDS", default=45.0)
MEDIA_REAPER_SECONDS = env.float("MEDIA_REAPER_SECONDS", default=15.0)
MEDIA_MAX_WORKER_LOSSES = env.int("MEDIA_MAX_WORKER_LOSSES", default=3)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, service=POCDEX_SERVICE, services=POCDEX_SERVICES
) or {"visibility_timeout": MEDIA_VISIBILITY_TIMEOUT}
# Queues (media.reports, media.videos) are set on the tasks; the monthly beat
# entry is added by jobs.apps like every service's own schedule.

# Files: one bucket per organization (``<prefix><tenant uuid hex>``), keys
# ``media/reports/<job id>/report.<format>`` and ``media/videos/<job id>/...``.
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
# Downloads through CloudFront signed URLs when MEDIA_CLOUDFRONT_DOMAIN is set
# (pocdex_shared.cloudfront), else presigned S3 URLs.
MEDIA_CLOUDFRONT = signing_from_env()
MEDIA_DOWNLOAD_URL_SECONDS = env.int("MEDIA_DOWNLOAD_URL_SECONDS", default=5 * 60)
# Scratch space of the workers (stills, encodes); removed after each job.
MEDIA_WORK_DIR = env.str("MEDIA_WORK_DIR", default="") or None

# Limits of what may be asked.
REPORT_MAX_DAYS = 366
# Scene length factor (1.0 = about a minute for a busy year). Tests shorten it.
VIDEO_SCENE_SCALE = env.float("VIDEO_SCENE_SCALE", default=1.0)

LOGGING = logging_config("media", level=env.str("LOG_LEVEL", default="INFO"))
