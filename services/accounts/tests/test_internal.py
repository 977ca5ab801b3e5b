"""Internal endpoints: service tokens by client credentials, and the tenant list for sync."""

from __future__ import annotations

import uuid

import jwt
import pytest
from rest_framework.test import APIClient

from organizations.models import Organization

from .conftest import auth


def service_token(client: str = "pocs", audience: str = "accounts", secret: str | None = None):  # type: ignore[no-untyped-def]
    return APIClient().post(
        "/internal/v1/service-tokens",
        {
            "client": client,
            "secret": secret or f"local-only-{client}-client-secret",
            "audience": audience,
        },
        format="json",
    )


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


@pytest.mark.django_db
def test_a_service_obtains_a_token_for_one_audience():
    response = service_token("pocs", "media")
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access"], options={"verify_signature": False})
    assert claims["sub"] == "service:pocs" and claims["aud"] == "pocdex-media"
    assert claims["typ"] == "service" and "tid" not in claims
    assert 0 < claims["exp"] - claims["iat"] <= 300


@pytest.mark.django_db
@pytest.mark.parametrize("client,secret", [("pocs", "wrong"), ("unknown", "x"), ("accounts", "x")])
def test_a_wrong_secret_or_unknown_client_gets_no_token(client, secret):
    response = service_token(client, secret=secret)
    assert response.status_code == 401 and error_code(response) == "invalid_client"


@pytest.mark.django_db
def test_the_tenant_list_needs_a_service_token_for_accounts(signup):
    org = signup()
    refused_anonymous = APIClient().get("/internal/v1/tenants")
    refused_user = auth(APIClient(), org["tokens"]["access"]).get("/internal/v1/tenants")
    for_media = service_token("pocs", "media").json()["access"]
    refused_audience = auth(APIClient(), for_media).get("/internal/v1/tenants")
    assert refused_anonymous.status_code == 401
    assert refused_user.status_code == 401 and error_code(refused_user) == "token_audience_invalid"
    assert (
        refused_audience.status_code == 401
        and error_code(refused_audience) == "token_audience_invalid"
    )


@pytest.mark.django_db
def test_the_tenant_list_pages_through_every_organization_as_replica_payloads(signup):
    ids = {signup()["organization"]["id"] for _ in range(3)}
    token = service_token("dojo", "accounts").json()["access"]
    client = auth(APIClient(), token)
    first = client.get("/internal/v1/tenants", {"limit": 2}).json()
    second = client.get("/internal/v1/tenants", {"limit": 2, "cursor": first["next"]}).json()
    items = first["results"] + second["results"]
    assert {item["id"] for item in items} == ids and second["next"] is None
    organization = Organization.objects.get(id=items[0]["id"])
    assert items[0] == {**organization.replica_payload(), "id": str(organization.id)}


@pytest.mark.django_db
def test_one_organization_is_answered_to_a_service_as_its_replica_payload(signup):
    org = signup()
    other = signup()
    client = auth(APIClient(), service_token("media", "accounts").json()["access"])
    found = client.get(f"/internal/v1/tenants/{org['organization']['id']}")
    assert found.status_code == 200
    organization = Organization.objects.get(id=org["organization"]["id"])
    assert found.json() == {**organization.replica_payload(), "id": str(organization.id)}
    assert (
        client.get(f"/internal/v1/tenants/{other['organization']['id']}").json()["slug"]
        == (other["organization"]["slug"])
    )
    missing = client.get(f"/internal/v1/tenants/{uuid.uuid4()}")
    assert missing.status_code == 404 and error_code(missing) == "tenant_not_found"
    refused_user = auth(APIClient(), org["tokens"]["access"]).get(
        f"/internal/v1/tenants/{org['organization']['id']}"
    )
    assert refused_user.status_code == 401
