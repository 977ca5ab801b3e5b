"""No service starts outside local development with a secret everyone knows.

Each service's ``config.settings`` is imported in a fresh interpreter with
``POCDEX_ENV=production`` and a complete production environment: it must
import. Then one secret at a time is set to its local value (the one
``local/env.sh`` exports, or the settings' own local default): the import must
stop with ``ImproperlyConfigured`` naming that variable, and without printing
the value. A local default that is merely *set explicitly* is still refused.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess

import pytest

from .conftest import ROOT, local_env

PYTHON = ROOT / "var" / "venv" / "bin" / "python"
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/manage.py"))
CLIENTS = [s for s in SERVICES if s != "accounts"]
LOCAL = local_env()

PROBE = """
import json
import config.settings as s
print(json.dumps({
    "parsers": s.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"],
    "secret_key_length": len(s.SECRET_KEY),
}))
"""


def production_env(service: str) -> dict[str, str]:
    """Everything a service's settings need in production, with real-looking secrets."""
    strong = {name: secrets.token_urlsafe(36) for name in ("key", "db", *CLIENTS)}
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "POCDEX_ENV": "production",
        "POCDEX_SERVICE": service,
        "DJANGO_SECRET_KEY": strong["key"],
        "REDIS_URL": "rediss://cache.internal:6379/0",
        "CACHE_URL": "rediss://cache.internal:6379/2",
        "CHANNEL_REDIS_URL": "rediss://cache.internal:6379/3",
        "JWKS_URL": "https://api.example.com/.well-known/jwks.json",
        "ACCOUNTS_URL": "http://accounts.internal",
        "POCS_URL": "http://pocs.internal",
        "DOJO_URL": "http://dojo.internal",
        "MEDIA_URL": "http://media.internal",
        "OPENSEARCH_URL": "https://search.internal",
        "POCDEX_BROKER_URL": "rediss://cache.internal:6379/1",
        # verify-full needs a CA file; the images ship the RDS bundle (pocdex_shared.tls).
        "DATABASE_SSLROOTCERT": "/etc/ssl/certs/ca-certificates.crt",
        # accounts pushes "your video is ready" through SNS mobile push (ADR 0033).
        "PUSH_APNS_APPLICATION_ARN": "arn:aws:sns:sa-east-1:123456789012:app/APNS/pocdex-ios",
        "PUSH_FCM_APPLICATION_ARN": "arn:aws:sns:sa-east-1:123456789012:app/GCM/pocdex-android",
        # accounts bills through Stripe (ADR 0043).
        "STRIPE_API_KEY": "sk_live_" + secrets.token_urlsafe(24),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
        # accounts serves the app-link files naming the apps (identity.app_links).
        "APP_LINKS_ANDROID_CERT_SHA256": ":".join(["4F"] * 32),
        "APP_LINKS_IOS_APP_IDS": "ABCDE12345.br.com.pocdex.app",
    }
    for name in SERVICES:
        env[f"DATABASE_URL_{name.upper()}"] = (
            f"postgres://{name}:{strong['db']}@db-{name}.internal:5432/{name}"
        )
    for client in CLIENTS:
        env[f"SERVICE_CLIENT_SECRET_{client.upper()}"] = strong[client]
    return env


def import_settings(service: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYTHON), "-c", PROBE],
        cwd=ROOT / "services" / service,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def local_secrets(service: str) -> list[tuple[str, str]]:
    """(variable, local value) for every secret the service's settings read."""
    db = f"DATABASE_URL_{service.upper()}"
    pairs = [
        ("DJANGO_SECRET_KEY", LOCAL["DJANGO_SECRET_KEY"]),
        ("DJANGO_SECRET_KEY", f"{service}-local-only-not-secret"),  # the settings' own default
        ("DJANGO_SECRET_KEY", "too-short-for-production"),
        (db, LOCAL[db]),
        ("AWS_ACCESS_KEY_ID", LOCAL["AWS_ACCESS_KEY_ID"]),
        ("AWS_SECRET_ACCESS_KEY", LOCAL["AWS_SECRET_ACCESS_KEY"]),
    ]
    clients = CLIENTS if service == "accounts" else [service]
    pairs += [
        (f"SERVICE_CLIENT_SECRET_{c.upper()}", f"local-only-{c}-client-secret") for c in clients
    ]
    return pairs


CASES = [(service, name, value) for service in SERVICES for name, value in local_secrets(service)]


def test_every_service_is_checked() -> None:
    assert set(SERVICES) >= {"accounts", "pocs", "dojo", "media"}


@pytest.mark.parametrize("service", SERVICES)
def test_service_settings_import_in_production_with_secrets_of_its_own(service: str) -> None:
    done = import_settings(service, production_env(service))

    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout)
    # Hostile JSON bodies are bounded in every service (pocdex_shared.parsers).
    assert probe["parsers"] == ["pocdex_shared.parsers.JSONParser"]
    assert probe["secret_key_length"] >= 32


@pytest.mark.parametrize(
    ("service", "name", "value"),
    CASES,
    ids=[f"{s}-{n}-{i}" for i, (s, n, _v) in enumerate(CASES)],
)
def test_service_refuses_to_start_in_production_with_a_local_secret(
    service: str, name: str, value: str
) -> None:
    env = {**production_env(service), name: value}

    done = import_settings(service, env)

    assert done.returncode != 0, f"{service} started in production with {name}={value!r}"
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), done.stderr[-2000:]
    assert name in last_line
    if "://" not in value:  # (the local database password, "pocdex", is in every path)
        assert value not in done.stderr, "the refusal must not print the secret"


@pytest.mark.parametrize("service", SERVICES)
def test_service_refuses_to_start_in_production_without_its_secret_key(service: str) -> None:
    env = production_env(service)
    del env["DJANGO_SECRET_KEY"]

    done = import_settings(service, env)

    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUSH_APNS_APPLICATION_ARN", None),
        ("PUSH_FCM_APPLICATION_ARN", None),
        ("PUSH_FCM_APPLICATION_ARN", "arn:aws:sns:sa-east-1:123456789012:app/APNS/pocdex-ios"),
        ("PUSH_GATEWAY", "log"),
    ],
)
def test_accounts_refuses_to_start_in_production_without_its_push_applications(
    name: str, value: str | None
) -> None:
    """Production delivers push notifications through SNS: both applications, each of its platform."""
    env = production_env("accounts")
    if value is None:
        del env[name]
    else:
        env[name] = value

    done = import_settings("accounts", env)

    assert done.returncode != 0, f"accounts started in production with {name}={value!r}"
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), done.stderr[-2000:]
    assert name in last_line
