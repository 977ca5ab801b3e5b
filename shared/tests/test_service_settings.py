"""The settings building blocks every service uses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from pocdex_shared import service_settings as blocks


def test_api_middleware_keeps_the_platform_order() -> None:
    chain = blocks.api_middleware()
    assert chain[:3] == [
        "pocdex_shared.observability.RequestContextMiddleware",
        "pocdex_shared.observability.MetricsMiddleware",
        "pocdex_shared.errors.JsonErrorMiddleware",
    ]
    # The tenant is resolved after the security headers and after the language
    # is chosen, so that its refusals are in the caller's language.
    tenant = chain.index("pocdex_shared.tenancy.middleware.TenantFromTokenMiddleware")
    assert chain.index("django.middleware.security.SecurityMiddleware") < tenant
    assert chain.index("django.middleware.locale.LocaleMiddleware") < tenant
    assert not any("sessions" in name or "csrf" in name for name in chain)


def test_web_pages_add_sessions_csrf_and_auth_in_django_order() -> None:
    chain = blocks.api_middleware(web_pages=True)
    order = [
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "pocdex_shared.tenancy.middleware.TenantFromTokenMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    positions = [chain.index(name) for name in order]
    assert positions == sorted(positions)


def test_rest_framework_uses_the_shared_error_contract() -> None:
    config = blocks.rest_framework(authentication="x.Auth")
    assert config["DEFAULT_AUTHENTICATION_CLASSES"] == ["x.Auth"]
    assert config["EXCEPTION_HANDLER"] == "pocdex_shared.errors.exception_handler"
    assert config["DEFAULT_PARSER_CLASSES"] == ["pocdex_shared.parsers.JSONParser"]


def test_spectacular_names_the_service_and_its_enums() -> None:
    config = blocks.spectacular("dojo", "Dojos.", enums={"RoleEnum": "x.Role"})
    assert config["TITLE"] == "Pocdex dojo API"
    assert config["ENUM_NAME_OVERRIDES"] == {"RoleEnum": "x.Role"}
    assert "ENUM_NAME_OVERRIDES" not in blocks.spectacular("media", "Jobs.")


def test_caches_carry_the_tenant_in_their_keys() -> None:
    cache = blocks.redis_cache("media", "redis://127.0.0.1:63799/2")
    assert cache["KEY_FUNCTION"] == "django_tenants.cache.make_key"
    assert cache["KEY_PREFIX"] == "media"


def test_redis_broker_needs_no_transport_options() -> None:
    assert blocks.broker_transport_options("redis://h/1", service="pocs", services=["pocs"]) == {}


def test_sqs_broker_in_production_requires_its_queue_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.delenv("SQS_QUEUE_URL_PREFIX", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SQS_QUEUE_URL_PREFIX"):
        blocks.broker_transport_options("sqs://", service="pocs", services=["pocs"])


def test_production_refuses_a_missing_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        blocks.secret_key("pocs")
    monkeypatch.setenv("POCDEX_ENV", "local")
    assert blocks.secret_key("pocs") == "pocs-local-only-not-secret"
