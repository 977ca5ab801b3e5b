"""The OpenAPI schema is the contract the mobile apps build on."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_generates_without_warnings_and_lists_every_route(tmp_path, capsys):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--fail-on-warn", "--validate")
    schema = yaml.safe_load(target.read_text())
    paths = set(schema["paths"])
    assert {
        "/api/v1/signup",
        "/api/v1/organizations",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/invitations",
        "/api/v1/invitations/accept",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/verify-email",
        "/api/v1/me/totp",
    } <= paths
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/auth/token"]["post"].get("security") in ([], [{}], None)
    signup = schema["paths"]["/api/v1/signup"]["post"]["responses"]
    assert {"201", "202"} <= set(signup)
    created = schema["paths"]["/api/v1/organizations"]["post"]["responses"]["201"]
    name = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "tokens" in schema["components"]["schemas"][name]["properties"]


def test_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200


def test_docs_page_behind_the_gateway_fetches_the_public_schema_path(client):
    direct = client.get("/api/docs").content.decode()
    proxied = client.get("/api/docs", HTTP_X_FORWARDED_PREFIX="/api/docs/accounts").content.decode()
    assert "/api/schema" in direct
    assert "/api/schema/accounts" in proxied
    assert "/api/schema/accounts" not in direct
