"""Reads about organizations: members and invitations, always within the caller's organization."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import ApiError

from .models import Invitation, Membership, Role


def members_of(*, organization_id: uuid.UUID, role: str | None = None) -> QuerySet[Membership]:
    """The organization's memberships with their people, optionally of one role."""
    queryset = Membership.objects.select_related("user").filter(organization_id=organization_id)
    if role:
        if role not in Role.values:
            raise ApiError("invalid_filter", _("role must be one of owner, admin, member"))
        queryset = queryset.filter(role=role)
    return queryset


def pending_invitations(*, actor: Membership) -> QuerySet[Invitation]:
    """The invitations of the actor's organization not yet accepted or revoked (managers only)."""
    if actor.role not in (Role.OWNER, Role.ADMIN):
        raise ApiError(
            "permission_denied", _("Only owners and admins see invitations."), status=403
        )
    return Invitation.objects.filter(
        organization_id=actor.organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )


def seats_taken(*, organization_id: uuid.UUID, excluding_email: str | None = None) -> int:
    """What counts against the plan's ``members`` limit: members and pending invitations.

    ``excluding_email``: a new invitation to that address replaces its pending one.
    """
    invitations = Invitation.objects.filter(
        organization_id=organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if excluding_email is not None:
        invitations = invitations.exclude(email=excluding_email)
    return Membership.objects.filter(organization_id=organization_id).count() + invitations.count()
