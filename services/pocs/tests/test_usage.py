"""pocs' usage for accounts (GET /internal/v1/tenants/<id>/usage): POCs and attachment storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from pocdex_shared.testing.tokens import service_token
from tenants.models import Tenant

from .conftest import Member, error_code


def usage(tenant_id: Any, *, caller: str | None = "accounts") -> Any:
    api = APIClient()
    if caller:
        token = service_token(service=caller, audience="pocdex-pocs")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.get(f"/internal/v1/tenants/{tenant_id}/usage")


def attach(member: Member, poc: dict[str, Any], size: int) -> None:
    body = {"filename": "notes.md", "content_type": "text/markdown", "size": size}
    response = member.client.post(f"/api/v1/pocs/{poc['id']}/attachments", body, format="json")
    assert response.status_code == 201, response.content


def test_usage_follows_the_organizations_pocs_and_attachments_only(
    make_tenant: Callable[..., Tenant],
    make_member: Callable[..., Member],
    outsider: Member,
    create_poc: Callable[..., dict[str, Any]],
) -> None:
    tenant = make_tenant(plan="free", limits={"pocs": 7})
    alice = make_member(tenant)
    for _ in range(3):
        attach(outsider, create_poc(outsider), 5_000)

    empty = usage(tenant.id)
    assert empty.status_code == 200, empty.content
    assert empty.json() == {
        "service": "pocs",
        "tenant_id": str(tenant.id),
        "plan": "free",
        "usage": {
            "pocs": {"used": 0, "limit": 7},
            "attachment_bytes": {"used": 0, "limit": 1024**3},
        },
    }

    first = create_poc(alice)
    second = create_poc(alice)
    attach(alice, first, 600)  # a pending upload counts: its bytes are promised
    attach(alice, second, 400)
    assert usage(tenant.id).json()["usage"] == {
        "pocs": {"used": 2, "limit": 7},
        "attachment_bytes": {"used": 1000, "limit": 1024**3},
    }

    # A deleted POC frees its slot (as the limit check counts) but keeps its files restorable.
    assert alice.client.delete(f"/api/v1/pocs/{second['id']}").status_code == 204
    assert usage(tenant.id).json()["usage"]["pocs"] == {"used": 1, "limit": 7}
    assert usage(tenant.id).json()["usage"]["attachment_bytes"]["used"] == 1000
    assert usage(outsider.tenant.id).json()["usage"]["pocs"]["used"] == 3
    assert usage(outsider.tenant.id).json()["usage"]["attachment_bytes"]["used"] == 15_000


def test_an_unlimited_plan_answers_null_limits(
    make_tenant: Callable[..., Tenant], make_member: Callable[..., Member]
) -> None:
    tenant = make_tenant(plan="business")
    answer = usage(tenant.id).json()
    assert answer["plan"] == "business"
    assert answer["usage"]["pocs"] == {"used": 0, "limit": None}


def test_only_accounts_may_ask_and_an_unknown_organization_is_404(org: Tenant) -> None:
    refused = usage(org.id, caller="media")
    assert refused.status_code == 403
    assert usage(org.id, caller=None).status_code == 401
    unknown = usage(uuid.uuid4())
    assert unknown.status_code == 404 and error_code(unknown) == "tenant_not_found"
