"""Tenant resolution over HTTP: Bearer token → verified claims → tenant replica → schema.

Requests go through Django's test client, the real middleware stack of
``tests.settings``, DRF's ``TokenAuthentication`` and the JSON error handler.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from pocdex_shared.tenancy.models import TenantStatus
from tests.conftest import MakeTenant
from tests.keys import ATTACKER_KEY, KID, access_token, bearer
from tests.tenantdata.models import Note

pytestmark = pytest.mark.django_db

NOTES = "/tenancy/notes"


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def acme(make_tenant: MakeTenant) -> Any:
    tenant = make_tenant("acme")
    with schema_context(tenant.schema_name):
        Note.objects.create(text="acme: roadmap")
        Note.objects.create(text="acme: pricing")
    return tenant


@pytest.fixture
def globex(make_tenant: MakeTenant) -> Any:
    tenant = make_tenant("globex")
    with schema_context(tenant.schema_name):
        Note.objects.create(text="globex: secret plan")
    return tenant


def body(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.content))


def error_code(response: Any) -> str:
    return str(body(response)["error"]["code"])


def texts(response: Any) -> list[str]:
    return [note["text"] for note in body(response)["notes"]]


# ------------------------------------------------------------------ isolation


def test_token_reads_only_its_own_tenants_notes(client: Client, acme: Any, globex: Any) -> None:
    user = str(uuid.uuid4())

    response = client.get(NOTES, **bearer(access_token(tenant_id=acme.id, subject=user)))

    assert response.status_code == 200
    assert texts(response) == ["acme: roadmap", "acme: pricing"]
    assert body(response)["schema"] == acme.schema_name
    assert body(response)["user"] == user

    response = client.get(NOTES, **bearer(access_token(tenant_id=globex.id)))

    assert texts(response) == ["globex: secret plan"]


def test_note_created_with_a_token_lands_in_that_tenants_schema_only(
    client: Client, acme: Any, globex: Any
) -> None:
    response = client.post(
        NOTES,
        {"text": "acme: new idea"},
        content_type="application/json",
        **bearer(access_token(tenant_id=acme.id)),
    )

    assert response.status_code == 201
    with schema_context(acme.schema_name):
        assert Note.objects.filter(text="acme: new idea").count() == 1
    with schema_context(globex.schema_name):
        assert not Note.objects.filter(text="acme: new idea").exists()


@pytest.mark.parametrize("kid", [KID, "attacker-key"], ids=["known-kid", "unknown-kid"])
def test_token_for_another_tenant_signed_by_an_unknown_key_is_refused(
    client: Client, acme: Any, globex: Any, kid: str
) -> None:
    forged = access_token(tenant_id=globex.id, key=ATTACKER_KEY, kid=kid)

    response = client.get(NOTES, **bearer(forged))

    assert response.status_code == 401
    assert error_code(response) == (
        "token_signature_invalid" if kid == KID else "token_unknown_key"
    )
    assert "globex" not in response.content.decode()
    assert response["WWW-Authenticate"].startswith('Bearer realm="pocdex"')


def test_tenant_claim_cannot_be_changed_without_breaking_the_signature(
    client: Client, acme: Any, globex: Any
) -> None:
    header, _, signature = access_token(tenant_id=acme.id).split(".")
    other_claims = access_token(tenant_id=globex.id).split(".")[1]

    response = client.get(NOTES, **bearer(f"{header}.{other_claims}.{signature}"))

    assert response.status_code == 401
    assert error_code(response) == "token_signature_invalid"


# ------------------------------------------------------------------ tenants that may not be served


def test_suspended_tenant_is_refused_with_tenant_suspended(
    client: Client, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("suspended-org", status=TenantStatus.SUSPENDED)

    response = client.get(NOTES, **bearer(access_token(tenant_id=tenant.id)))

    assert response.status_code == 403
    assert error_code(response) == "tenant_suspended"
    assert "notes" not in body(response)


def test_tenant_still_provisioning_is_refused_with_tenant_not_ready(
    client: Client, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("new-org", status=TenantStatus.PROVISIONING, provision=False)

    response = client.get(NOTES, **bearer(access_token(tenant_id=tenant.id)))

    # Retryable, never a 401 a client would log the person out for.
    assert response.status_code == 503
    assert error_code(response) == "tenant_not_ready"
    assert response["Retry-After"] == "1"


def test_provisioning_tenant_is_served_where_settings_allow_it(
    client: Client, make_tenant: MakeTenant, settings: Any
) -> None:
    settings.TENANT_ALLOWED_STATUSES = (TenantStatus.ACTIVE, TenantStatus.PROVISIONING)
    tenant = make_tenant("early-org", status=TenantStatus.PROVISIONING)

    response = client.get(NOTES, **bearer(access_token(tenant_id=tenant.id)))

    assert response.status_code == 200
    assert body(response)["schema"] == tenant.schema_name


@pytest.mark.parametrize(
    "tenant_id", [str(uuid.uuid4()), "not-a-uuid", None], ids=["absent", "garbage", "no-claim"]
)
def test_token_of_an_unknown_tenant_is_refused_with_tenant_unknown(
    client: Client, acme: Any, tenant_id: str | None
) -> None:
    response = client.get(NOTES, **bearer(access_token(tenant_id=tenant_id)))

    assert response.status_code == 401
    assert error_code(response) == "tenant_unknown"


def test_tenant_status_labels_are_translated() -> None:
    """The back office lists organizations by status in the staff member's language."""
    with translation.override("pt-br"):
        labels = [str(label) for label in TenantStatus.labels]
    assert labels == ["Em preparação", "Ativa", "Suspensa"]


def test_request_without_token_is_refused_with_not_authenticated(client: Client, acme: Any) -> None:
    response = client.get(NOTES)

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_expired_token_is_refused_with_token_expired(client: Client, acme: Any) -> None:
    response = client.get(NOTES, **bearer(access_token(tenant_id=acme.id, ttl=-120)))

    assert response.status_code == 401
    assert error_code(response) == "token_expired"


# ------------------------------------------------------------------ what the connection is left on


def test_connection_is_back_on_public_after_the_request(client: Client, acme: Any) -> None:
    response = client.get(NOTES, **bearer(access_token(tenant_id=acme.id)))

    assert body(response)["schema"] == acme.schema_name
    assert connection.schema_name == "public"
    assert Note._meta.db_table not in connection.introspection.table_names()


def test_connection_is_back_on_public_after_a_view_crashes(acme: Any) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/tenancy/failing", **bearer(access_token(tenant_id=acme.id)))

    assert response.status_code == 500
    assert error_code(response) == "internal_error"
    assert connection.schema_name == "public"


def test_refused_token_leaves_the_connection_on_public(client: Client, make_tenant: Any) -> None:
    tenant = make_tenant("gone-org", status=TenantStatus.SUSPENDED)
    connection.set_tenant(tenant)

    client.get("/tenancy/schema", **bearer(access_token(tenant_id=tenant.id)))

    assert connection.schema_name == "public"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_TENANT": "acme"},
        {"HTTP_X_TENANT_ID": "{tenant_id}"},
        {"HTTP_AUTHORIZATION": "Tenant {tenant_id}"},
    ],
    ids=["x-tenant-slug", "x-tenant-id", "authorization-tenant"],
)
def test_bare_tenant_header_without_a_token_activates_no_tenant(
    client: Client, acme: Any, headers: dict[str, str]
) -> None:
    headers = {name: value.format(tenant_id=acme.id) for name, value in headers.items()}

    plain = client.get("/tenancy/schema", **headers)
    api = client.get(NOTES, **headers)

    assert body(plain) == {"schema": "public", "tenant": None}
    assert api.status_code == 401
    assert error_code(api) == "not_authenticated"
