"""Billing: the catalog at the provider, checkout, portal, invoices, fiscal data, webhooks.

The organization's plan follows its subscriptions: an ``active`` (or ``trialing``)
subscription gives its plan; a ``past_due`` one keeps it until the grace period
ends; anything else leaves Free. Data beyond Free's limits is kept, only growth is
refused (``pocdex_shared.plans``). A plan change is published as ``tenant.updated``
so every service's tenant row carries the new plan.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from organizations.models import Membership, Organization, Role
from pocdex_shared.errors import MESSAGES, ApiError, field_error
from pocdex_shared.events.outbox import publish
from pocdex_shared.plans import FREE, PLANS, plan_for_lookup_key, plan_named
from pocdex_shared.tenancy.events import TENANT_UPDATED

from . import notices
from .fiscal import digits_only, tax_id_kind
from .models import BillingCustomer, CatalogPrice, ProcessedEvent, Subscription
from .provider import (
    BillingProvider,
    CheckoutSession,
    CustomerData,
    InvalidEventError,
    InvalidSignatureError,
    InvoiceView,
    ProviderEvent,
    SubscriptionState,
    provider,
)

logger = logging.getLogger(__name__)

PAYING = ("active", "trialing")
OVERDUE = ("past_due", "unpaid")
ENDED = ("canceled", "incomplete_expired")
# When two states carry the same provider time, the later stage of a life wins.
_STAGE = {"incomplete": 0, "trialing": 1, "active": 1, "paused": 1, "past_due": 2, "unpaid": 2}


def _stage(status: str) -> int:
    return 3 if status in ENDED else _STAGE.get(status, 0)


# ------------------------------------------------------------------ access


def require_billing_manager(actor: Membership) -> Organization:
    """Owners and admins manage billing; members get 403 ``billing_forbidden``."""
    if actor.role not in (Role.OWNER, Role.ADMIN):
        raise ApiError(
            "billing_forbidden",
            _("Only owners and admins manage the organization's billing."),
            status=403,
        )
    return actor.organization


def provider_mode() -> str:
    return provider().mode


# ------------------------------------------------------------------ catalog


@dataclass(frozen=True)
class CatalogResult:
    created: list[str]
    found: list[str]
    unchanged: list[str]


def catalog_sync(billing: BillingProvider | None = None) -> CatalogResult:
    """Create the plans' products and BRL prices at the provider, once (by lookup key).

    A price already recorded with the same amount is left alone; otherwise the
    provider is asked by lookup key, and only a missing or differently priced one
    is created (it takes the lookup key over). Running it again changes nothing.
    """
    billing = billing or provider()
    created: list[str] = []
    found: list[str] = []
    unchanged: list[str] = []
    for plan in PLANS.values():
        if not plan.paid:
            continue
        product_id = f"pocdex_{plan.code}"
        product_ready = False
        for price in plan.prices:
            key = plan.lookup_key(price.interval)
            row = CatalogPrice.objects.filter(provider=billing.name, lookup_key=key).first()
            if row and row.amount == price.amount and row.currency == price.currency:
                unchanged.append(key)
                continue
            if not product_ready:
                product_id = billing.ensure_product(
                    product_id=product_id, name=f"Pocdex {plan.name}"
                )
                product_ready = True
            existing = billing.find_price(lookup_key=key)
            if existing and existing[1] == price.amount and existing[2] == price.currency:
                price_id = existing[0]
                found.append(key)
            else:
                price_id = billing.create_price(
                    product_id=product_id,
                    lookup_key=key,
                    amount=price.amount,
                    currency=price.currency,
                    interval=price.interval,
                )
                created.append(key)
            CatalogPrice.objects.update_or_create(
                provider=billing.name,
                lookup_key=key,
                defaults={
                    "plan": plan.code,
                    "interval": price.interval,
                    "amount": price.amount,
                    "currency": price.currency,
                    "provider_product_id": product_id,
                    "provider_price_id": price_id,
                },
            )
    return CatalogResult(created=created, found=found, unchanged=unchanged)


# ------------------------------------------------------------------ fiscal data

FISCAL_FIELDS = (
    "legal_name",
    "tax_id",
    "email",
    "address_line1",
    "address_line2",
    "district",
    "city",
    "state",
    "postal_code",
)
REQUIRED_FISCAL = ("legal_name", "tax_id", "address_line1", "city", "state", "postal_code")
BR_STATES = frozenset(
    [
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    ]
)


def customer_of(organization: Organization) -> BillingCustomer:
    customer, _created = BillingCustomer.objects.get_or_create(
        organization=organization, defaults={"provider": provider().name}
    )
    return customer


def fiscal_data_save(*, actor: Membership, data: dict[str, Any]) -> BillingCustomer:
    """Validate every field (all errors at once), keep them and update the provider's customer."""
    organization = require_billing_manager(actor)
    values = {f: str(data.get(f) or "").strip() for f in FISCAL_FIELDS}
    errors: dict[str, list[dict[str, Any]]] = {}
    for name in REQUIRED_FISCAL:
        if not values[name]:
            errors.setdefault(name, []).append(
                field_error("required", _("This field is required."))
            )
    limits = {"legal_name": 200, "email": 254, "address_line1": 200, "address_line2": 200}
    for name, size in {**limits, "district": 100, "city": 100}.items():
        if len(values[name]) > size:
            errors.setdefault(name, []).append(
                field_error("too_long", _("This value is too long."))
            )
    kind = None
    if values["tax_id"]:
        values["tax_id"] = digits_only(values["tax_id"])
        kind = tax_id_kind(values["tax_id"])
        if kind is None:
            errors.setdefault("tax_id", []).append(
                field_error("invalid_tax_id", _("Enter a valid CPF or CNPJ."))
            )
    if values["state"]:
        values["state"] = values["state"].upper()
        if values["state"] not in BR_STATES:
            errors.setdefault("state", []).append(
                field_error("invalid_state", _("Enter a Brazilian state code, such as SP."))
            )
    if values["postal_code"]:
        cep = digits_only(values["postal_code"])
        if len(cep) != 8:
            errors.setdefault("postal_code", []).append(
                field_error("invalid_postal_code", _("Enter a CEP of 8 digits."))
            )
        values["postal_code"] = f"{cep[:5]}-{cep[5:]}"
    if values["email"] and ("@" not in values["email"] or " " in values["email"]):
        errors.setdefault("email", []).append(
            field_error("invalid_email", _("Enter a valid email address."))
        )
    if errors:
        raise ApiError("validation_error", MESSAGES["validation_error"], fields=errors)
    with transaction.atomic():
        customer = BillingCustomer.objects.select_for_update().get(pk=customer_of(organization).pk)
        for name, value in values.items():
            setattr(customer, name, value)
        customer.tax_id_kind = kind or ""
        customer.save()
    if customer.provider_customer_id:
        _push_customer(customer)
    audit_record(organization=organization, actor_id=actor.user_id, action="billing.fiscal_data")
    return customer


def _customer_data(customer: BillingCustomer) -> CustomerData:
    organization = customer.organization
    return CustomerData(
        organization_id=str(organization.id),
        name=customer.legal_name or organization.name,
        email=customer.email,
        tax_id=customer.tax_id,
        tax_id_kind=customer.tax_id_kind,
        address={
            "line1": customer.address_line1,
            "line2": customer.address_line2,
            "city": customer.city,
            "state": customer.state,
            "postal_code": customer.postal_code,
        },
    )


def _push_customer(customer: BillingCustomer) -> str:
    customer_id = provider().save_customer(
        customer_id=customer.provider_customer_id or None, data=_customer_data(customer)
    )
    if customer.provider_customer_id != customer_id:
        customer.provider_customer_id = customer_id
        customer.save(update_fields=["provider_customer_id", "updated_at"])
    return customer_id


def _require_fiscal_data(customer: BillingCustomer) -> None:
    if not customer.tax_id or not customer.legal_name:
        raise ApiError(
            "fiscal_data_required",
            _("Fill in the organization's fiscal data (CPF or CNPJ and address) first."),
            status=409,
        )


# ------------------------------------------------------------------ checkout, portal, invoices


@dataclass(frozen=True)
class CheckoutStarted:
    url: str
    price_id: str
    session: CheckoutSession


def checkout_start(
    *, actor: Membership, plan: str, interval: str, return_url: str | None = None
) -> CheckoutStarted:
    """The provider's hosted checkout URL for ``plan`` billed every ``interval``.

    The provider sends the person back to ``return_url`` (the console's billing
    page on the organization's host), by default ``BILLING_RETURN_URL``.
    """
    organization = require_billing_manager(actor)
    chosen = PLANS.get(plan)
    if chosen is None or not chosen.paid or chosen.price(interval) is None:
        raise ApiError(
            "validation_error",
            MESSAGES["validation_error"],
            fields={"plan": [field_error("invalid_choice", _("Choose a paid plan and interval."))]},
        )
    if Subscription.objects.filter(
        organization=organization, status__in=(*PAYING, *OVERDUE)
    ).exists():
        raise ApiError(
            "subscription_exists",
            _("The organization already has a subscription: change it in the billing portal."),
            status=409,
        )
    billing = provider()
    key = chosen.lookup_key(interval)
    price = CatalogPrice.objects.filter(provider=billing.name, lookup_key=key).first()
    if price is None:
        raise ApiError(
            "billing_unavailable",
            _("Billing is not set up yet. Try again later."),
            status=503,
        )
    customer = customer_of(organization)
    _require_fiscal_data(customer)
    customer_id = customer.provider_customer_id or _push_customer(customer)
    base = return_url or settings.BILLING_RETURN_URL
    joiner = "&" if "?" in base else "?"
    session = billing.checkout(
        customer_id=customer_id,
        price_id=price.provider_price_id,
        boleto=chosen.boleto,
        organization_id=str(organization.id),
        success_url=f"{base}{joiner}checkout=success",
        cancel_url=f"{base}{joiner}checkout=canceled",
    )
    audit_record(
        organization=organization,
        actor_id=actor.user_id,
        action="billing.checkout_started",
        data={"plan": plan, "interval": interval},
    )
    return CheckoutStarted(url=session.url, price_id=price.provider_price_id, session=session)


def portal_start(*, actor: Membership, return_url: str | None = None) -> str:
    organization = require_billing_manager(actor)
    customer = BillingCustomer.objects.filter(organization=organization).first()
    if customer is None or not customer.provider_customer_id:
        raise ApiError(
            "no_billing_customer",
            _("The organization has no billing account yet: subscribe to a plan first."),
            status=409,
        )
    return provider().portal(
        customer_id=customer.provider_customer_id,
        return_url=return_url or settings.BILLING_RETURN_URL,
    )


def invoices_list(
    *, actor: Membership, limit: int, starting_after: str | None
) -> tuple[list[InvoiceView], bool]:
    organization = require_billing_manager(actor)
    customer = BillingCustomer.objects.filter(organization=organization).first()
    if customer is None or not customer.provider_customer_id:
        return [], False
    return provider().invoices(
        customer_id=customer.provider_customer_id, limit=limit, starting_after=starting_after
    )


# ------------------------------------------------------------------ plan state


def current_subscription(organization: Organization) -> Subscription | None:
    """The subscription that decides the plan (paying first, then overdue, then the newest)."""
    rows = list(Subscription.objects.filter(organization=organization))
    if not rows:
        return None
    return max(
        rows,
        key=lambda s: (s.status in PAYING, s.status in OVERDUE, s.provider_created_at),
    )


def effective_plan(organization: Organization, *, now: datetime | None = None) -> str:
    """The plan the organization's subscriptions entitle it to at ``now``."""
    now = now or timezone.now()
    best = FREE
    for sub in Subscription.objects.filter(
        organization=organization, status__in=(*PAYING, *OVERDUE)
    ):
        if sub.status in OVERDUE and (sub.grace_until is None or sub.grace_until <= now):
            continue
        if _rank(sub.plan) > _rank(best):
            best = sub.plan
    return best


def _rank(code: str) -> int:
    codes = list(PLANS)
    return codes.index(code) if code in codes else 0


def organization_apply_plan(
    organization: Organization, *, now: datetime | None = None, reason: str
) -> Organization:
    """Set the organization's plan from its subscriptions; publish the change once."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        plan = effective_plan(organization, now=now)
        if organization.plan == plan:
            return organization
        previous = organization.plan
        organization.plan = plan
        organization.save(update_fields=["plan"])
        publish(TENANT_UPDATED, organization.replica_payload(), tenant_id=organization.id)
    audit_record(
        organization=organization,
        actor_id=None,
        action="billing.plan_changed",
        data={"from": previous, "to": plan, "reason": reason},
    )
    logger.info(
        "plan changed",
        extra={"organization": str(organization.id), "from": previous, "to": plan},
    )
    return organization


def _organization_for(state: SubscriptionState) -> Organization | None:
    if state.organization_id:
        try:
            found = Organization.objects.filter(id=uuid.UUID(state.organization_id)).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    customer = (
        BillingCustomer.objects.select_related("organization")
        .filter(provider_customer_id=state.customer_id)
        .first()
        if state.customer_id
        else None
    )
    return customer.organization if customer else None


def apply_subscription_state(
    state: SubscriptionState, *, at: datetime, now: datetime | None = None, billing_name: str
) -> Subscription | None:
    """Record the subscription's state as of provider time ``at``, unless a newer one is known.

    Arrival order means nothing: an older state (by ``at``) never overwrites a
    newer one, an ended subscription never comes back, and two states of the
    same second resolve to the later stage of a subscription's life.
    """
    now = now or timezone.now()
    organization = _organization_for(state)
    if organization is None:
        logger.warning("subscription of no known organization ignored", extra={"id": state.id})
        return None
    mapped = plan_for_lookup_key(state.lookup_key)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .filter(provider=billing_name, provider_subscription_id=state.id)
            .first()
        )
        if sub is not None:
            if at < sub.state_at:
                return sub
            if sub.status in ENDED and state.status not in ENDED:
                return sub
            if at == sub.state_at and _stage(state.status) < _stage(sub.status):
                return sub
        else:
            sub = Subscription(
                organization=organization,
                provider=billing_name,
                provider_subscription_id=state.id,
                provider_created_at=state.created,
            )
        sub.status = state.status
        if mapped is not None:
            sub.plan, sub.interval = mapped[0].code, mapped[1]
        elif not sub.plan:
            sub.plan = FREE
        sub.amount = state.amount
        sub.current_period_end = state.current_period_end
        sub.cancel_at_period_end = state.cancel_at_period_end
        sub.state_at = at
        if state.status in OVERDUE:
            new_episode = sub.past_due_since is None
            sub.past_due_since = sub.past_due_since or at
            sub.grace_until = sub.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS)
            if new_episode:  # the owners hear of an overdue episode once, after the commit
                notices.past_due_started(organization, grace_until=sub.grace_until)
        else:
            sub.past_due_since = None
            sub.grace_until = None
        if state.status in ENDED:
            sub.canceled_at = state.canceled_at or at
        sub.save()
    organization_apply_plan(organization, now=now, reason=f"subscription {state.status}")
    return sub


def webhook_receive(
    *, payload: bytes, signature: str, now: datetime | None = None
) -> tuple[str, ProviderEvent | None]:
    """Verify, then apply an event once. Returns ``(outcome, event)``.

    The event id is stored in the transaction that applies it: a provider failure
    rolls both back (``ProviderUnavailableError`` → 503, the provider retries), and a
    redelivery after success is recognized and skipped.
    """
    billing = provider()
    try:
        event = billing.parse_event(payload=payload, signature=signature)
    except InvalidSignatureError as exc:
        raise ApiError(
            "invalid_signature", _("The webhook signature does not verify."), status=400
        ) from exc
    except InvalidEventError as exc:
        raise ApiError(
            "invalid_event", _("The webhook body is not a readable event."), status=400
        ) from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProcessedEvent.objects.create(
                    provider=billing.name, event_id=event.id, event_type=event.type
                )
        except IntegrityError:
            return "duplicate", event
        if event.subscription is not None:
            state, at = event.subscription, event.created
            known = Subscription.objects.filter(
                provider=billing.name, provider_subscription_id=state.id
            ).first()
            if known is not None and known.state_at == at and known.status != state.status:
                # Two states of the same second: in doubt, ask the provider.
                state, at = billing.subscription(subscription_id=state.id), now or timezone.now()
        elif event.subscription_id:
            state = billing.subscription(subscription_id=event.subscription_id)
            at = now or timezone.now()
        else:
            return "ignored", event
        apply_subscription_state(state, at=at, now=now, billing_name=billing.name)
    return "applied", event


def enforce_grace(*, now: datetime | None = None) -> int:
    """Downgrade organizations whose overdue subscriptions' grace period has ended."""
    now = now or timezone.now()
    ids = set(
        Subscription.objects.filter(status__in=OVERDUE, grace_until__lte=now).values_list(
            "organization_id", flat=True
        )
    )
    changed = 0
    for organization in Organization.objects.filter(id__in=ids).exclude(plan=FREE):
        before = organization.plan
        after = organization_apply_plan(organization, now=now, reason="grace period ended")
        if after.plan != before:
            changed += 1
            notices.downgraded_after_grace(after, previous_plan=before)
    return changed


def subscription_view(organization: Organization) -> dict[str, Any]:
    sub = current_subscription(organization)
    # ``organization`` may be a membership's, kept in memory by another request
    # (identity.authentication); the plan is read now: a webhook handled by
    # another process may have changed it a moment ago.
    plan = plan_named(Organization.objects.values_list("plan", flat=True).get(pk=organization.pk))
    return {
        "plan": plan.code,
        "plan_name": plan.name,
        "status": sub.status if sub else "none",
        "interval": sub.interval if sub and sub.interval else None,
        "renews_at": sub.current_period_end if sub and sub.status in PAYING else None,
        "cancel_at_period_end": bool(sub and sub.cancel_at_period_end),
        "past_due_since": sub.past_due_since if sub else None,
        "grace_until": sub.grace_until if sub else None,
        "provider_mode": provider_mode(),
    }


# ------------------------------------------------------------------ purge


def subscription_cancel_for_purge(
    *, organization: Organization, billing: BillingProvider | None = None
) -> list[str]:
    """End every running subscription of an organization at once (its purge, ADR 0044).

    The subscriptions recorded here and any the provider still runs for the
    organization's customer (a checkout whose webhook has not arrived) are
    cancelled without proration. Idempotent: a subscription already ended, or
    unknown to the provider, is taken as cancelled. A provider outage raises
    ``ProviderUnavailableError`` and the purge tries again on its next sweep.
    Returns the ids the provider confirmed ended (a missing one is left out).
    """
    billing = billing or provider()
    rows = {
        sub.provider_subscription_id: sub
        for sub in Subscription.objects.filter(organization=organization, provider=billing.name)
    }
    ids = {sub_id for sub_id, sub in rows.items() if sub.status not in ENDED}
    customer = BillingCustomer.objects.filter(
        organization=organization, provider=billing.name
    ).first()
    if customer is not None and customer.provider_customer_id:
        ids.update(billing.open_subscriptions(customer_id=customer.provider_customer_id))
    cancelled: list[str] = []
    now = timezone.now()
    for sub_id in sorted(ids):
        state = billing.cancel_now(subscription_id=sub_id)
        row = rows.get(sub_id)
        if row is not None:
            row.status = "canceled"
            row.canceled_at = (state.canceled_at if state else None) or now
            row.cancel_at_period_end = False
            row.save(update_fields=["status", "canceled_at", "cancel_at_period_end", "updated_at"])
        if state is not None:
            cancelled.append(sub_id)
    if cancelled:
        logger.info(
            "subscriptions cancelled for a purge",
            extra={"tenant": str(organization.id), "count": len(cancelled)},
        )
    return cancelled
