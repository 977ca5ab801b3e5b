"""Verify a Git host's webhook, find the POCs of the pushed repository, record the push."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import ApiError
from registry.models import Poc

from .models import PushActivity, WebhookSecret

PROVIDERS = ("github", "gitlab")


def repository_key(url: str) -> str:
    """``https://GitHub.com/Org/Repo.git/`` and ``git@github.com:org/repo`` → ``github.com/org/repo``."""
    url = url.strip()
    if url.startswith("git@") and ":" in url:
        host, _, path = url[4:].partition(":")
    else:
        parts = urlsplit(url)
        host, path = parts.hostname or "", parts.path
    path = path.strip("/").removesuffix(".git").strip("/")
    return f"{host.lower().removeprefix('www.')}/{path.lower()}" if host and path else ""


def secret_rotate(*, provider: str, actor_id: uuid.UUID) -> str:
    """A new secret for the provider (shown once to the admin who configures the Git host)."""
    value = secrets.token_urlsafe(32)
    WebhookSecret.objects.update_or_create(
        provider=provider, defaults={"secret": value, "created_by": actor_id}
    )
    return value


def webhook_url(*, provider: str, organization_slug: str) -> str:
    """The address a Git host posts the organization's pushes to."""
    base = settings.PUBLIC_API_BASE.rstrip("/")
    return f"{base}/api/v1/integrations/git/{provider}/webhook?organization={organization_slug}"


@dataclass(frozen=True)
class SecretStatus:
    """Whether a provider has a secret, and since when (the secret itself is never shown again)."""

    provider: str
    created_at: datetime | None


def secrets_status() -> list[SecretStatus]:
    """One row per supported provider, in the current organization's schema."""
    stored = {row.provider: row.created_at for row in WebhookSecret.objects.all()}
    return [SecretStatus(provider=p, created_at=stored.get(p)) for p in PROVIDERS]


def _signature_invalid() -> ApiError:
    return ApiError(
        "webhook_signature_invalid", _("The webhook signature is not valid."), status=401
    )


def verify(*, provider: str, body: bytes, headers: Mapping[str, str]) -> None:
    stored = WebhookSecret.objects.filter(provider=provider).first()
    if stored is None:
        raise _signature_invalid()
    if provider == "github":
        given = headers.get("X-Hub-Signature-256", "")
        expected = "sha256=" + hmac.new(stored.secret.encode(), body, hashlib.sha256).hexdigest()
    else:
        given = headers.get("X-Gitlab-Token", "")
        expected = stored.secret
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise _signature_invalid()


@dataclass(frozen=True)
class Push:
    delivery_id: str
    repository_urls: tuple[str, ...]
    ref: str
    head_commit: str
    commit_count: int
    pusher: str
    pushed_at: datetime


def _text(value: Any, limit: int) -> str:
    return str(value)[:limit] if isinstance(value, str | int) else ""


def parse_push(*, provider: str, payload: dict[str, Any], delivery_id: str) -> Push:
    """The few facts we keep, from GitHub's ``push`` or GitLab's ``Push Hook`` payload."""
    if provider == "github":
        repo = payload.get("repository") or {}
        urls: tuple[Any, ...] = (repo.get("html_url"), repo.get("clone_url"), repo.get("ssh_url"))
        head = payload.get("head_commit") or {}
        stamp = parse_datetime(str(head.get("timestamp") or "")) if head else None
        pusher = (payload.get("pusher") or {}).get("name")
        sha = payload.get("after")
    else:
        repo = payload.get("project") or payload.get("repository") or {}
        urls = (
            repo.get("web_url"),
            repo.get("git_http_url"),
            repo.get("git_ssh_url"),
            repo.get("homepage"),
        )
        commits = payload.get("commits") or []
        stamp = parse_datetime(str(commits[-1].get("timestamp") or "")) if commits else None
        pusher = payload.get("user_username") or payload.get("user_name")
        sha = payload.get("checkout_sha") or payload.get("after")
    commits_list = payload.get("commits")
    count = payload.get("total_commits_count")
    if not isinstance(count, int):
        count = len(commits_list) if isinstance(commits_list, list) else 0
    return Push(
        delivery_id=delivery_id[:100],
        repository_urls=tuple(u for u in urls if isinstance(u, str) and u),
        ref=_text(payload.get("ref"), 255),
        head_commit=_text(sha, 64),
        commit_count=max(0, count),
        pusher=_text(pusher, 255),
        pushed_at=stamp or timezone.now(),
    )


def push_record(*, provider: str, push: Push) -> int:
    """Record the push on every live POC of this repository; a redelivery records nothing new."""
    keys = {repository_key(url) for url in push.repository_urls} - {""}
    if not keys:
        return 0
    matched = [
        poc
        for poc in Poc.objects.filter(deleted_at__isnull=True)
        .exclude(repository_url="")
        .only("id", "repository_url")
        if repository_key(poc.repository_url) in keys
    ]
    recorded = 0
    for poc in matched:
        try:
            with transaction.atomic():
                PushActivity.objects.create(
                    poc=poc,
                    provider=provider,
                    delivery_id=push.delivery_id,
                    ref=push.ref,
                    head_commit=push.head_commit,
                    commit_count=push.commit_count,
                    pusher=push.pusher,
                    pushed_at=push.pushed_at,
                )
            recorded += 1
        except IntegrityError:
            continue  # the Git host redelivered this push
    return recorded
