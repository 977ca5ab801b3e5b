"""Settings of the dojo service: real-time coding dojos (REST + WebSocket on daphne).

Everything comes from the environment; ``local/env.sh`` provides safe local
defaults and production refuses to start without the required values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

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
POCDEX_SERVICE = "dojo"

SECRET_KEY = secret_key(POCDEX_SERVICE)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = allowed_hosts()
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = PROXY_SSL_HEADER

SHARED_APPS = [
    "daphne",
    "django_tenants",
    "pocdex_shared.tenancy",
    "pocdex_shared.events",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "drf_spectacular",
    "channels",
]
# Dojos, their event log and snapshots live in each organization's schema.
TENANT_APPS = ["dojos"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_BASE_SCHEMA = "tenant_base"
TENANT_CREATION_FAKES_MIGRATIONS = True

MIDDLEWARE = api_middleware()

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
TEMPLATES = api_templates()

DATABASES = {
    "default": database_from_env(
        "DATABASE_URL_DOJO", local_default="postgres://pocdex:pocdex@127.0.0.1:54329/dojo"
    )
}
# Under ASGI every request and every consumer call may run on another thread, so
# persistent per-thread connections would pile up (Django's advice: no
# CONN_MAX_AGE under ASGI). A psycopg pool per process instead: an HTTP request
# borrows a connection and gives it back; the WebSocket consumer's few
# long-lived worker threads keep theirs (dojos/threads.py, in_schema).
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": 2,
    "max_size": env.int("DOJO_DB_POOL_SIZE", default=16),
    "timeout": 10,
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = redis_url("REDIS_URL")
CACHES = {"default": default_cache(POCDEX_SERVICE)}
CELERY_BROKER_URL = broker_url()

# The channel layer: every daphne instance shares it, so a dojo's members see one
# session whichever instance they reached. Redis pub/sub: an event is published
# once per dojo and each instance hands it to its own members in memory (a list
# per member would cost a Redis round trip per delivery). Delivery is at most
# once: clients recover from the event log (docs/protocol/dojo-websocket.md).
CHANNEL_REDIS_URL = redis_url("CHANNEL_REDIS_URL", local_default="redis://127.0.0.1:63799/3")
CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [CHANNEL_REDIS_URL], "prefix": "dojo"},
    }
}
# django-tenants sets search_path once per connection and schema change, not
# before every statement (each operation is a few statements under a row lock).
TENANT_LIMIT_SET_CALLS = True

LANGUAGE_CODE = "en"
LANGUAGES = PRODUCT_LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

REST_FRAMEWORK = rest_framework()
SPECTACULAR_SETTINGS = spectacular(
    POCDEX_SERVICE,
    "Coding dojos: sessions, tickets for the real-time WebSocket, retrospectives and replay.",
    enums={
        "DojoStatusEnum": "dojos.models.DojoStatus",
        "DojoVisibilityEnum": "dojos.models.Visibility",
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

# Service-to-service calls: accounts (sync_tenants) and pocs (retrospective learnings).
ACCOUNTS_URL = required(
    "ACCOUNTS_URL", local_default="http://127.0.0.1:8101", purpose="accounts service URL"
)
POCS_URL = required("POCS_URL", local_default="http://127.0.0.1:8102", purpose="pocs service URL")
SERVICE_CLIENT_SECRET = secret(
    "SERVICE_CLIENT_SECRET_DOJO",
    local_default="local-only-dojo-client-secret",
    purpose="the secret dojo uses to obtain service tokens from accounts",
)

# Events: this service reports tenant.provisioned to accounts.
POCDEX_SERVICES = csv_list("POCDEX_SERVICES", default=["accounts", "dojo"])
# The organization's bucket: only its LGPD export part is written there (ADR 0044).
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="") or None
S3_REGION = env.str("AWS_DEFAULT_REGION", default="us-east-1")
S3_BUCKET_PREFIX = env.str("S3_BUCKET_PREFIX", default="pocdex-t-")
S3_BUCKET_HARDENING = env.bool("S3_BUCKET_HARDENING", default=is_production())
S3_KMS_KEY_ID = env.str("S3_KMS_KEY_ID", default="")
EVENT_SUBSCRIBERS = {"tenant.provisioned": ["accounts"], "tenant.purge_confirmed": ["accounts"]}
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, service=POCDEX_SERVICE, services=POCDEX_SERVICES
)

# Where the apps open the dojo WebSocket. Empty (locally): the ticket's url is a path on
# the host the app called. On AWS the sockets have a host of their own (the WebSocket load
# balancer, ADR 0034): "wss://ws.<domain>" makes the ticket's url absolute.
DOJO_WEBSOCKET_BASE_URL = env.str("DOJO_WEBSOCKET_BASE_URL", default="").rstrip("/")
if DOJO_WEBSOCKET_BASE_URL and not DOJO_WEBSOCKET_BASE_URL.startswith(("ws://", "wss://")):
    raise ImproperlyConfigured("DOJO_WEBSOCKET_BASE_URL must start with ws:// or wss://")

# Dojo rules (docs/protocol/dojo-websocket.md).
# Seconds in a rotation "minute": 60, always, except in the test settings, which
# shorten it so that timer expiry can be tested without waiting minutes.
DOJO_ROTATION_UNIT_SECONDS = 60
DOJO_MAX_DOCUMENT_CHARS = env.int("DOJO_MAX_DOCUMENT_CHARS", default=200_000)
DOJO_MAX_OPERATION_CHARS = env.int("DOJO_MAX_OPERATION_CHARS", default=20_000)
DOJO_MAX_CHAT_CHARS = 2000
DOJO_MAX_FRAME_BYTES = 64 * 1024
# A snapshot of the code every this many revisions: replay seeks from them.
DOJO_SNAPSHOT_EVERY = env.int("DOJO_SNAPSHOT_EVERY", default=50)
# Operations a client may be behind; older ones must resynchronize from a snapshot.
DOJO_MAX_REBASE_OPERATIONS = 1000
# One writer per dojo (dojos.owner, ADR 0042): the owner's lease in Redis (renewed
# every third of it; another instance takes the dojo over once it lapses), the
# most commands one batch commits, how long an idle owner keeps a dojo, and how
# long a command waits for its owner before it fails.
DOJO_OWNER_LEASE_MS = 5000
DOJO_OWNER_BATCH = 64
DOJO_OWNER_IDLE_SECONDS = 120
DOJO_COMMAND_TIMEOUT_SECONDS = 30
# Events read per batch when a connection fills a gap from the log.
DOJO_RESUME_BATCH = 500
# What one resume (the ``resume`` frame, or reconnecting with ``last_seq``) may
# send again: at most this many events and bytes; a client further behind gets
# the state instead (docs/protocol/dojo-websocket.md). ``resume`` frames per
# second and burst, per connection: each one can cost the server that much.
DOJO_RESUME_WINDOW = env.int("DOJO_RESUME_WINDOW", default=500)
DOJO_RESUME_MAX_BYTES = env.int("DOJO_RESUME_MAX_BYTES", default=256 * 1024)
DOJO_RESUME_RATE = env.float("DOJO_RESUME_RATE", default=0.2)
DOJO_RESUME_BURST = env.int("DOJO_RESUME_BURST", default=3)
# Presence: a connection counts as present while its instance refreshes it.
DOJO_PRESENCE_TTL_SECONDS = env.int("DOJO_PRESENCE_TTL_SECONDS", default=30)
DOJO_PRESENCE_REFRESH_SECONDS = env.int("DOJO_PRESENCE_REFRESH_SECONDS", default=10)
# Per-connection rate limit for client frames (messages per second, burst).
DOJO_FRAME_RATE = env.float("DOJO_FRAME_RATE", default=50.0)
DOJO_FRAME_BURST = env.int("DOJO_FRAME_BURST", default=200)
# Freeze what is loaded and make full garbage collections rare (dojos.collector).
DOJO_TUNE_GC = env.bool("DOJO_TUNE_GC", default=True)
# Log every stop of a daphne instance's event loop longer than this, split into
# the loop thread on a core, waiting for a core, and neither (dojos.stalls); 0: off.
DOJO_STALL_LOG_MS = env.int("DOJO_STALL_LOG_MS", default=0)
if DOJO_STALL_LOG_MS < 0:
    raise ImproperlyConfigured("DOJO_STALL_LOG_MS must be 0 (off) or a number of milliseconds")

# HTTP requests one daphne instance runs at once (a thread each) and how many
# more may wait their turn; beyond, 503 server_busy (dojos.admission).
DOJO_HTTP_CONCURRENCY = env.int("DOJO_HTTP_CONCURRENCY", default=16)
DOJO_HTTP_BACKLOG = env.int("DOJO_HTTP_BACKLOG", default=2000)
if DOJO_HTTP_CONCURRENCY < 1 or DOJO_HTTP_BACKLOG < 0:
    raise ImproperlyConfigured(
        "DOJO_HTTP_CONCURRENCY must be at least 1 and DOJO_HTTP_BACKLOG at least 0"
    )

LOGGING = logging_config("dojo", level=env.str("LOG_LEVEL", default="INFO"))
