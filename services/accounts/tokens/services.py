"""Access tokens (JWT) and rotating refresh tokens.

A refresh token is opaque, stored hashed, and valid once: using it returns a
new pair. Presenting a token that was already used means it leaked (or two
clients raced with it): the whole family is revoked, so whoever holds the
newest token is logged out too and must log in again.
"""

from __future__ import annotations

import hashlib
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
from pocdex_shared.errors import ApiError
from pocdex_shared.tenancy.models import TenantStatus

from .keys import signing_key
from .models import RefreshFamily, RefreshToken


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int
    refresh_expires_at: datetime


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def access_token_for(*, user: User, membership: Membership) -> str:
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
        "iat": int(now.timestamp()),
        "exp": int((now + settings.ACCESS_TOKEN_TTL).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})


def _new_refresh(family: RefreshFamily) -> tuple[str, RefreshToken]:
    raw = secrets.token_urlsafe(48)
    expires_at = min(timezone.now() + settings.REFRESH_TOKEN_TTL, family.absolute_expires_at)
    token = RefreshToken.objects.create(token_hash=_hash(raw), family=family, expires_at=expires_at)
    return raw, token


def _pair(*, user: User, membership: Membership, family: RefreshFamily) -> TokenPair:
    raw, token = _new_refresh(family)
    return TokenPair(
        access=access_token_for(user=user, membership=membership),
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


def tokens_revoke_family(*, raw_refresh: str, reason: str = "logout") -> bool:
    """Logout: revoke the family the token belongs to. Unknown tokens are ignored."""
    token = RefreshToken.objects.filter(token_hash=_hash(raw_refresh)).first()
    if token is None:
        return False
    return (
        RefreshFamily.objects.filter(pk=token.family_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason
        )
        > 0
    )


def tokens_revoke_for(
    *, user_id: uuid.UUID, organization_id: uuid.UUID | None = None, reason: str
) -> int:
    """End every session of a user (in one organization, or everywhere)."""
    families = RefreshFamily.objects.filter(user_id=user_id, revoked_at__isnull=True)
    if organization_id is not None:
        families = families.filter(organization_id=organization_id)
    return families.update(revoked_at=timezone.now(), revoked_reason=reason)
