"""TLS to the managed data stores: RDS (PostgreSQL) and ElastiCache (Redis/Valkey).

Locally PostgreSQL and Redis listen on 127.0.0.1 without TLS and nothing here
changes that. In production:

- every database connection uses ``sslmode=verify-full`` (the server's
  certificate must chain to ``sslrootcert`` and name the host): the RDS CA
  bundle, shipped in the image at ``RDS_CA_BUNDLE_PATH`` (override with
  ``DATABASE_SSLROOTCERT``). A URL may carry its own ``sslmode``/``sslrootcert``;
  production refuses any mode below ``verify-full`` and a CA file that is not
  there;
- every Redis URL is ``rediss://`` with ``ssl_cert_reqs=required`` (added when
  absent; ``none``/``optional`` refused), and ``ssl_ca_certs`` from
  ``REDIS_CA_BUNDLE`` when set (ElastiCache's certificates chain to the public
  Amazon roots of the system bundle, so it is normally unset).

OpenSearch (pocs): ``opensearch_access`` reads how requests are authenticated
(``OPENSEARCH_AUTH``: ``none`` locally, ``sigv4`` on Amazon OpenSearch
Service) and the CA bundle the endpoint's certificate is verified against;
production requires an ``https://`` endpoint.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from pocdex_shared.conf import env, environment_name, is_production

#: Where the images put the RDS certificate bundle (global-bundle.pem from AWS).
RDS_CA_BUNDLE_PATH = "/etc/ssl/certs/rds-global-bundle.pem"

_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def database_tls(var_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (a ``DATABASES`` entry) with the TLS options production requires."""
    options: dict[str, Any] = dict(config.get("OPTIONS") or {})
    mode = str(options.get("sslmode") or env.str("DATABASE_SSLMODE", default="")).strip()
    root = str(options.get("sslrootcert") or env.str("DATABASE_SSLROOTCERT", default="")).strip()
    if mode and mode not in _SSL_MODES:
        raise ImproperlyConfigured(f"{var_name}: sslmode {mode!r} is not one of {_SSL_MODES}.")
    if is_production():
        if mode and mode != "verify-full":
            raise ImproperlyConfigured(
                f"{var_name}: production (POCDEX_ENV={environment_name()!r}) connects with "
                f"sslmode=verify-full, not {mode!r}."
            )
        mode = "verify-full"
        root = root or RDS_CA_BUNDLE_PATH
        if not os.path.isfile(root):
            raise ImproperlyConfigured(
                f"{var_name}: the CA bundle {root!r} (sslrootcert, DATABASE_SSLROOTCERT) is not "
                "a file; the image ships the RDS bundle there."
            )
    if mode:
        options["sslmode"] = mode
    if root:
        options["sslrootcert"] = root
    if options:
        config = {**config, "OPTIONS": options}
    return config


def redis_tls(var_name: str, url: str) -> str:
    """``url`` with certificate verification made explicit; production requires ``rediss://``."""
    parts = urlsplit(url)
    if parts.scheme != "rediss":
        if is_production() and parts.scheme != "unix":
            raise ImproperlyConfigured(
                f"{var_name}: production (POCDEX_ENV={environment_name()!r}) reaches Redis over "
                "TLS: use a rediss:// URL."
            )
        return url
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    requirement = query.get("ssl_cert_reqs", "required").strip().lower()
    if requirement in {"none", "optional", "cert_none", "cert_optional"}:
        raise ImproperlyConfigured(
            f"{var_name}: ssl_cert_reqs={requirement} would accept any certificate; "
            "remove it (required is the default)."
        )
    query["ssl_cert_reqs"] = "required"
    bundle = env.str("REDIS_CA_BUNDLE", default="").strip()
    if bundle and "ssl_ca_certs" not in query:
        query["ssl_ca_certs"] = bundle
    return urlunsplit(parts._replace(query=urlencode(query)))


_OPENSEARCH_AUTH = ("none", "sigv4")


def opensearch_access(url: str) -> tuple[str, str, str]:
    """(``OPENSEARCH_AUTH``, the SigV4 region, ``OPENSEARCH_CA_BUNDLE``) for ``url``."""
    auth = env.str("OPENSEARCH_AUTH", default="none").strip().lower()
    if auth not in _OPENSEARCH_AUTH:
        raise ImproperlyConfigured(
            f"OPENSEARCH_AUTH must be one of {_OPENSEARCH_AUTH}, not {auth!r}."
        )
    scheme = urlsplit(url).scheme
    if is_production() and scheme != "https":
        raise ImproperlyConfigured(
            f"OPENSEARCH_URL: production (POCDEX_ENV={environment_name()!r}) reaches OpenSearch "
            "over https, with the certificate verified."
        )
    region = ""
    if auth == "sigv4":
        if scheme != "https":
            raise ImproperlyConfigured(
                "OPENSEARCH_AUTH=sigv4 signs requests to an https:// endpoint."
            )
        region = (
            env.str("AWS_REGION", default="").strip()
            or env.str("AWS_DEFAULT_REGION", default="").strip()
        )
        if not region:
            raise ImproperlyConfigured(
                "OPENSEARCH_AUTH=sigv4 needs AWS_REGION (the domain's region)."
            )
    bundle = env.str("OPENSEARCH_CA_BUNDLE", default="").strip()
    if bundle and not os.path.isfile(bundle):
        raise ImproperlyConfigured(f"OPENSEARCH_CA_BUNDLE {bundle!r} is not a file.")
    return auth, region, bundle
