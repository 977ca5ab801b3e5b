"""Accounts authenticates tokens like every service, then loads the person and membership."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from identity.models import User
from organizations.models import Membership
from pocdex_shared.jwt import VerifiedToken
from pocdex_shared.tenancy.auth import TokenAuthentication


class AccountTokenAuthentication(TokenAuthentication):
    """``request.user`` is the User; ``request.membership`` the membership of the token's tenant.

    Unlike the other services, accounts checks the membership live, so a removed
    member is refused here at once.
    """

    def get_user(self, token: VerifiedToken, request: Request) -> Any:
        membership = (
            Membership.objects.select_related("user", "organization")
            .filter(user_id=token.subject, organization_id=token.tenant_id or "")
            .first()
        )
        if membership is None or not membership.user.is_active:
            raise AuthenticationFailed(
                _("This session is no longer valid."), code="membership_revoked"
            )
        request._request.membership = membership  # type: ignore[attr-defined]
        return membership.user


def current_membership(request: Request) -> Membership:
    membership: Membership = request._request.membership  # type: ignore[attr-defined]
    return membership


def current_user(request: Request) -> User:
    """The authenticated person (views behind IsAuthenticated only)."""
    return cast(User, request.user)
