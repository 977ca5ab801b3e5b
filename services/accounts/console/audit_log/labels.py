"""What each audit action means, in the reader's language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "billing.checkout_started": _("Checkout started"),
    "billing.fiscal_data": _("Fiscal data changed"),
    "billing.plan_changed": _("Plan changed"),
    "invitation.accepted": _("Invitation accepted"),
    "invitation.created": _("Invitation sent"),
    "invitation.revoked": _("Invitation revoked"),
    "member.removed": _("Member removed"),
    "member.role_changed": _("Role changed"),
    "organization.deletion_requested": _("Deletion requested"),
    "organization.export_requested": _("Data export requested"),
    "organization.locale_changed": _("Default language changed"),
    "organization.reactivated": _("Organization reactivated"),
    "organization.renamed": _("Organization renamed"),
    "organization.restored": _("Organization restored"),
    "organization.suspended": _("Organization suspended"),
    "organization.two_factor_optional": _("Two-factor no longer required"),
    "organization.two_factor_required": _("Two-factor required of every member"),
    "organization.webhook_secret_rotated": _("Git webhook secret rotated"),
}


def action_label(action: str) -> str:
    """The translated label; an action without one shows as recorded."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
