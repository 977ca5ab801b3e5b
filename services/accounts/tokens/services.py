"""Access tokens (JWT) and rotating refresh tokens.

A refresh token is opaque, stored hashed, and valid once: using it returns a
new pair. Presenting a token that was already used means it leaked (or two
clients raced with it): the whole family is revoked, so whoever holds the
newest token is logged out too and must log in again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import User
from organizations.models import Membership, Organization
from organizations.two_factor import two_factor_check
from pocdex_shared.errors import ApiError
from pocdex_shared.events.outbox import publish
from pocdex_shared.tenancy import revocation
from pocdex_shared.tenancy.models import TenantStatus

from .keys import signing_key
from .models import RefreshFamily, RefreshToken

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int
    refresh_expires_at: datetime


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _issued_at(*, user: User, membership: Membership, now: datetime) -> int:
    """``iat`` of a new token: after any revocation of this person's tokens here.

    Revocations refuse tokens issued at or before a second; a token issued in
    that same second but after the revocation (a refresh right after a role
    change, a login right after a password reset) takes the next second.
    """
    issued_at = int(now.timestamp())
    try:
        floor = revocation.reissue_floor(
            user_id=str(user.id), tenant_id=str(membership.organization_id)
        )
    except revocation.RedisError:
        logger.warning("revocation list unreachable while issuing a token")
        floor = None
    return max(issued_at, floor + 1) if floor is not None else issued_at


def access_token_for(
    *, user: User, membership: Membership, family: RefreshFamily | None = None
) -> str:
    now = timezone.now()
    kid, private_key = signing_key()
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user.id),
        "tid": str(membership.organization_id),
        "role": membership.role,
        # Display name, so services can show authors without calling accounts.
        "name": user.name,
        "typ": "access",
        "iat": _issued_at(user=user, membership=membership, now=now),
        "exp": int((now + settings.ACCESS_TOKEN_TTL).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if family is not None:
        # The session, so that ending it (logout, reuse) revokes its access tokens.
        claims["sid"] = str(family.id)
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})


def tokens_revoke_access(
    *,
    user_id: uuid.UUID | str,
    organization_id: uuid.UUID | str | None,
    family_id: uuid.UUID | str | None = None,
    reason: str,
) -> revocation.Revocation:
    """Refuse the access tokens already issued (``tokens.revoked``), in every service.

    Published in the caller's transaction; once it commits, this process's deny
    list has it at once and the other services' within moments (the event).
    """
    entry = revocation.Revocation(
        user_id=str(user_id),
        tenant_id=str(organization_id) if organization_id is not None else None,
        family_id=str(family_id) if family_id is not None else None,
        issued_before=int(timezone.now().timestamp()),
        reason=reason,
    )
    publish(revocation.TOKENS_REVOKED, entry.payload(), tenant_id=entry.tenant_id)
    transaction.on_commit(lambda: _record_here(entry))
    return entry


def _record_here(entry: revocation.Revocation) -> None:
    try:
        revocation.record(entry)
    except revocation.RedisError:
        # The event reaches accounts' own worker too, which records it then.
        logger.warning("revocation not recorded at once; the event will", exc_info=True)


def _new_refresh(family: RefreshFamily) -> tuple[str, RefreshToken]:
    raw = secrets.token_urlsafe(48)
    expires_at = min(timezone.now() + settings.REFRESH_TOKEN_TTL, family.absolute_expires_at)
    token = RefreshToken.objects.create(token_hash=_hash(raw), family=family, expires_at=expires_at)
    return raw, token


def _pair(*, user: User, membership: Membership, family: RefreshFamily) -> TokenPair:
    raw, token = _new_refresh(family)
    return TokenPair(
        access=access_token_for(user=user, membership=membership, family=family),
        refresh=raw,
        expires_in=int(settings.ACCESS_TOKEN_TTL.total_seconds()),
        refresh_expires_at=token.expires_at,
    )


@transaction.atomic
def tokens_issue(*, user: User, membership: Membership) -> TokenPair:
    """Start a new session (refresh family) for one membership."""
    family = RefreshFamily.objects.create(
        user=user,
        organization_id=membership.organization_id,
        absolute_expires_at=timezone.now() + settings.REFRESH_FAMILY_MAX_AGE,
    )
    return _pair(user=user, membership=membership, family=family)


def _invalid_refresh() -> ApiError:
    return ApiError("refresh_token_invalid", _("This session has ended. Log in again."), status=401)


def tokens_refresh(*, raw_refresh: str) -> TokenPair:
    """Rotate a refresh token. Reuse of a used token revokes its family (even in a race).

    The token row is locked, so of two concurrent refreshes one rotates and the
    other sees the token used and revokes the family, the winner's new token
    included.
    """
    revoked = False
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update()
            .select_related("family")
            .filter(token_hash=_hash(raw_refresh))
            .first()
        )
        if token is None:
            raise _invalid_refresh()
        family = RefreshFamily.objects.select_for_update().get(pk=token.family_id)
        now = timezone.now()
        if family.revoked_at is not None or token.expires_at <= now:
            raise _invalid_refresh()
        if token.used_at is not None:
            family.revoked_at = now
            family.revoked_reason = "reuse"
            family.save(update_fields=["revoked_at", "revoked_reason"])
            tokens_revoke_access(
                user_id=family.user_id,
                organization_id=family.organization_id,
                family_id=family.id,
                reason="refresh_reuse",
            )
            revoked = True
        else:
            membership = (
                Membership.objects.select_related("user", "organization")
                .filter(user_id=family.user_id, organization_id=family.organization_id)
                .first()
            )
            if membership is None or not membership.user.is_active:
                raise _invalid_refresh()
            organization: Organization = membership.organization
            if organization.status == TenantStatus.SUSPENDED:
                raise ApiError("tenant_suspended", _("This organization is suspended."), status=403)
            two_factor_check(user=membership.user, organization=organization)
            token.used_at = now
            token.save(update_fields=["used_at"])
            return _pair(user=membership.user, membership=membership, family=family)
    if revoked:
        raise ApiError(
            "refresh_token_reused",
            _("This session was used from somewhere else and has been ended. Log in again."),
            status=401,
        )
    raise _invalid_refresh()


@transaction.atomic
def tokens_revoke_family(*, raw_refresh: str, reason: str = "logout") -> bool:
    """Logout: revoke the family the token belongs to, and its access tokens.

    Unknown tokens are ignored.
    """
    found = (
        RefreshToken.objects.select_related("family").filter(token_hash=_hash(raw_refresh)).first()
    )
    if found is None:
        return False
    family = found.family
    ended = (
        RefreshFamily.objects.filter(pk=family.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason
        )
        > 0
    )
    if ended:
        tokens_revoke_access(
            user_id=family.user_id,
            organization_id=family.organization_id,
            family_id=family.pk,
            reason="logout",
        )
    return ended


# Why sessions ended (``RefreshFamily.revoked_reason``) → the reason of ``tokens.revoked``.
_EVENT_REASONS = {"removed": "member_removed"}


@transaction.atomic
def tokens_revoke_for(
    *, user_id: uuid.UUID, organization_id: uuid.UUID | None = None, reason: str
) -> int:
    """End every session of a user (in one organization, or everywhere), access tokens too."""
    families = RefreshFamily.objects.filter(user_id=user_id, revoked_at__isnull=True)
    if organization_id is not None:
        families = families.filter(organization_id=organization_id)
    ended = families.update(revoked_at=timezone.now(), revoked_reason=reason)
    tokens_revoke_access(
        user_id=user_id,
        organization_id=organization_id,
        reason=_EVENT_REASONS.get(reason, reason),
    )
    return ended
