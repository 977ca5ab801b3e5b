"""Git host webhooks: signed per organization, recorded on the POC of the pushed repository."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.models import PushActivity

from .conftest import Member, error_code

pytestmark = pytest.mark.django_db


def github_push(repo_url: str, *, commits: int = 2) -> dict[str, Any]:
    return {
        "ref": "refs/heads/main",
        "after": "a" * 40,
        "repository": {"html_url": repo_url, "clone_url": repo_url + ".git"},
        "pusher": {"name": "octocat"},
        "head_commit": {"timestamp": "2026-11-20T10:00:00-03:00"},
        "commits": [{"id": str(i)} for i in range(commits)],
    }


def gitlab_push(repo_url: str) -> dict[str, Any]:
    return {
        "object_kind": "push",
        "ref": "refs/heads/develop",
        "checkout_sha": "b" * 40,
        "user_username": "tanuki",
        "total_commits_count": 3,
        "project": {"web_url": repo_url, "git_http_url": repo_url + ".git"},
        "commits": [{"timestamp": "2026-11-21T09:00:00Z"}],
    }


def secret_for(admin: Member, provider: str) -> dict[str, Any]:
    response = admin.client.post(f"/api/v1/integrations/git/{provider}/secret")
    assert response.status_code == 201, response.content
    return dict(response.json())


def send_github(
    slug: str,
    secret: str,
    payload: Any,
    *,
    event: str = "push",
    delivery: str | None = None,
    signature: str | None = None,
) -> Any:
    body = json.dumps(payload).encode()
    sig = signature or "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return APIClient().generic(
        "POST",
        f"/api/v1/integrations/git/github/webhook?organization={slug}",
        body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT=event,
        HTTP_X_GITHUB_DELIVERY=delivery or str(uuid.uuid4()),
        HTTP_X_HUB_SIGNATURE_256=sig,
    )


def send_gitlab(slug: str, token: str, payload: Any) -> Any:
    return APIClient().generic(
        "POST",
        f"/api/v1/integrations/git/gitlab/webhook?organization={slug}",
        json.dumps(payload).encode(),
        content_type="application/json",
        HTTP_X_GITLAB_EVENT="Push Hook",
        HTTP_X_GITLAB_TOKEN=token,
        HTTP_X_GITLAB_EVENT_UUID=str(uuid.uuid4()),
    )


def test_a_signed_github_push_is_recorded_on_the_poc_of_that_repository(admin, alice, create_poc):
    poc = create_poc(alice, repository_url="https://github.com/Acme/Edge-Cache")
    other = create_poc(alice, repository_url="https://github.com/acme/another")
    configured = secret_for(admin, "github")
    assert configured["webhook_url"].endswith(f"organization={admin.tenant.slug}")

    response = send_github(
        admin.tenant.slug, configured["secret"], github_push("https://github.com/acme/edge-cache")
    )
    assert response.status_code == 200 and response.json() == {"event": "push", "recorded": 1}
    with alice.data():
        activity = PushActivity.objects.get()
        assert str(activity.poc_id) == poc["id"] and activity.commit_count == 2
        assert activity.pusher == "octocat" and activity.ref == "refs/heads/main"
        assert not PushActivity.objects.filter(poc_id=other["id"]).exists()
    listed = alice.client.get(f"/api/v1/pocs/{poc['id']}/git-activity").json()["results"]
    assert [a["head_commit"] for a in listed] == ["a" * 40]


def test_a_gitlab_push_with_the_right_token_is_recorded(admin, alice, create_poc):
    poc = create_poc(alice, repository_url="https://gitlab.com/acme/ml-lab")
    token = secret_for(admin, "gitlab")["secret"]
    response = send_gitlab(admin.tenant.slug, token, gitlab_push("https://gitlab.com/acme/ml-lab"))
    assert response.json() == {"event": "push", "recorded": 1}
    with alice.data():
        assert PushActivity.objects.get(poc_id=poc["id"]).commit_count == 3


def test_bad_signatures_and_tokens_are_rejected_and_record_nothing(admin, alice, create_poc):
    create_poc(alice, repository_url="https://github.com/acme/edge-cache")
    secret = secret_for(admin, "github")["secret"]
    secret_for(admin, "gitlab")
    payload = github_push("https://github.com/acme/edge-cache")
    wrong_secret = send_github(admin.tenant.slug, "not-the-secret", payload)
    tampered = send_github(admin.tenant.slug, secret, payload, signature="sha256=" + "0" * 64)
    missing = APIClient().post(
        f"/api/v1/integrations/git/github/webhook?organization={admin.tenant.slug}",
        payload,
        format="json",
        HTTP_X_GITHUB_EVENT="push",
    )
    gitlab_wrong = send_gitlab(admin.tenant.slug, "guess", gitlab_push("https://gitlab.com/a/b"))
    for response in (wrong_secret, tampered, missing, gitlab_wrong):
        assert response.status_code == 401 and error_code(response) == "webhook_signature_invalid"
    with alice.data():
        assert PushActivity.objects.count() == 0


def test_an_organization_without_a_secret_accepts_no_webhook(alice, create_poc):
    create_poc(alice, repository_url="https://github.com/acme/edge-cache")
    response = send_github(
        alice.tenant.slug, "anything", github_push("https://github.com/acme/edge-cache")
    )
    assert response.status_code == 401 and error_code(response) == "webhook_signature_invalid"


def test_another_organizations_secret_does_not_open_this_one(
    admin, alice, outsider, create_poc, make_member
):
    create_poc(alice, repository_url="https://github.com/acme/edge-cache")
    secret_for(admin, "github")
    theirs = secret_for(outsider, "github")["secret"]
    response = send_github(
        alice.tenant.slug, theirs, github_push("https://github.com/acme/edge-cache")
    )
    assert response.status_code == 401
    with alice.data():
        assert PushActivity.objects.count() == 0


def test_a_redelivered_push_is_recorded_once(admin, alice, create_poc):
    create_poc(alice, repository_url="https://github.com/acme/edge-cache")
    secret = secret_for(admin, "github")["secret"]
    payload = github_push("https://github.com/acme/edge-cache")
    delivery = str(uuid.uuid4())
    first = send_github(admin.tenant.slug, secret, payload, delivery=delivery)
    again = send_github(admin.tenant.slug, secret, payload, delivery=delivery)
    assert first.json()["recorded"] == 1 and again.json()["recorded"] == 0
    with alice.data():
        assert PushActivity.objects.count() == 1


def test_ping_and_other_events_are_acknowledged_without_recording(admin, alice, create_poc):
    create_poc(alice, repository_url="https://github.com/acme/edge-cache")
    secret = secret_for(admin, "github")["secret"]
    ping = send_github(admin.tenant.slug, secret, {"zen": "hi"}, event="ping")
    issue = send_github(admin.tenant.slug, secret, {"action": "opened"}, event="issues")
    assert ping.status_code == 200 and ping.json()["event"] == "ping"
    assert issue.status_code == 202
    with alice.data():
        assert PushActivity.objects.count() == 0


def test_unknown_organization_or_provider_is_a_coded_404(admin):
    secret = secret_for(admin, "github")["secret"]
    unknown_org = send_github("no-such-org", secret, github_push("https://github.com/a/b"))
    assert unknown_org.status_code == 404 and error_code(unknown_org) == "organization_not_found"
    bitbucket = APIClient().post(
        "/api/v1/integrations/git/bitbucket/webhook?organization=x", {}, format="json"
    )
    assert bitbucket.status_code == 404 and error_code(bitbucket) == "provider_not_supported"


def test_a_signed_malformed_body_is_a_coded_400(admin):
    secret = secret_for(admin, "github")["secret"]
    body = b"{not json"
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = APIClient().generic(
        "POST",
        f"/api/v1/integrations/git/github/webhook?organization={admin.tenant.slug}",
        body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )
    assert response.status_code == 400 and error_code(response) == "malformed_json"


def test_only_owners_and_admins_configure_secrets_and_outsiders_see_no_activity(
    alice, bob, outsider, create_poc
):
    refused = bob.client.post("/api/v1/integrations/git/github/secret")
    assert refused.status_code == 403 and error_code(refused) == "permission_denied"
    poc = create_poc(alice, repository_url="https://github.com/acme/edge-cache")
    hidden = outsider.client.get(f"/api/v1/pocs/{poc['id']}/git-activity")
    assert hidden.status_code == 404 and error_code(hidden) == "poc_not_found"
