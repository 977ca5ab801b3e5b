"""The owners hear of an overdue payment once per episode, and of the fall to Free after it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.services import enforce_grace
from identity.models import User
from organizations.links import console_url
from organizations.models import Membership, Organization, Role

from .conftest import PASSWORD
from .test_billing import (  # noqa: F401 - the module's fixtures: stripe-mock and its settings
    T0,
    _billing_settings,
    plan_of,
    post_event,
    stripe_url,
    sub_event,
)


def _no_mail_for(mailbox: Any, to: str, subject_contains: str, seconds: float = 3.0) -> None:
    """Nothing for ``to`` whose subject holds the text, after the worker had time to send it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [
            m
            for m in mailbox.messages_to(to)
            if subject_contains.lower() in str(m["subject"]).lower()
        ]
        assert not found, found
        time.sleep(0.2)


def test_owners_are_told_once_of_an_overdue_payment_then_of_the_fall_to_free(
    worker: Any, signup: Any, mailbox: Any
) -> None:
    org = signup(locale="pt-BR")
    org_id = org["organization"]["id"]
    organization = Organization.objects.get(id=org_id)
    # A second owner reads English; an admin hears nothing.
    second = User.objects.create_user(
        f"second-{organization.slug}@example.com", PASSWORD, name="Sam", locale="en"
    )
    Membership.objects.create(organization=organization, user=second, role=Role.OWNER)
    admin = User.objects.create_user(f"admin-{organization.slug}@example.com", PASSWORD, name="Al")
    Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)

    post_event(sub_event(org_id, kind="customer.subscription.created", status="active", at=T0))
    post_event(
        sub_event(org_id, kind="customer.subscription.updated", status="past_due", at=T0 + 60)
    )
    link = console_url(organization.slug, "/billing/")
    english = mailbox.wait_for(to=second.email, subject_contains="overdue")
    assert link in english["text"] and organization.name in english["text"]
    grace = datetime.fromtimestamp(T0 + 60, tz=UTC) + timedelta(days=7)
    assert str(grace.year) in english["text"]
    portuguese = mailbox.wait_for(to=org["email"], subject_contains="atraso")
    assert link in portuguese["text"] and "somente para leitura" in portuguese["text"]

    # Still overdue (a newer state of the same episode): no second mail.
    post_event(
        sub_event(org_id, kind="customer.subscription.updated", status="unpaid", at=T0 + 120)
    )
    _no_mail_for(mailbox, admin.email, "overdue")
    assert len([m for m in mailbox.messages_to(second.email) if "overdue" in m["subject"]]) == 1

    assert enforce_grace(now=grace + timedelta(seconds=1)) == 1
    assert plan_of(org) == "free"
    fell = mailbox.wait_for(to=second.email, subject_contains="Free plan")
    assert "Team" in fell["text"] and link in fell["text"]
    assert mailbox.wait_for(to=org["email"], subject_contains="plano Free")
    # The sweep again changes nothing and tells nobody.
    assert enforce_grace(now=grace + timedelta(days=1)) == 0
    _no_mail_for(mailbox, admin.email, "Free")
    assert len([m for m in mailbox.messages_to(second.email) if "Free plan" in m["subject"]]) == 1


def test_another_organizations_overdue_payment_tells_only_its_owners(
    worker: Any, signup: Any, mailbox: Any
) -> None:
    org, other = signup(), signup()
    post_event(
        sub_event(
            other["organization"]["id"],
            kind="customer.subscription.created",
            status="past_due",
            at=T0,
            sub_id="sub_other",
        )
    )
    assert mailbox.wait_for(to=other["email"], subject_contains="overdue")
    _no_mail_for(mailbox, org["email"], "overdue")
    assert plan_of(org) == "free"
