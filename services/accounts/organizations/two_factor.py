"""The organization's rule "two-factor required for all members".

Kept apart from ``services.py`` so that the places that let a person in (the
API's login and refresh in ``identity``/``tokens``, the console's login) apply
the same check without importing the organization services they are imported by.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from identity.models import User
from pocdex_shared.errors import ApiError

from .models import Organization

TWO_FACTOR_REQUIRED = "two_factor_required"


def two_factor_required(organization: Organization) -> bool:
    """Whether every member of the organization must have two-factor on."""
    return bool(organization.two_factor_required)


def two_factor_check(*, user: User, organization: Organization) -> None:
    """Refuse a person without two-factor in an organization that requires it (403)."""
    if two_factor_required(organization) and not user.totp_enabled:
        raise ApiError(
            TWO_FACTOR_REQUIRED,
            _(
                "This organization requires two-factor authentication. Turn it on for "
                "your account, then log in again."
            ),
            status=403,
        )
