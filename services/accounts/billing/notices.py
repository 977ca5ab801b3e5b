"""Mails to an organization's owners when its payments fall behind (ADR 0043).

A subscription that turns ``past_due`` (or ``unpaid``) keeps its plan for the
grace period: the owners are told once per overdue episode, with the grace
end and the console's billing page. When the grace ends and the plan falls to
Free, they are told that too. Each mail is queued after the transaction that
records the change commits, in each owner's language.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, translation

from notifications import queue_mail
from organizations.links import console_url
from organizations.models import Membership, Organization, Role
from pocdex_shared.plans import plan_named

PAST_DUE = "billing_past_due"
DOWNGRADED = "billing_downgraded"


def _owners(organization: Organization) -> list[tuple[str, str, str]]:
    return list(
        Membership.objects.filter(
            organization=organization, role=Role.OWNER, user__is_active=True
        ).values_list("user__email", "user__name", "user__locale")
    )


def _queue(organization: Organization, template: str, extra: dict[str, datetime | str]) -> None:
    link = console_url(organization.slug, "/billing/")
    for email, name, locale in _owners(organization):
        context: dict[str, str] = {
            "name": name,
            "organization_name": organization.name,
            "link": link,
        }
        with translation.override(locale):
            for key, value in extra.items():
                context[key] = (
                    formats.date_format(value, "DATE_FORMAT")
                    if isinstance(value, datetime)
                    else value
                )
        queue_mail(to=email, template=template, locale=locale, context=context)


def past_due_started(organization: Organization, *, grace_until: datetime) -> None:
    """A subscription just fell overdue: its grace period runs until ``grace_until``."""
    _queue(organization, PAST_DUE, {"grace_until": grace_until})


def downgraded_after_grace(organization: Organization, *, previous_plan: str) -> None:
    """The grace period ended and the organization is on Free now."""
    _queue(organization, DOWNGRADED, {"previous_plan": plan_named(previous_plan).name})
