"""The payment provider behind billing: a small interface, and Stripe through its SDK.

Everything billing needs from a provider fits ``BillingProvider``; the services
speak only in the neutral types below. A second provider (recurring Pix through
Pix Automático, ADR 0043) implements the same methods and reports its
subscriptions' states in the same vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

import stripe
from django.conf import settings


class InvalidSignatureError(Exception):
    """A webhook whose signature does not verify (or that is not an event at all)."""


class InvalidEventError(Exception):
    """A verified webhook whose body is not an event we can read."""


class ProviderUnavailableError(Exception):
    """The provider failed in a way a retry may fix (network, 5xx, rate limit)."""


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    customer_id: str
    status: str  # active, trialing, past_due, unpaid, canceled, incomplete, incomplete_expired
    lookup_key: str | None
    amount: int
    created: datetime
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    organization_id: str | None


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str
    created: datetime
    # The subscription the event carries in full, or only names (re-read from the API).
    subscription: SubscriptionState | None
    subscription_id: str | None


@dataclass(frozen=True)
class InvoiceView:
    id: str
    number: str | None
    status: str | None
    amount_due: int
    amount_paid: int
    currency: str
    created: datetime
    hosted_invoice_url: str | None
    invoice_pdf: str | None


@dataclass(frozen=True)
class CheckoutSession:
    url: str
    customer_id: str
    payment_method_types: tuple[str, ...]
    organization_id: str


@dataclass(frozen=True)
class CustomerData:
    organization_id: str
    name: str
    email: str
    tax_id: str
    tax_id_kind: str
    address: dict[str, str]


class BillingProvider(Protocol):
    name: str

    @property
    def mode(self) -> str:
        """``mock`` (the local stripe-mock), ``test`` or ``live``."""

    def ensure_product(self, *, product_id: str, name: str) -> str: ...

    def find_price(self, *, lookup_key: str) -> tuple[str, int, str] | None:
        """``(price id, amount, currency)`` of the active price with that lookup key."""

    def create_price(
        self, *, product_id: str, lookup_key: str, amount: int, currency: str, interval: str
    ) -> str: ...

    def save_customer(self, *, customer_id: str | None, data: CustomerData) -> str: ...

    def checkout(
        self,
        *,
        customer_id: str,
        price_id: str,
        boleto: bool,
        organization_id: str,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutSession: ...

    def portal(self, *, customer_id: str, return_url: str) -> str: ...

    def invoices(
        self, *, customer_id: str, limit: int, starting_after: str | None
    ) -> tuple[list[InvoiceView], bool]: ...

    def parse_event(self, *, payload: bytes, signature: str) -> ProviderEvent: ...

    def subscription(self, *, subscription_id: str) -> SubscriptionState: ...

    def open_subscriptions(self, *, customer_id: str) -> list[str]:
        """Ids of the customer's subscriptions that still run (any status but ended)."""

    def cancel_now(self, *, subscription_id: str) -> SubscriptionState | None:
        """End a subscription at once, without proration; ``None`` when the provider has
        no such subscription. An already-ended one is answered with its state."""


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        value = obj[key]
    except (KeyError, TypeError, IndexError):
        return default
    return default if value is None else value


def subscription_state(obj: Any) -> SubscriptionState:
    """A Stripe subscription object (SDK object or plain dict) in billing's terms."""
    items = _get(_get(obj, "items", {}), "data", []) or []
    first = items[0] if items else {}
    price = _get(first, "price", {})
    # Newer API versions keep the period on the item, older ones on the subscription.
    period_end = _get(first, "current_period_end") or _get(obj, "current_period_end")
    metadata = _get(obj, "metadata", {}) or {}
    customer = _get(obj, "customer", "")
    return SubscriptionState(
        id=str(_get(obj, "id", "")),
        customer_id=str(customer if isinstance(customer, str) else _get(customer, "id", "")),
        status=str(_get(obj, "status", "")),
        lookup_key=_get(price, "lookup_key"),
        amount=int(_get(price, "unit_amount", 0)) * int(_get(first, "quantity", 1) or 1),
        created=_time(_get(obj, "created")) or datetime.now(tz=UTC),
        current_period_end=_time(period_end),
        cancel_at_period_end=bool(_get(obj, "cancel_at_period_end", False)),
        canceled_at=_time(_get(obj, "canceled_at")) or _time(_get(obj, "ended_at")),
        organization_id=_get(metadata, "organization_id") or None,
    )


SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
}
# Events that only name a subscription: its current state is read from the API.
SUBSCRIPTION_REFERENCES = {
    "checkout.session.completed",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
}


class StripeProvider:
    name = "stripe"

    def __init__(self, *, api_key: str, api_base: str, webhook_secret: str) -> None:
        base = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=base, max_network_retries=2)  # type: ignore[arg-type]
        self.api_key = api_key
        self.api_base = api_base
        self.webhook_secret = webhook_secret

    @property
    def mode(self) -> str:
        if self.api_base and "api.stripe.com" not in self.api_base:
            return "mock"
        return "live" if self.api_key.startswith(("sk_live_", "rk_live_")) else "test"

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProviderUnavailableError(str(exc)) from exc
        except stripe.APIError as exc:
            raise ProviderUnavailableError(str(exc)) from exc

    def ensure_product(self, *, product_id: str, name: str) -> str:
        try:
            product = self.client.v1.products.retrieve(product_id)
            return str(product.id)
        except stripe.InvalidRequestError:
            product = self._call(
                self.client.v1.products.create,
                params={"id": product_id, "name": name},
                options={"idempotency_key": f"product-{product_id}"},
            )
            return str(product.id)

    def find_price(self, *, lookup_key: str) -> tuple[str, int, str] | None:
        page = self._call(
            self.client.v1.prices.list,
            params={"lookup_keys": [lookup_key], "active": True, "limit": 10},
        )
        for price in page.data:
            # Only an exact match counts: a fixture or a renamed key does not.
            if price.lookup_key == lookup_key:
                return str(price.id), int(price.unit_amount or 0), str(price.currency)
        return None

    def create_price(
        self, *, product_id: str, lookup_key: str, amount: int, currency: str, interval: str
    ) -> str:
        price = self._call(
            self.client.v1.prices.create,
            params={
                "product": product_id,
                "currency": currency,
                "unit_amount": amount,
                "recurring": {"interval": interval},
                "lookup_key": lookup_key,
                # A changed amount becomes a new price that takes the key over.
                "transfer_lookup_key": True,
            },
            options={"idempotency_key": f"price-{lookup_key}-{amount}-{currency}"},
        )
        return str(price.id)

    def save_customer(self, *, customer_id: str | None, data: CustomerData) -> str:
        params: dict[str, Any] = {
            "name": data.name,
            "email": data.email or None,
            "address": {**data.address, "country": "BR"},
            "metadata": {
                "organization_id": data.organization_id,
                "tax_id": data.tax_id,
                "tax_id_kind": data.tax_id_kind,
            },
            "preferred_locales": ["pt-BR"],
        }
        params = {k: v for k, v in params.items() if v is not None}
        if customer_id:
            customer = self._call(self.client.v1.customers.update, customer_id, params=params)
        else:
            customer = self._call(
                self.client.v1.customers.create,
                params=params,
                options={"idempotency_key": f"customer-{data.organization_id}"},
            )
        return str(customer.id)

    def checkout(
        self,
        *,
        customer_id: str,
        price_id: str,
        boleto: bool,
        organization_id: str,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutSession:
        session = self._call(
            self.client.v1.checkout.sessions.create,
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": organization_id,
                "line_items": [{"price": price_id, "quantity": 1}],
                "payment_method_types": ["card", "boleto"] if boleto else ["card"],
                "subscription_data": {"metadata": {"organization_id": organization_id}},
                "locale": "pt-BR",
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
        )
        return CheckoutSession(
            url=str(session.url),
            customer_id=str(session.customer),
            payment_method_types=tuple(session.payment_method_types or ()),
            organization_id=str(session.client_reference_id or ""),
        )

    def portal(self, *, customer_id: str, return_url: str) -> str:
        session = self._call(
            self.client.v1.billing_portal.sessions.create,
            params={"customer": customer_id, "return_url": return_url},
        )
        return str(session.url)

    def invoices(
        self, *, customer_id: str, limit: int, starting_after: str | None
    ) -> tuple[list[InvoiceView], bool]:
        params: dict[str, Any] = {"customer": customer_id, "limit": limit}
        if starting_after:
            params["starting_after"] = starting_after
        page = self._call(self.client.v1.invoices.list, params=params)
        views = [
            InvoiceView(
                id=str(inv.id),
                number=_get(inv, "number"),
                status=_get(inv, "status"),
                amount_due=int(_get(inv, "amount_due") or 0),
                amount_paid=int(_get(inv, "amount_paid") or 0),
                currency=str(_get(inv, "currency") or "brl"),
                created=_time(_get(inv, "created")) or datetime.now(tz=UTC),
                hosted_invoice_url=_get(inv, "hosted_invoice_url"),
                invoice_pdf=_get(inv, "invoice_pdf"),
            )
            for inv in page.data
        ]
        return views, bool(page.has_more)

    def parse_event(self, *, payload: bytes, signature: str) -> ProviderEvent:
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidSignatureError(str(exc)) from exc
        try:
            return self._event(event)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidEventError(str(exc)) from exc

    def _event(self, event: Any) -> ProviderEvent:
        obj = _get(_get(event, "data", {}), "object", {})
        kind = str(event["type"])
        subscription = None
        subscription_id = None
        if kind in SUBSCRIPTION_EVENTS and _get(obj, "object") == "subscription":
            subscription = subscription_state(obj)
            subscription_id = subscription.id
        elif kind in SUBSCRIPTION_REFERENCES:
            ref = _get(obj, "subscription") or _get(
                _get(_get(obj, "parent", {}), "subscription_details", {}), "subscription"
            )
            subscription_id = ref if isinstance(ref, str) else _get(ref, "id")
        return ProviderEvent(
            id=str(event["id"]),
            type=kind,
            created=_time(_get(event, "created")) or datetime.now(tz=UTC),
            subscription=subscription,
            subscription_id=subscription_id,
        )

    def subscription(self, *, subscription_id: str) -> SubscriptionState:
        obj = self._call(
            self.client.v1.subscriptions.retrieve,
            subscription_id,
            params={"expand": ["items.data.price"]},
        )
        return subscription_state(obj)

    def open_subscriptions(self, *, customer_id: str) -> list[str]:
        page = self._call(
            self.client.v1.subscriptions.list,
            params={"customer": customer_id, "status": "all", "limit": 100},
        )
        return [
            str(sub.id)
            for sub in page.data
            if _get(sub, "status") not in ("canceled", "incomplete_expired")
        ]

    def cancel_now(self, *, subscription_id: str) -> SubscriptionState | None:
        try:
            obj = self.client.v1.subscriptions.cancel(
                subscription_id,
                params={"prorate": False, "invoice_now": False},
                options={"idempotency_key": f"cancel-{subscription_id}"},
            )
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                return None
            # Stripe refuses to cancel an ended subscription: read its state instead.
            try:
                state = self.subscription(subscription_id=subscription_id)
            except stripe.InvalidRequestError:
                return None
            if state.status in ("canceled", "incomplete_expired"):
                return state
            raise ProviderUnavailableError(str(exc)) from exc
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise ProviderUnavailableError(str(exc)) from exc
        return subscription_state(obj)


@lru_cache(maxsize=4)
def _stripe(api_key: str, api_base: str, webhook_secret: str) -> StripeProvider:
    return StripeProvider(api_key=api_key, api_base=api_base, webhook_secret=webhook_secret)


def provider() -> BillingProvider:
    """The configured provider (settings are read per call so tests may change them)."""
    return _stripe(
        settings.STRIPE_API_KEY, settings.STRIPE_API_BASE, settings.STRIPE_WEBHOOK_SECRET
    )
