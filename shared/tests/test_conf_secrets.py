"""Secrets in production: set, long, and never a value made for a developer machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pocdex_shared import service_settings
from pocdex_shared.conf import (
    MIN_SECRET_LENGTH,
    database_from_env,
    refuse_local_credentials,
    secret,
)

STRONG = "Zq3vX9-kP2mW7rT5yL8nB4cJ6hF1dS0aG2eU9iO"
LOCAL_DB = "postgres://pocdex:pocdex@127.0.0.1:54329/pocs"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "POCDEX_ENV",
        "POCS_SECRET",
        "DJANGO_SECRET_KEY",
        "POCS_DATABASE_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")


def test_local_development_falls_back_to_the_local_secret() -> None:
    assert secret("POCS_SECRET", local_default="local-only-pocs") == "local-only-pocs"


def test_local_development_accepts_any_value_that_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCS_SECRET", "short")

    assert secret("POCS_SECRET", local_default="local-only-pocs") == "short"


@pytest.mark.usefixtures("production")
def test_production_accepts_a_long_secret_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCS_SECRET", STRONG)

    assert secret("POCS_SECRET", local_default="local-only-pocs") == STRONG


@pytest.mark.usefixtures("production")
def test_production_refuses_a_missing_secret() -> None:
    with pytest.raises(ImproperlyConfigured, match="POCS_SECRET"):
        secret("POCS_SECRET", local_default="local-only-pocs")


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "value",
    [
        "fallback-default-value-that-is-long-enough-000",  # the local default itself
        " fallback-default-value-that-is-long-enough-000 ",
        "local-only-insecure-key-do-not-use-anywhere-else-pocdex-2f9c",  # local/env.sh
        "LOCAL-ONLY-but-in-capitals-and-long-enough-0000",
        "pocs-local-only-not-secret-padded-to-be-long-enough",
        "pocdex-local-secret-padded-to-be-long-enough-00",
    ],
)
def test_production_refuses_a_local_secret_even_when_set_explicitly(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("POCS_SECRET", value)

    with pytest.raises(ImproperlyConfigured, match=r"POCS_SECRET.*local development value") as info:
        secret("POCS_SECRET", local_default="fallback-default-value-that-is-long-enough-000")

    assert value.strip() not in str(info.value)


@pytest.mark.usefixtures("production")
def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCS_SECRET", STRONG[: MIN_SECRET_LENGTH - 1])

    with pytest.raises(
        ImproperlyConfigured, match=f"POCS_SECRET is shorter than {MIN_SECRET_LENGTH}"
    ):
        secret("POCS_SECRET", local_default="local-only-pocs")


@pytest.mark.usefixtures("production")
def test_production_refuses_the_django_secret_key_of_local_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", "pocs-local-only-not-secret")

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        service_settings.secret_key("pocs")

    monkeypatch.setenv("DJANGO_SECRET_KEY", STRONG)
    assert service_settings.secret_key("pocs") == STRONG


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    ("name", "value"),
    [("AWS_ACCESS_KEY_ID", "pocdex-local"), ("AWS_SECRET_ACCESS_KEY", "pocdex-local-secret")],
)
def test_production_refuses_the_local_storage_credentials(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("DJANGO_SECRET_KEY", STRONG)

    with pytest.raises(ImproperlyConfigured, match=name):
        refuse_local_credentials()
    with pytest.raises(ImproperlyConfigured, match=name):
        service_settings.secret_key("pocs")


def test_local_development_uses_the_local_storage_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "pocdex-local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "pocdex-local-secret")

    refuse_local_credentials()  # no error off production


@pytest.mark.usefixtures("production")
def test_production_accepts_real_storage_credentials_or_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refuse_local_credentials()  # none: the pod's role gives them
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    refuse_local_credentials()


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "url",
    [LOCAL_DB, "postgres://pocs:pocdex@db.internal:5432/pocs", "postgres://u:local-only-x@db/pocs"],
)
def test_production_refuses_the_local_database_password(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("POCS_DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match="password in POCS_DATABASE_URL"):
        database_from_env("POCS_DATABASE_URL", local_default=LOCAL_DB)


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "url",
    ["postgres://pocs:s3cret-from-the-vault@db.internal:5432/pocs", "postgres://pocs@db/pocs"],
    ids=["own-password", "no-password-in-the-url"],
)
def test_production_accepts_a_database_url_without_the_local_password(
    monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("POCS_DATABASE_URL", url)
    (tmp_path / "rds.pem").write_text("")  # production verifies the server (pocdex_shared.tls)
    monkeypatch.setenv("DATABASE_SSLROOTCERT", str(tmp_path / "rds.pem"))

    config = database_from_env("POCS_DATABASE_URL", local_default=LOCAL_DB)

    assert config["NAME"] == "pocs"


def test_local_development_uses_the_local_database_password() -> None:
    config = database_from_env("POCS_DATABASE_URL", local_default=LOCAL_DB)

    assert config["PASSWORD"] == "pocdex"
