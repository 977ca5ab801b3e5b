"""The organization's rules the console's login enforces, read from the organization's services."""

from __future__ import annotations

from organizations import services as organization_services
from organizations.models import Organization


def two_factor_required(organization: Organization) -> bool:
    """Whether the organization requires two-factor authentication of everyone who logs in.

    The rule and its setting belong to ``organizations.services``
    (``two_factor_required``); until an organization can turn it on, no
    organization requires it.
    """
    rule = getattr(organization_services, "two_factor_required", None)
    return bool(rule(organization)) if rule is not None else False
