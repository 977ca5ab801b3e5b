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
from urllib.parse import urlsplit

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


def database_from_env(var_name: str, *, local_default: str) -> dict[str, Any]:
    """A ``DATABASES`` entry from a ``postgres://user:pass@host:port/name`` URL.

    The engine is always django-tenants' backend: every service is tenant-aware.
    Connections are kept for a minute and health-checked before reuse, which
    saves a connect per request without serving a dead connection after a
    failover (RDS Multi-AZ switches hosts behind the same name).
    """
    url = required(var_name, local_default=local_default, purpose="PostgreSQL URL of this service")
    scheme = urlsplit(url).scheme
    if scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"{var_name} must be a postgres:// URL (django-tenants needs PostgreSQL), "
            f"got scheme {scheme!r}."
        )
    config: dict[str, Any] = dict(env.db_url_config(url))
    config["ENGINE"] = "django_tenants.postgresql_backend"
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_url(
    var_name: str = "REDIS_URL", *, local_default: str = "redis://127.0.0.1:63799/0"
) -> str:
    """A Redis URL (``redis://``, ``rediss://`` for TLS on ElastiCache, or ``unix://``).

    The local default points at the Redis that ``make run`` starts.
    """
    url = required(var_name, local_default=local_default, purpose="Redis URL")
    scheme = urlsplit(url).scheme
    if scheme not in _REDIS_SCHEMES:
        raise ImproperlyConfigured(
            f"{var_name} must be a redis://, rediss:// or unix:// URL, got scheme {scheme!r}."
        )
    return url


def csv_list(name: str, *, default: Iterable[str] = ()) -> list[str]:
    """A comma-separated variable as a list, blanks and empty items dropped.

    ``ALLOWED_HOSTS=" a.example , b.example,"`` → ``["a.example", "b.example"]``.
    """
    raw = env.str(name, default="")
    items = [item.strip() for item in raw.split(",")]
    values = [item for item in items if item]
    return values if raw.strip() else list(default)
