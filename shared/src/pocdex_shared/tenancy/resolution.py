"""Resolve the tenant of a verified token, identically for HTTP and WebSocket."""

from __future__ import annotations

import logging
import threading
import time
import uuid
import zlib
from collections.abc import Iterable
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import get_tenant_model
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.internal import ServiceTokenProvider, default_provider
from pocdex_shared.memo import TtlCache

from .models import AbstractTenant, TenantStatus
from .provisioning import adopt_replica

logger = logging.getLogger(__name__)


class TenantUnknown(AuthenticationFailed):
    default_code = "tenant_unknown"
    default_detail = _("The organization of this token does not exist.")


class TenantSuspended(PermissionDenied):
    default_code = "tenant_suspended"
    default_detail = _("This organization is suspended.")


class TenantNotReady(ApiError):  # noqa: N818 - the name of its code, like its siblings
    """Retryable: the organization exists but this service cannot serve it yet.

    A 503 with ``Retry-After``, never a 401: the token is valid, and a client
    must not log the person out for it.
    """

    default_code = "tenant_not_ready"
    default_detail = _("This organization is still being set up. Try again in a moment.")

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(
            self.default_code,
            self.default_detail,
            status=503,
            headers={"Retry-After": str(retry_after)},
        )


def allowed_statuses() -> Iterable[str]:
    return getattr(settings, "TENANT_ALLOWED_STATUSES", (TenantStatus.ACTIVE,))


def waiting_not_served() -> bool:
    return TenantStatus.PROVISIONING not in allowed_statuses()


# Tenant rows kept in process for ``TENANT_CACHE_SECONDS`` (default 2). Every
# authenticated request needs its tenant row; reading it from memory instead of
# the database is most of the cost of tenancy on a small request. Only active
# rows are kept: a suspension made elsewhere is seen within the TTL, while an
# organization that is provisioning or suspended is read again at every call, so
# its activation or reactivation is seen by every process at the same moment.
# A change made in this process calls ``forget_tenant`` (model signals) and is
# seen at once.
_cache: TtlCache[str, AbstractTenant] = TtlCache(max_entries=10_000)


def forget_tenant(tenant_id: object | None = None) -> None:
    """Drop a cached tenant row (all of them without an id) after changing it."""
    _cache.forget(None if tenant_id is None else str(tenant_id))
    if tenant_id is None:
        _lookups.forget()


def _replica(tenant_id: str) -> AbstractTenant | None:
    model = get_tenant_model()
    try:
        return model.objects.filter(id=tenant_id).first()
    except (ValueError, ValidationError):
        return None


def load_tenant(tenant_id: str) -> AbstractTenant:
    ttl = float(getattr(settings, "TENANT_CACHE_SECONDS", 2.0))
    tenant = _cache.get(tenant_id) if ttl > 0 else None
    if tenant is None:
        try:
            uuid.UUID(tenant_id)
        except ValueError:
            raise TenantUnknown() from None
        tenant = _replica(tenant_id)
        waiting = tenant is not None and tenant.status == TenantStatus.PROVISIONING
        if (tenant is None or (waiting and waiting_not_served())) and _lookup_enabled():
            # The events that tell this service about a new organization (and
            # about its activation) may still be on their way: ask accounts.
            tenant = _tenant_from_accounts(tenant_id, tenant)
        if tenant is None:
            raise TenantUnknown()
        if ttl > 0 and tenant.status == TenantStatus.ACTIVE:
            _cache.put(tenant_id, tenant, ttl)
    return tenant


def tenant_for_token(tenant_id: str | None) -> AbstractTenant:
    """Load the replica named by a token and refuse tenants that may not be served."""
    if not tenant_id:
        raise TenantUnknown()
    tenant = load_tenant(tenant_id)
    if tenant.status == TenantStatus.SUSPENDED:
        raise TenantSuspended()
    if tenant.status not in allowed_statuses():
        raise TenantNotReady()
    return tenant


# ------------------------------------------------------------------ asking accounts on a miss

INTERNAL_TENANT_PATH = "/internal/v1/tenants/"
_UNKNOWN = "unknown"
_UNAVAILABLE = "unavailable"

# Answers of accounts per tenant id: (when the lookup started, payload or outcome).
# Requests that were already waiting reuse an answer obtained after they
# arrived (one lookup per organization at a time per process); "unknown" and
# "unavailable" are kept a few seconds, bounded, so a token of an organization
# that does not exist cannot make every request call accounts.
_lookups: TtlCache[str, tuple[float, dict[str, Any] | str]] = TtlCache(max_entries=10_000)
_lookup_locks = [threading.Lock() for _ in range(64)]
_provider: ServiceTokenProvider | None = None


def _lookup_enabled() -> bool:
    default = getattr(settings, "POCDEX_SERVICE", "accounts") != "accounts"
    return bool(getattr(settings, "TENANT_LOOKUP_FROM_ACCOUNTS", default))


def _service_tokens() -> ServiceTokenProvider:
    global _provider
    if _provider is None or _provider.accounts_url != str(settings.ACCOUNTS_URL).rstrip("/"):
        _provider = default_provider()
    return _provider


def _ask_accounts(tenant_id: str) -> dict[str, Any] | str:
    url = str(settings.ACCOUNTS_URL).rstrip("/") + INTERNAL_TENANT_PATH + tenant_id
    timeout = float(getattr(settings, "TENANT_LOOKUP_TIMEOUT_SECONDS", 2.0))
    try:
        token = _service_tokens().token_for("accounts")
        response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    except (requests.RequestException, ValueError, KeyError) as exc:
        logger.warning("tenant lookup in accounts failed: %s", exc)
        return _UNAVAILABLE
    if response.status_code == 404:
        return _UNKNOWN
    try:
        response.raise_for_status()
        payload = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("tenant lookup in accounts failed: %s", exc)
        return _UNAVAILABLE
    if not isinstance(payload, dict) or str(payload.get("id")) != tenant_id:
        logger.warning("tenant lookup in accounts returned another organization")
        return _UNAVAILABLE
    return payload


def _answer(tenant_id: str) -> dict[str, Any] | str:
    arrived = time.monotonic()
    lock = _lookup_locks[zlib.crc32(tenant_id.encode()) % len(_lookup_locks)]
    with lock:
        cached = _lookups.get(tenant_id)
        if cached is not None and (isinstance(cached[1], str) or cached[0] >= arrived):
            return cached[1]
        started = time.monotonic()
        answer = _ask_accounts(tenant_id)
        if answer == _UNKNOWN:
            ttl = float(getattr(settings, "TENANT_LOOKUP_UNKNOWN_SECONDS", 10.0))
        elif answer == _UNAVAILABLE:
            ttl = float(getattr(settings, "TENANT_LOOKUP_UNAVAILABLE_SECONDS", 1.0))
        else:
            ttl = 1.0  # only reused by requests that were already waiting
        _lookups.put(tenant_id, (started, answer), ttl)
        return answer


def _tenant_from_accounts(tenant_id: str, replica: AbstractTenant | None) -> AbstractTenant | None:
    answer = _answer(tenant_id)
    if answer == _UNKNOWN:
        return replica
    if answer == _UNAVAILABLE or not isinstance(answer, dict):
        raise TenantNotReady()
    if answer.get("status") == TenantStatus.PROVISIONING:
        raise TenantNotReady()
    # Accounts says active (or suspended): take its word, and clone the schema
    # here if the event that would have done it has not run yet.
    return adopt_replica(answer)
