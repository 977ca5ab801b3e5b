"""Reads about push devices, always within the caller's own person and organization."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from organizations.models import Membership

from .models import Device


def devices_of(membership: Membership) -> QuerySet[Device]:
    """The caller's devices in the caller's organization that receive notices."""
    return Device.objects.filter(
        organization_id=membership.organization_id, user_id=membership.user_id, active=True
    )


def push_targets(organization_id: Any, user_id: Any) -> list[uuid.UUID]:
    """Ids of the active devices a person registered in an organization."""
    return list(
        Device.objects.filter(
            organization_id=organization_id, user_id=user_id, active=True
        ).values_list("id", flat=True)
    )
