"""Settings helpers shared by every service's settings modules.

Each service reads its configuration from the environment (twelve-factor). The
helpers here make the one rule we care about hard to get wrong: on a developer
machine, in tests and in CI a missing variable falls back to a local default, in
production it stops the process at start-up with a message that names the
variable, instead of running with a half-configured service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

#: Values of ``POCDEX_ENV`` under which local defaults are allowed.
NON_PRODUCTION_ENVIRONMENTS = frozenset({"local", "test", "ci"})

_POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql"})
_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


def environment_name() -> str:
    """The deployment environment (``POCDEX_ENV``), ``local`` when unset."""
    return env.str("POCDEX_ENV", default="local").strip().lower() or "local"


def is_production() -> bool:
    """True everywhere except on developer machines, in tests and in CI.

    Anything unknown counts as production so that a typo in ``POCDEX_ENV`` fails
    closed (no local defaults) rather than open.
    """
    return environment_name() not in NON_PRODUCTION_ENVIRONMENTS


def required(name: str, *, local_default: str | None = None, purpose: str | None = None) -> str:
    """Return the environment variable ``name``.

    Outside production a missing or empty variable falls back to
    ``local_default``; in production (or without a default) it raises
    ``ImproperlyConfigured`` naming the variable and, when given, what it is for.
    """
    value = env.str(name, default="").strip()
    if value:
        return value
    if local_default is not None and not is_production():
        return local_default
    what = f" ({purpose})" if purpose else ""
    where = f"POCDEX_ENV={environment_name()!r}"
    raise ImproperlyConfigured(
        f"The environment variable {name}{what} is required and is not set ({where})."
    )


#: Marks of a value made for a developer machine (``local/env.sh``, the local
#: defaults in the settings): a secret containing one is refused in production
#: even when it is set explicitly, so that a copied local environment cannot
#: start a production process with a secret everyone knows.
LOCAL_SECRET_MARKERS = ("local-only", "not-secret", "insecure", "pocdex-local", "changeme")

#: The shortest secret we generate ourselves that production accepts.
MIN_SECRET_LENGTH = 32

#: Credentials of the local stack that are read by libraries straight from the
#: environment (boto3), not through a settings helper.
_LOCAL_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def refuse_local_secret(
    name: str, value: str, *, local_values: Iterable[str] = (), min_length: int = 0
) -> None:
    """In production, stop if ``value`` is a local development secret or too short.

    The message names the variable, never its value.
    """
    if not is_production():
        return
    lowered = value.strip().lower()
    known = {item.strip().lower() for item in local_values if item}
    if lowered in known or any(marker in lowered for marker in LOCAL_SECRET_MARKERS):
        raise ImproperlyConfigured(
            f"{name} is set to a local development value, which is public; production "
            f"(POCDEX_ENV={environment_name()!r}) needs a secret of its own."
        )
    if len(value.strip()) < min_length:
        raise ImproperlyConfigured(
            f"{name} is shorter than {min_length} characters; production "
            f"(POCDEX_ENV={environment_name()!r}) needs a long random secret."
        )


def secret(
    name: str,
    *,
    local_default: str,
    purpose: str | None = None,
    min_length: int = MIN_SECRET_LENGTH,
) -> str:
    """A secret from the environment: like ``required``, and in production never a local one.

    Outside production a missing variable falls back to ``local_default``. In
    production the variable must be set, must not be ``local_default`` or any
    other local development value (``LOCAL_SECRET_MARKERS``), and must be at
    least ``min_length`` characters long.
    """
    value = required(name, local_default=local_default, purpose=purpose)
    refuse_local_secret(name, value, local_values=[local_default], min_length=min_length)
    return value


def refuse_local_credentials() -> None:
    """In production, stop if the environment carries the local stack's credentials.

    boto3 reads ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` itself; on AWS
    the pods get their credentials from their role, so these are normally
    unset, and the local stack's values (``pocdex-local``) must never be used.
    """
    for name in _LOCAL_CREDENTIAL_VARIABLES:
        value = env.str(name, default="").strip()
        if value:
            refuse_local_secret(name, value)


def database_from_env(var_name: str, *, local_default: str) -> dict[str, Any]:
    """A ``DATABASES`` entry from a ``postgres://user:pass@host:port/name`` URL.

    In production the URL's password may not be the local one (``refuse_local_secret``).
    The engine is always django-tenants' backend: every service is tenant-aware.
    Connections are kept for a minute and health-checked before reuse, which
    saves a connect per request without serving a dead connection after a
    failover (RDS Multi-AZ switches hosts behind the same name).
    """
    url = required(var_name, local_default=local_default, purpose="PostgreSQL URL of this service")
    parts = urlsplit(url)
    scheme = parts.scheme
    if parts.password:
        # The password may be absent (IAM authentication, a .pgpass file), never the local one.
        refuse_local_secret(
            f"The password in {var_name}",
            unquote(parts.password),
            local_values=[unquote(urlsplit(local_default).password or "")],
        )
    if scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"{var_name} must be a postgres:// URL (django-tenants needs PostgreSQL), "
            f"got scheme {scheme!r}."
        )
    config: dict[str, Any] = dict(env.db_url_config(url))
    config["ENGINE"] = "django_tenants.postgresql_backend"
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    from pocdex_shared.tls import database_tls  # here: pocdex_shared.tls imports this module

    return database_tls(var_name, config)


def redis_url(
    var_name: str = "REDIS_URL", *, local_default: str = "redis://127.0.0.1:63799/0"
) -> str:
    """A Redis URL (``redis://``, ``rediss://`` for TLS on ElastiCache, or ``unix://``).

    The local default points at the Redis that ``make run`` starts; production
    requires ``rediss://`` with certificate verification (``pocdex_shared.tls``).
    """
    url = required(var_name, local_default=local_default, purpose="Redis URL")
    scheme = urlsplit(url).scheme
    if scheme not in _REDIS_SCHEMES:
        raise ImproperlyConfigured(
            f"{var_name} must be a redis://, rediss:// or unix:// URL, got scheme {scheme!r}."
        )
    from pocdex_shared.tls import redis_tls  # here: pocdex_shared.tls imports this module

    return redis_tls(var_name, url)


def csv_list(name: str, *, default: Iterable[str] = ()) -> list[str]:
    """A comma-separated variable as a list, blanks and empty items dropped.

    ``ALLOWED_HOSTS=" a.example , b.example,"`` → ``["a.example", "b.example"]``.
    """
    raw = env.str(name, default="")
    items = [item.strip() for item in raw.split(",")]
    values = [item for item in items if item]
    return values if raw.strip() else list(default)
