"""Accounts authenticates tokens like every service, then loads the person and membership."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from identity.models import User
from organizations.models import Membership, Organization
from pocdex_shared.jwt import VerifiedToken
from pocdex_shared.memo import TtlCache
from pocdex_shared.tenancy.auth import TokenAuthentication
from pocdex_shared.tenancy.models import TenantStatus


class AccountTokenAuthentication(TokenAuthentication):
    """``request.user`` is the User; ``request.membership`` the membership of the token's tenant.

    Unlike the other services, accounts checks the membership live, so a removed
    member is refused here at once.
    """

    def get_user(self, token: VerifiedToken, request: Request) -> Any:
        memberships = memberships_of(token.subject)
        membership = _of_tenant(memberships, token.tenant_id)
        if membership is None or not membership.user.is_active:
            # Kept in memory from before another process added this membership
            # (an invitation accepted there a moment ago): a refusal is only
            # ever decided on what the database says now.
            memberships = memberships_of(token.subject, fresh=True)
            membership = _of_tenant(memberships, token.tenant_id)
        if membership is None or not membership.user.is_active:
            raise AuthenticationFailed(
                _("This session is no longer valid."), code="membership_revoked"
            )
        request._request.membership = membership  # type: ignore[attr-defined]
        request._request.memberships = memberships  # type: ignore[attr-defined]
        return membership.user


# A person's memberships kept in process for ``MEMBERSHIP_CACHE_SECONDS``
# (default 2): every authenticated call needs them. A change made in this
# process (removal, role change, profile edit) clears the person's entry
# through the model signals below; one made by another process is seen within
# the TTL, except a new membership, which is seen at once (``get_user`` reads
# again before refusing).
_memberships: TtlCache[str, list[Membership]] = TtlCache()


def _of_tenant(memberships: list[Membership], tenant_id: str | None) -> Membership | None:
    return next((m for m in memberships if str(m.organization_id) == tenant_id), None)


def memberships_of(user_id: str, *, fresh: bool = False) -> list[Membership]:
    """Every membership of a person, with user and organization, by organization name.

    ``fresh``: from the database, whatever this process keeps.
    """
    ttl = float(getattr(settings, "MEMBERSHIP_CACHE_SECONDS", 2.0))
    cached = _memberships.get(user_id) if ttl > 0 and not fresh else None
    if cached is not None:
        return cached
    rows = list(
        Membership.objects.select_related("user", "organization")
        .filter(user_id=user_id)
        .order_by("organization__name")
    )
    # Organizations still provisioning turn active in a moment that clients poll
    # for: never serve that state from memory.
    if ttl > 0 and all(m.organization.status != TenantStatus.PROVISIONING for m in rows):
        _memberships.put(user_id, rows, ttl)
    return rows


def forget_memberships(user_id: object | None = None) -> None:
    _memberships.forget(None if user_id is None else str(user_id))


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="accounts_forget_membership")
def _membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    forget_memberships(instance.user_id)


@receiver([post_save, post_delete], sender=User, dispatch_uid="accounts_forget_user")
def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    forget_memberships(instance.pk)


@receiver(post_save, sender=Organization, dispatch_uid="accounts_forget_organization")
def _organization_changed(sender: Any, instance: Organization, **kwargs: Any) -> None:
    # Memberships carry their organization (name, status): drop them all, it is rare.
    forget_memberships()


def current_membership(request: Request) -> Membership:
    membership: Membership = request._request.membership  # type: ignore[attr-defined]
    return membership


def current_memberships(request: Request) -> list[Membership]:
    """Every membership of the authenticated person, by organization name."""
    memberships: list[Membership] = request._request.memberships  # type: ignore[attr-defined]
    return memberships


def current_user(request: Request) -> User:
    """The authenticated person (views behind IsAuthenticated only)."""
    return cast(User, request.user)
