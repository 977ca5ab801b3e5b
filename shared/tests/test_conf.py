"""Settings from the environment: local defaults off production, loud failures on it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from pocdex_shared.conf import csv_list, database_from_env, is_production, redis_url, required

DB_URL = "postgres://pocs:s3cret@db.internal:5432/pocs"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("POCDEX_ENV", "POCS_DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", ["local", "test", "ci", "CI", " local "])
def test_development_environments_are_not_production(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("POCDEX_ENV", name)

    assert is_production() is False


def test_unset_environment_means_local() -> None:
    assert is_production() is False


@pytest.mark.parametrize("name", ["production", "staging", "prod", "lcoal"])
def test_any_other_environment_counts_as_production(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("POCDEX_ENV", name)

    assert is_production() is True


def test_required_returns_the_variable_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-secrets-manager")

    assert required("SECRET_KEY", local_default="dev") == "from-secrets-manager"


def test_required_falls_back_to_the_local_default_outside_production() -> None:
    assert required("SECRET_KEY", local_default="dev-only") == "dev-only"


def test_required_in_production_names_the_missing_variable_and_its_purpose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")

    with pytest.raises(ImproperlyConfigured) as caught:
        required("SECRET_KEY", local_default="dev-only", purpose="Django signing key")

    assert "SECRET_KEY" in str(caught.value)
    assert "Django signing key" in str(caught.value)


def test_required_without_a_default_fails_even_locally() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        required("SECRET_KEY")


def test_an_empty_variable_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "  ")

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        required("SECRET_KEY", local_default="dev-only")


def test_database_from_env_builds_a_tenant_aware_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCS_DATABASE_URL", DB_URL)

    database = database_from_env("POCS_DATABASE_URL", local_default="postgres://x@y/z")

    assert database["ENGINE"] == "django_tenants.postgresql_backend"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("pocs", "pocs", "s3cret")
    assert (database["HOST"], int(database["PORT"])) == ("db.internal", 5432)
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


def test_database_from_env_uses_the_local_default_off_production() -> None:
    database = database_from_env(
        "POCS_DATABASE_URL", local_default="postgres://pocdex:pocdex@127.0.0.1:54329/pocs"
    )

    assert (database["NAME"], int(database["PORT"])) == ("pocs", 54329)


def test_database_from_env_refuses_a_missing_url_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")

    with pytest.raises(ImproperlyConfigured, match="POCS_DATABASE_URL"):
        database_from_env("POCS_DATABASE_URL", local_default="postgres://x@y/z")


def test_database_from_env_refuses_anything_but_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCS_DATABASE_URL", "mysql://u:p@h/db")

    with pytest.raises(ImproperlyConfigured, match="postgres"):
        database_from_env("POCS_DATABASE_URL", local_default="postgres://x@y/z")


def test_redis_url_accepts_tls_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "rediss://cache.internal:6379/0")
    monkeypatch.delenv("REDIS_CA_BUNDLE", raising=False)

    # Certificate verification is spelled out (pocdex_shared.tls).
    assert redis_url() == "rediss://cache.internal:6379/0?ssl_cert_reqs=required"


def test_redis_url_defaults_to_the_local_stack() -> None:
    assert redis_url() == "redis://127.0.0.1:63799/0"


def test_redis_url_refuses_other_schemes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "http://cache.internal")

    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_url()


def test_csv_list_splits_trims_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " pocs.internal , api.pocdex.com.br,, ")

    assert csv_list("ALLOWED_HOSTS") == ["pocs.internal", "api.pocdex.com.br"]


def test_csv_list_uses_the_default_only_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    assert csv_list("ALLOWED_HOSTS", default=["localhost"]) == ["localhost"]

    monkeypatch.setenv("ALLOWED_HOSTS", "a.example")
    assert csv_list("ALLOWED_HOSTS", default=["localhost"]) == ["a.example"]
