"""Building blocks of every service's Django settings.

Each service keeps its own ``config/settings.py`` (its apps, its database, its
limits) and takes the parts that must be the same everywhere from here: the
security defaults, the API middleware chain, the REST framework and OpenAPI
configuration, the Redis cache and the Celery broker. A change to the platform's
error contract or middleware order is then made once.

Every helper returns plain values that the settings module assigns to the
usual names, so ``django.conf.settings`` and django-stubs still see them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from pocdex_shared.conf import (
    csv_list,
    env,
    is_production,
    redis_url,
    refuse_local_credentials,
    required,
    secret,
)
from pocdex_shared.events.sqs import sqs_transport_options
from pocdex_shared.tls import redis_tls

#: The languages of the product (UI strings, mails, errors).
PRODUCT_LANGUAGES = [("en", _("English")), ("pt-br", _("Portuguese (Brazil)"))]

#: Requests come through the gateway (nginx locally, the ingress on AWS).
PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_LOCAL_HOSTS = ["localhost", ".localhost", "127.0.0.1", "testserver"]


def secret_key(service: str) -> str:
    """``DJANGO_SECRET_KEY``: required in production, and never a local value there.

    Every service calls it first thing, so it also refuses, in production, the
    local stack's S3 credentials anywhere in the environment
    (``conf.refuse_local_credentials``).
    """
    key = secret(
        "DJANGO_SECRET_KEY",
        local_default=f"{service}-local-only-not-secret",
        purpose="Django's signing key",
    )
    refuse_local_credentials()
    return key


def allowed_hosts() -> list[str]:
    """``ALLOWED_HOSTS`` from the environment; local host names outside production."""
    return csv_list("ALLOWED_HOSTS", default=[] if is_production() else _LOCAL_HOSTS)


def api_middleware(*, web_pages: bool = False) -> list[str]:
    """The middleware chain of a service.

    Every service: request context and metrics first, the JSON error contract,
    security headers, the language, the tenant from the access token. The
    language comes first because the tenant middleware builds its refusals
    (suspended organization, expired token) while it runs, and DRF fixes an
    error's text when the error is built: after the language is chosen, they
    are in the caller's language. Services that also serve server-rendered
    pages (``web_pages``: the back office and the tenant-owner pages) add
    static files, sessions, CSRF, authentication, messages and clickjacking
    protection in Django's order (the language comes from the request's
    cookie or ``Accept-Language``, never from the session).
    """
    chain = [
        "pocdex_shared.observability.RequestContextMiddleware",
        "pocdex_shared.observability.MetricsMiddleware",
        "pocdex_shared.errors.JsonErrorMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]
    if web_pages:
        chain.append("whitenoise.middleware.WhiteNoiseMiddleware")
    chain += [
        "django.middleware.locale.LocaleMiddleware",
        "pocdex_shared.tenancy.middleware.TenantFromTokenMiddleware",
    ]
    if web_pages:
        chain.append("django.contrib.sessions.middleware.SessionMiddleware")
    chain.append("django.middleware.common.CommonMiddleware")
    if web_pages:
        chain += [
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ]
    return chain


def api_templates(*, dirs: Sequence[Any] = (), web_pages: bool = False) -> list[dict[str, Any]]:
    """``TEMPLATES``: app templates (docs page, mails) plus ``dirs``."""
    processors = ["django.template.context_processors.request"]
    if web_pages:
        processors += [
            "django.contrib.auth.context_processors.auth",
            "django.contrib.messages.context_processors.messages",
        ]
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": list(dirs),
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": processors},
        }
    ]


def rest_framework(
    *, authentication: str = "pocdex_shared.tenancy.auth.TokenAuthentication"
) -> dict[str, Any]:
    """``REST_FRAMEWORK``: JSON only, authenticated by default, the shared error contract."""
    return {
        "DEFAULT_AUTHENTICATION_CLASSES": [authentication],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_PARSER_CLASSES": ["pocdex_shared.parsers.JSONParser"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "EXCEPTION_HANDLER": "pocdex_shared.errors.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "UNAUTHENTICATED_USER": None,
    }


def spectacular(
    service: str, description: str, *, enums: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``SPECTACULAR_SETTINGS`` of one service's public API (``/api/v1``)."""
    config: dict[str, Any] = {
        "TITLE": f"Pocdex {service} API",
        "DESCRIPTION": description,
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": "/api/v1",
    }
    if enums:
        config["ENUM_NAME_OVERRIDES"] = dict(enums)
    return config


def redis_cache(key_prefix: str, location: str) -> dict[str, Any]:
    """A ``CACHES`` entry on Redis whose keys carry the active tenant's schema."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": key_prefix,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }


def default_cache(service: str) -> dict[str, Any]:
    """``CACHES["default"]`` from ``CACHE_URL`` (Redis db 2 locally)."""
    return redis_cache(service, redis_url("CACHE_URL", local_default="redis://127.0.0.1:63799/2"))


def broker_url() -> str:
    """The Celery broker, from ``POCDEX_BROKER_URL`` (never ``CELERY_BROKER_URL``,
    which Celery itself would read over the settings; see pocdex_shared.events)."""
    url = env.str("POCDEX_BROKER_URL", default="redis://127.0.0.1:63799/1")
    if url.startswith("sqs://"):
        return url
    return redis_tls("POCDEX_BROKER_URL", url)


def broker_transport_options(
    broker: str, *, service: str, services: Iterable[str]
) -> dict[str, Any]:
    """SQS transport options when ``broker`` is ``sqs://`` (AWS); none for Redis."""
    if not broker.startswith("sqs://"):
        return {}
    return sqs_transport_options(
        own_service=service,
        services=list(services),
        url_prefix=required(
            "SQS_QUEUE_URL_PREFIX", purpose="URL prefix of the predefined SQS queues"
        ),
        region=required("AWS_REGION", purpose="AWS region of the SQS queues"),
    )
