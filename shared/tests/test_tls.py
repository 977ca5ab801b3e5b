"""TLS to PostgreSQL and Redis: the settings production builds, tried on the local servers.

Redis is reached through a TLS front (``pocdex_shared.testing.tls``) with a
certificate of a throwaway CA, as the services reach ElastiCache: with the CA
the client connects, without it the certificate is refused. The local
PostgreSQL has no TLS, so ``verify-full`` must fail there rather than fall back
to plain text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from kombu import Connection

from pocdex_shared.conf import database_from_env, redis_url
from pocdex_shared.service_settings import broker_url
from pocdex_shared.testing.tls import TlsFront
from pocdex_shared.tls import RDS_CA_BUNDLE_PATH

LOCAL_DB = "postgres://pocdex:pocdex@127.0.0.1:54329/postgres"
STRONG = "a-production-password-of-enough-length-0123456789"
PROD_DB = f"postgres://pocdex:{STRONG}@127.0.0.1:54329/postgres"
REDIS_PORT = 63799


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("POCDEX_ENV", "production")
    for name in ("DATABASE_SSLMODE", "DATABASE_SSLROOTCERT", "REDIS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture(scope="module")
def front() -> Iterator[TlsFront]:
    with TlsFront(REDIS_PORT) as tls:
        yield tls


def test_locally_the_database_settings_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "test")
    monkeypatch.delenv("DATABASE_SSLMODE", raising=False)
    monkeypatch.delenv("DATABASE_SSLROOTCERT", raising=False)
    monkeypatch.setenv("TEST_DB_URL", LOCAL_DB)
    assert "OPTIONS" not in database_from_env("TEST_DB_URL", local_default=LOCAL_DB)
    monkeypatch.setenv("TEST_DB_URL", LOCAL_DB + "?sslmode=prefer")
    options = database_from_env("TEST_DB_URL", local_default=LOCAL_DB)["OPTIONS"]
    assert options == {"sslmode": "prefer"}


def test_production_connects_with_verify_full_and_the_rds_bundle(
    production: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "rds.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    production.setenv("DATABASE_SSLROOTCERT", str(bundle))
    production.setenv("TEST_DB_URL", PROD_DB)
    config = database_from_env("TEST_DB_URL", local_default=LOCAL_DB)
    assert config["OPTIONS"] == {"sslmode": "verify-full", "sslrootcert": str(bundle)}

    # The URL may say it itself, but never less than verify-full.
    production.delenv("DATABASE_SSLROOTCERT")
    production.setenv("TEST_DB_URL", f"{PROD_DB}?sslmode=verify-full&sslrootcert={bundle}")
    config = database_from_env("TEST_DB_URL", local_default=LOCAL_DB)
    assert config["OPTIONS"] == {"sslmode": "verify-full", "sslrootcert": str(bundle)}
    for mode in ("require", "verify-ca", "prefer", "disable"):
        production.setenv("TEST_DB_URL", f"{PROD_DB}?sslmode={mode}&sslrootcert={bundle}")
        with pytest.raises(ImproperlyConfigured, match="verify-full"):
            database_from_env("TEST_DB_URL", local_default=LOCAL_DB)


def test_production_refuses_a_missing_ca_bundle(production: pytest.MonkeyPatch) -> None:
    production.setenv("TEST_DB_URL", PROD_DB)
    assert not Path(RDS_CA_BUNDLE_PATH).exists()  # the image ships it; this machine does not
    with pytest.raises(ImproperlyConfigured, match=r"rds-global-bundle\.pem"):
        database_from_env("TEST_DB_URL", local_default=LOCAL_DB)
    production.setenv("DATABASE_SSLROOTCERT", "/nonexistent/ca.pem")
    with pytest.raises(ImproperlyConfigured, match=r"/nonexistent/ca\.pem"):
        database_from_env("TEST_DB_URL", local_default=LOCAL_DB)


def _connect(config: dict[str, object]) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=str(config["HOST"]),
        port=int(str(config["PORT"])),
        user=str(config["USER"]),
        password=str(config["PASSWORD"]),
        dbname=str(config["NAME"]),
        connect_timeout=10,
        **dict(config.get("OPTIONS") or {}),  # type: ignore[call-overload]
    )


def test_verify_full_never_falls_back_to_plain_text(
    production: pytest.MonkeyPatch, front: TlsFront
) -> None:
    production.setenv("DATABASE_SSLROOTCERT", str(front.authority.ca_file))
    production.setenv("TEST_DB_URL", "postgres://pocdex:pocdex@127.0.0.1:54329/postgres")
    production.setenv("POCDEX_ENV", "test")  # the local password, with production's TLS options
    production.setenv("DATABASE_SSLMODE", "verify-full")
    config = database_from_env("TEST_DB_URL", local_default=LOCAL_DB)
    assert config["OPTIONS"]["sslmode"] == "verify-full"
    with pytest.raises(psycopg.OperationalError, match=r"(?i)ssl"):
        _connect(config)  # the local server has no TLS
    production.delenv("DATABASE_SSLMODE")
    production.delenv("DATABASE_SSLROOTCERT")
    with _connect(database_from_env("TEST_DB_URL", local_default=LOCAL_DB)) as plain:
        assert plain.execute("select 1").fetchone() == (1,)


def test_redis_urls_verify_certificates_and_production_requires_tls(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("TEST_REDIS", "redis://cache.internal:6379/0")
    with pytest.raises(ImproperlyConfigured, match="rediss://"):
        redis_url("TEST_REDIS")
    production.setenv("TEST_REDIS", "rediss://:token@cache.internal:6379/2")
    assert parse_qs(urlsplit(redis_url("TEST_REDIS")).query) == {"ssl_cert_reqs": ["required"]}
    for weak in ("none", "optional", "CERT_NONE"):
        production.setenv("TEST_REDIS", f"rediss://cache.internal:6379/2?ssl_cert_reqs={weak}")
        with pytest.raises(ImproperlyConfigured, match="ssl_cert_reqs"):
            redis_url("TEST_REDIS")
    production.setenv("REDIS_CA_BUNDLE", "/etc/ssl/certs/elasticache.pem")
    production.setenv("POCDEX_BROKER_URL", "rediss://cache.internal:6379/1")
    assert parse_qs(urlsplit(broker_url()).query) == {
        "ssl_cert_reqs": ["required"],
        "ssl_ca_certs": ["/etc/ssl/certs/elasticache.pem"],
    }
    production.setenv("POCDEX_BROKER_URL", "redis://cache.internal:6379/1")
    with pytest.raises(ImproperlyConfigured, match="POCDEX_BROKER_URL"):
        broker_url()
    production.setenv("POCDEX_BROKER_URL", "sqs://")
    assert broker_url() == "sqs://"


def test_locally_redis_urls_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "test")
    monkeypatch.setenv("TEST_REDIS", "redis://127.0.0.1:63799/2")
    assert redis_url("TEST_REDIS") == "redis://127.0.0.1:63799/2"


def test_cache_and_broker_reach_redis_over_tls_only_with_the_right_ca(
    monkeypatch: pytest.MonkeyPatch, front: TlsFront
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "test")
    monkeypatch.setenv("REDIS_CA_BUNDLE", str(front.authority.ca_file))
    monkeypatch.setenv("TEST_REDIS", f"rediss://127.0.0.1:{front.port}/9")
    url = redis_url("TEST_REDIS")
    client = redis.Redis.from_url(url, socket_timeout=10)
    assert client.ping() is True
    client.close()

    monkeypatch.setenv("POCDEX_BROKER_URL", f"rediss://127.0.0.1:{front.port}/9")
    with Connection(broker_url(), connect_timeout=10) as broker:
        broker.ensure_connection(max_retries=1)
        assert broker.default_channel.client.ping() is True

    # Without the CA (the system's bundle only) the throwaway certificate is refused.
    monkeypatch.delenv("REDIS_CA_BUNDLE")
    untrusted = redis.Redis.from_url(redis_url("TEST_REDIS"), socket_timeout=10)
    with pytest.raises(redis.ConnectionError, match=r"(?i)certificate"):
        untrusted.ping()
    untrusted.close()
