"""A member of another organization sees nothing and changes nothing, on every route."""

from __future__ import annotations

import pytest

from registry.models import Attachment, Poc

from .conftest import error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim_poc(alice, create_poc):
    poc = create_poc(alice, tags=["interno"], languages=["go"], summary="confidencial")
    upload = alice.client.post(
        f"/api/v1/pocs/{poc['id']}/attachments",
        {"filename": "notes.txt", "content_type": "text/plain", "size": 5},
        format="json",
    ).json()
    return poc, upload["id"]


def test_another_organizations_member_gets_not_found_on_every_poc_route(victim_poc, outsider):
    poc, attachment_id = victim_poc
    base = f"/api/v1/pocs/{poc['id']}"
    client = outsider.client
    answers = [
        client.get(base),
        client.patch(base, {"summary": "pwned"}, format="json"),
        client.delete(base),
        client.post(f"{base}/restore"),
        client.get(f"{base}/attachments"),
        client.post(
            f"{base}/attachments",
            {"filename": "x.txt", "content_type": "text/plain", "size": 1},
            format="json",
        ),
        client.get(f"{base}/attachments/{attachment_id}"),
        client.post(f"{base}/attachments/{attachment_id}/complete"),
        client.delete(f"{base}/attachments/{attachment_id}"),
    ]
    for response in answers:
        assert response.status_code == 404, response.content
        assert error_code(response) == "poc_not_found"


def test_another_organizations_lists_and_counts_show_nothing_of_ours(victim_poc, outsider):
    client = outsider.client
    assert client.get("/api/v1/pocs").json() == {"results": [], "next": None}
    assert client.get("/api/v1/pocs/deleted").json() == {"results": [], "next": None}
    assert client.get("/api/v1/tags").json()["results"] == []
    go = client.get("/api/v1/languages?q=go").json()["results"]
    assert {row["slug"]: row["count"] for row in go}["go"] == 0


def test_nothing_changed_in_the_victims_schema(victim_poc, outsider, alice):
    poc, attachment_id = victim_poc
    outsider.client.patch(f"/api/v1/pocs/{poc['id']}", {"summary": "pwned"}, format="json")
    outsider.client.delete(f"/api/v1/pocs/{poc['id']}")
    outsider.client.delete(f"/api/v1/pocs/{poc['id']}/attachments/{attachment_id}")
    with alice.data():
        stored = Poc.objects.get(id=poc["id"])
        assert stored.summary == "confidencial" and stored.deleted_at is None
        assert Attachment.objects.filter(id=attachment_id).exists()
    with outsider.data():
        assert not Poc.objects.exists()


def test_the_same_route_in_ones_own_organization_creates_nothing_in_the_other(
    alice, outsider, create_poc
):
    mine = create_poc(outsider, name="Outsider POC")
    assert [p["id"] for p in alice.client.get("/api/v1/pocs").json()["results"]] == []
    assert alice.client.get(f"/api/v1/pocs/{mine['id']}").status_code == 404


def test_a_token_of_an_unknown_or_suspended_organization_is_refused(make_tenant, make_member):
    from tenants.models import Tenant

    suspended = make_member(make_tenant(status="suspended"))
    response = suspended.client.get("/api/v1/pocs")
    assert response.status_code == 403 and error_code(response) == "tenant_suspended"
    provisioning = make_member(make_tenant(status="provisioning"))
    response = provisioning.client.get("/api/v1/pocs")
    # Retryable (ADR 0023): accounts does not know it as active either.
    assert response.status_code == 503 and error_code(response) == "tenant_not_ready"
    assert response["Retry-After"] == "1"
    ghost = make_member(Tenant(id="5f0c6f5e-8d0c-4b7c-9a55-6f1c1d8f0a11", slug="ghost"))
    response = ghost.client.get("/api/v1/pocs")
    assert response.status_code == 401 and error_code(response) == "tenant_unknown"


def test_refusals_of_an_organization_speak_the_callers_language(make_tenant, make_member):
    """The texts live in the shared package: pocs must not answer them in English."""
    from tenants.models import Tenant

    cases = [
        (make_member(make_tenant(status="suspended")), "Esta organização está suspensa."),
        (
            make_member(make_tenant(status="provisioning")),
            "Esta organização ainda está sendo preparada. Tente de novo em instantes.",
        ),
        (
            make_member(Tenant(id="0b7a2f8e-3c1d-4e5f-9a6b-7c8d9e0f1a2b", slug="ghost-pt")),
            # An unknown organization gets the generic text of a bad token.
            "O token de acesso é inválido.",
        ),
    ]
    for member, portuguese in cases:
        english = member.client.get("/api/v1/pocs", HTTP_ACCEPT_LANGUAGE="en").json()
        response = member.client.get("/api/v1/pocs", HTTP_ACCEPT_LANGUAGE="pt-BR")
        assert response.json()["error"]["code"] == english["error"]["code"]
        assert response.json()["error"]["message"] == portuguese
        assert english["error"]["message"] != portuguese


def test_requests_without_a_token_are_refused(client):
    for path in ("/api/v1/pocs", "/api/v1/languages", "/api/v1/tags", "/api/v1/pocs/deleted"):
        response = client.get(path)
        assert response.status_code == 401 and error_code(response) == "not_authenticated"
