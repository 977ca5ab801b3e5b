"""The organization's Git webhook secrets, which pocs keeps and verifies pushes with.

pocs owns the secrets (its ``integrations`` app, in the organization's schema);
accounts asks it over its internal API with a service token it signs itself,
after its own rule: only an owner rotates a secret. A new secret is in the
answer to the rotation only: nothing here stores it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from pocdex_shared.errors import ApiError
from tokens.internal_api import service_token_for

from .models import Membership, Role

logger = logging.getLogger(__name__)

PROVIDERS = ("github", "gitlab")
PROVIDER_NAMES = {"github": "GitHub", "gitlab": "GitLab"}
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class GitWebhook:
    provider: str
    configured: bool
    created_at: datetime | None
    webhook_url: str

    @property
    def name(self) -> str:
        return PROVIDER_NAMES.get(self.provider, self.provider)


@dataclass(frozen=True)
class RotatedSecret:
    provider: str
    secret: str
    webhook_url: str

    @property
    def name(self) -> str:
        return PROVIDER_NAMES.get(self.provider, self.provider)


def _unavailable() -> ApiError:
    return ApiError(
        "pocs_unavailable",
        _("The Git webhook settings cannot be reached right now. Try again in a moment."),
        status=503,
    )


def _call(method: str, path: str, *, json: dict[str, Any] | None = None) -> Any:
    base = str(settings.LGPD_SERVICE_URLS["pocs"]).rstrip("/")
    token = service_token_for(client="accounts", audience_service="pocs")
    try:
        response = requests.request(
            method,
            f"{base}/internal/v1/{path}",
            json=json,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException:
        logger.warning("pocs did not answer %s %s", method, path, exc_info=True)
        raise _unavailable() from None
    if response.status_code >= 400:
        logger.warning("pocs answered %s to %s %s", response.status_code, method, path)
        raise _unavailable()
    return response.json()


def git_webhooks(*, actor: Membership) -> list[GitWebhook]:
    """Each Git host: whether it has a secret, since when, and its webhook address."""
    if actor.role not in (Role.OWNER, Role.ADMIN):
        raise ApiError(
            "permission_denied", _("Only owners and admins see the settings."), status=403
        )
    body = _call("GET", f"tenants/{actor.organization_id}/git-webhooks")
    return [
        GitWebhook(
            provider=str(row["provider"]),
            configured=bool(row["configured"]),
            created_at=parse_datetime(row["created_at"]) if row.get("created_at") else None,
            webhook_url=str(row["webhook_url"]),
        )
        for row in body["results"]
    ]


def git_webhook_rotate(*, actor: Membership, provider: str) -> RotatedSecret:
    """A new secret for one Git host (owners only); the previous one stops verifying at once."""
    if actor.role != Role.OWNER:
        raise ApiError(
            "owner_required", _("Only an owner can rotate a webhook secret."), status=403
        )
    if provider not in PROVIDERS:
        raise ApiError(
            "provider_not_supported", _("Supported Git hosts: github, gitlab."), status=404
        )
    body = _call(
        "POST",
        f"tenants/{actor.organization_id}/git-webhooks/{provider}/rotate",
        json={"actor": str(actor.user_id)},
    )
    audit_record(
        organization=actor.organization,
        actor_id=actor.user_id,
        action="organization.webhook_secret_rotated",
        target=provider,
    )
    return RotatedSecret(
        provider=provider, secret=str(body["secret"]), webhook_url=str(body["webhook_url"])
    )
