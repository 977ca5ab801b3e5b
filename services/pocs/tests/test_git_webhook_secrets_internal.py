"""The Git webhook secrets for accounts' owner console (internal, service token)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from integrations.models import WebhookSecret
from pocdex_shared.tenancy.scope import Require, tenant_scope
from pocdex_shared.testing.tokens import service_token
from tenants.models import Tenant

from .conftest import Member, error_code
from .test_git_webhooks import github_push, gitlab_push, send_github, send_gitlab


def internal(caller: str = "accounts") -> APIClient:
    api = APIClient()
    token = service_token(service=caller, audience="pocdex-pocs")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def statuses(tenant_id: Any, caller: str = "accounts") -> Any:
    return internal(caller).get(f"/internal/v1/tenants/{tenant_id}/git-webhooks")


def rotate(tenant_id: Any, provider: str, actor: Any = None, caller: str = "accounts") -> Any:
    return internal(caller).post(
        f"/internal/v1/tenants/{tenant_id}/git-webhooks/{provider}/rotate",
        {"actor": str(actor or uuid.uuid4())},
        format="json",
    )


def test_the_status_names_each_host_and_never_a_secret(org: Tenant) -> None:
    response = statuses(org.id)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["provider"], r["configured"], r["created_at"]) for r in rows] == [
        ("github", False, None),
        ("gitlab", False, None),
    ]
    assert rows[0]["webhook_url"].endswith(
        f"/api/v1/integrations/git/github/webhook?organization={org.slug}"
    )
    assert rotate(org.id, "gitlab").status_code == 201
    rows = statuses(org.id).json()["results"]
    assert [(r["provider"], r["configured"]) for r in rows] == [("github", False), ("gitlab", True)]
    assert all("secret" not in row for row in rows)


def test_a_rotated_secret_verifies_pushes_and_the_previous_one_no_longer_does(
    org: Tenant, alice: Member, create_poc: Callable[..., dict[str, Any]]
) -> None:
    create_poc(alice, repository_url="https://github.com/acme/engine")
    actor = uuid.uuid4()
    first = rotate(org.id, "github", actor).json()["secret"]
    second_answer = rotate(org.id, "github", actor)
    assert second_answer.status_code == 201
    second = second_answer.json()["secret"]
    assert second != first
    push = github_push("https://github.com/acme/engine")
    assert send_github(org.slug, first, push).status_code == 401
    assert send_github(org.slug, second, push).status_code == 200
    with tenant_scope(tenant=org, require=Require.ANY):
        assert WebhookSecret.objects.get(provider="github").created_by == actor
    gitlab = rotate(org.id, "gitlab").json()
    assert (
        send_gitlab(org.slug, gitlab["secret"], gitlab_push("https://github.com/x/y")).status_code
        == 200
    )


def test_another_organization_keeps_its_secret(
    org: Tenant, make_tenant: Callable[..., Tenant]
) -> None:
    other = make_tenant()
    theirs = rotate(other.id, "github").json()["secret"]
    rotate(org.id, "github")
    with tenant_scope(tenant=other, require=Require.ANY):
        assert WebhookSecret.objects.get(provider="github").secret == theirs


def test_only_accounts_may_call_and_bad_addresses_are_coded(org: Tenant) -> None:
    assert statuses(org.id, caller="dojo").status_code == 403
    assert rotate(org.id, "github", caller="media").status_code == 403
    assert APIClient().get(f"/internal/v1/tenants/{org.id}/git-webhooks").status_code == 401
    unknown = statuses(uuid.uuid4())
    assert unknown.status_code == 404 and error_code(unknown) == "tenant_not_found"
    bad = rotate(org.id, "bitbucket")
    assert bad.status_code == 404 and error_code(bad) == "provider_not_supported"
    no_actor = internal().post(
        f"/internal/v1/tenants/{org.id}/git-webhooks/github/rotate", {}, format="json"
    )
    assert no_actor.status_code == 400
    with tenant_scope(tenant=org, require=Require.ANY):
        assert not WebhookSecret.objects.exists()
