"""What Stripe's hosted pages would do, for the local mock only (``provider_mode() == "mock"``).

stripe-mock answers Stripe's API but serves no pages and keeps no state: its
checkout and portal URLs lead nowhere, and a subscription created there is not
remembered. So that ``make run`` can still subscribe, fail a payment and
cancel, the console's simulation pages call these functions, which do what
Stripe would do after its own page: act on the subscription through the SDK
(against stripe-mock), then deliver the event Stripe would send, signed with
``STRIPE_WEBHOOK_SECRET``, to ``webhook_receive``, the function behind the
webhook endpoint. The plan then changes as it does in production, and reaches
every service by ``tenant.updated``.

The event's subscription is built from what we asked for (the price's lookup
key, the customer, the organization's metadata), since stripe-mock answers
with fixtures. Outside mock mode every function refuses (``SimulationUnavailableError``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from pocdex_shared.errors import ApiError
from pocdex_shared.plans import PLANS

from .models import BillingCustomer, CatalogPrice, Subscription
from .provider import StripeProvider, provider
from .services import OVERDUE, PAYING, webhook_receive

#: Statuses the simulated portal can move a running subscription to.
SIMULATED_STATUSES = ("past_due", "active", "canceled")
_PERIOD_DAYS = {"month": 30, "year": 365}


class SimulationUnavailableError(ApiError):
    """404: the simulation exists only in front of the local mock."""

    def __init__(self) -> None:
        super().__init__(
            "not_found", _("The payment simulation exists only with the local mock."), status=404
        )


def simulation_enabled() -> bool:
    return provider().mode == "mock"


def _stripe() -> StripeProvider:
    billing = provider()
    if billing.mode != "mock" or not isinstance(billing, StripeProvider):
        raise SimulationUnavailableError()
    return billing


def signed_delivery(event: dict[str, Any], *, secret: str | None = None) -> tuple[bytes, str]:
    """The body and ``Stripe-Signature`` header Stripe would send for ``event``."""
    body = json.dumps(event).encode()
    stamp = int(time.time())
    key = (secret or settings.STRIPE_WEBHOOK_SECRET).encode()
    mac = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={mac}"


def _deliver(kind: str, subscription: dict[str, Any], *, at: int) -> str:
    event = {
        "id": f"evt_sim_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": kind,
        "created": at,
        "livemode": False,
        "data": {"object": subscription},
    }
    body, signature = signed_delivery(event)
    outcome, _event = webhook_receive(payload=body, signature=signature)
    return outcome


def _subscription_object(
    *,
    subscription_id: str,
    customer_id: str,
    organization: Organization,
    status: str,
    price: CatalogPrice,
    created: int,
    period_end: int,
    at: int,
) -> dict[str, Any]:
    return {
        "id": subscription_id,
        "object": "subscription",
        "customer": customer_id,
        "status": status,
        "created": created,
        "cancel_at_period_end": False,
        "canceled_at": at if status == "canceled" else None,
        "metadata": {"organization_id": str(organization.id)},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_sim_{subscription_id[-12:]}",
                    "object": "subscription_item",
                    "quantity": 1,
                    "current_period_end": period_end,
                    "price": {
                        "id": price.provider_price_id,
                        "object": "price",
                        "lookup_key": price.lookup_key,
                        "unit_amount": price.amount,
                        "currency": price.currency,
                        "recurring": {"interval": price.interval},
                    },
                }
            ],
        },
    }


def _customer_id(organization: Organization) -> str:
    customer = BillingCustomer.objects.filter(organization=organization).first()
    if customer is None or not customer.provider_customer_id:
        raise ApiError(
            "no_billing_customer",
            _("The organization has no billing account yet: subscribe to a plan first."),
            status=409,
        )
    return customer.provider_customer_id


def checkout_complete(
    *, organization: Organization, plan: str, interval: str, now: datetime | None = None
) -> Subscription:
    """Pay the simulated checkout: the subscription exists at the provider, then its event."""
    billing = _stripe()
    chosen = PLANS.get(plan)
    price = (
        CatalogPrice.objects.filter(
            provider=billing.name, lookup_key=chosen.lookup_key(interval)
        ).first()
        if chosen is not None and chosen.paid and chosen.price(interval) is not None
        else None
    )
    if price is None:
        raise ApiError("not_found", _("This plan cannot be bought here."), status=404)
    customer_id = _customer_id(organization)
    created = billing._call(
        billing.client.v1.subscriptions.create,
        params={
            "customer": customer_id,
            "items": [{"price": price.provider_price_id}],
            "metadata": {"organization_id": str(organization.id)},
        },
    )
    moment = int((now or timezone.now()).timestamp())
    period_end = moment + _PERIOD_DAYS.get(interval, 30) * 86400
    subscription = _subscription_object(
        subscription_id=str(created.id),
        customer_id=customer_id,
        organization=organization,
        status="active",
        price=price,
        created=moment,
        period_end=period_end,
        at=moment,
    )
    _deliver("customer.subscription.created", subscription, at=moment)
    return Subscription.objects.get(provider=billing.name, provider_subscription_id=created.id)


def running_subscription(organization: Organization) -> Subscription | None:
    return (
        Subscription.objects.filter(organization=organization, status__in=(*PAYING, *OVERDUE))
        .order_by("-provider_created_at")
        .first()
    )


def subscription_move(
    *, organization: Organization, status: str, now: datetime | None = None
) -> Subscription:
    """What the portal or the card network would do: a failed payment (``past_due``), a
    payment that goes through again (``active``) or a cancellation (``canceled``)."""
    billing = _stripe()
    if status not in SIMULATED_STATUSES:
        raise ApiError("not_found", _("This change cannot be simulated."), status=404)
    sub = running_subscription(organization)
    if sub is None:
        raise ApiError(
            "no_subscription", _("The organization has no running subscription."), status=409
        )
    price = CatalogPrice.objects.filter(
        provider=billing.name, plan=sub.plan, interval=sub.interval
    ).first()
    if price is None:
        raise ApiError("not_found", _("This plan cannot be bought here."), status=404)
    if status == "canceled":
        billing._call(billing.client.v1.subscriptions.cancel, sub.provider_subscription_id)
    # Stripe's events of one subscription never share a second when its state changes.
    moment = max(
        int((now or timezone.now()).timestamp()),
        int((sub.state_at + timedelta(seconds=1)).timestamp()),
    )
    period_end = sub.current_period_end or (sub.provider_created_at + timedelta(days=30))
    kind = (
        "customer.subscription.deleted" if status == "canceled" else "customer.subscription.updated"
    )
    _deliver(
        kind,
        _subscription_object(
            subscription_id=sub.provider_subscription_id,
            customer_id=_customer_id(organization),
            organization=organization,
            status=status,
            price=price,
            created=int(sub.provider_created_at.timestamp()),
            period_end=int(period_end.timestamp()),
            at=moment,
        ),
        at=moment,
    )
    sub.refresh_from_db()
    return sub


def _pdf_text(value: str) -> bytes:
    raw = value.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def invoice_pdf(
    *, organization_name: str, invoice_number: str, amount: str, created: datetime, status: str
) -> bytes:
    """A one-page PDF standing for an invoice stripe-mock lists without its PDF.

    Marked as a local simulation on the page itself; Stripe serves the real
    invoice PDFs (``invoice_pdf``) in test and live modes.
    """
    lines = [
        "Pocdex - local simulation (stripe-mock): not a real invoice",
        f"Organization: {organization_name}",
        f"Invoice: {invoice_number}",
        f"Date: {created:%Y-%m-%d}",
        f"Amount: {amount}",
        f"Status: {status}",
    ]
    text = (
        b"BT /F1 12 Tf 56 780 Td 16 TL "
        + b" ".join(b"(" + _pdf_text(line) + b") Tj T*" for line in lines)
        + b" ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
