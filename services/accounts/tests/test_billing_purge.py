"""A purged organization's subscriptions end at once (ADR 0044, billing's side).

The normal path runs against stripe-mock; the answers stripe-mock never gives
(no such subscription, a subscription already ended) come from a small
hand-written Stripe stand-in that speaks the same HTTP and error format.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from billing.models import BillingCustomer, Subscription
from billing.provider import ProviderUnavailableError
from billing.services import subscription_cancel_for_purge
from lgpd.models import OrganizationDeletion, PurgeRecord
from lgpd.services import purge_due
from organizations.models import Organization

from .conftest import PASSWORD
from .test_billing import (  # noqa: F401 - fixtures
    FISCAL,
    T0,
    _billing_settings,
    client,
    post_event,
    signup,
    stripe_url,
    sub_event,
)
from .test_lgpd import delete, org  # noqa: F401 - fixtures


def record_subscription(organization: Organization, sub_id: str, status: str = "active") -> None:
    now = timezone.now()
    Subscription.objects.create(
        organization=organization,
        provider_subscription_id=sub_id,
        status=status,
        plan="team",
        provider_created_at=now,
        state_at=now,
    )


class FakeStripe:
    """Stripe's subscription endpoints, with the states stripe-mock cannot play.

    ``subscriptions`` maps an id to its status at the provider; an id absent
    from it is unknown (404 ``resource_missing``). Stripe refuses to cancel an
    ended subscription with a 400, as here.
    """

    def __init__(self) -> None:
        self.subscriptions: dict[str, str] = {}
        self.customers: dict[str, list[str]] = {}
        self.requests: list[tuple[str, str]] = []

    def answer(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path.split("?")[0]))
        parts = path.split("?")[0].strip("/").split("/")
        if parts[:2] == ["v1", "subscriptions"] and len(parts) == 2:
            customer = path.split("customer=")[1].split("&")[0]
            ids = self.customers.get(customer, [])
            data = [self._subscription(i) for i in ids]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/subs"}
        sub_id = parts[2]
        if sub_id not in self.subscriptions:
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such subscription: '{sub_id}'",
                    "param": "id",
                }
            }
        if method == "DELETE":
            if self.subscriptions[sub_id] in ("canceled", "incomplete_expired"):
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "A canceled subscription can only update its metadata.",
                    }
                }
            self.subscriptions[sub_id] = "canceled"
        return 200, self._subscription(sub_id)

    def _subscription(self, sub_id: str) -> dict[str, Any]:
        status = self.subscriptions[sub_id]
        return {
            "id": sub_id,
            "object": "subscription",
            "customer": "cus_fake",
            "status": status,
            "created": T0,
            "canceled_at": T0 if status == "canceled" else None,
            "items": {"object": "list", "data": []},
            "metadata": {},
        }


@pytest.fixture
def fake_stripe(settings: Any) -> Iterator[FakeStripe]:
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            code, body = fake.answer(self.command, self.path)
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_DELETE = do_POST = _reply  # noqa: N815 - http.server names them

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def test_the_purge_cancels_a_recorded_subscription_and_one_only_the_provider_knows(
    db: None,
    signup,  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    org = signup()  # noqa: F811
    organization = Organization.objects.get(id=org["organization"]["id"])
    assert client(org).put("/api/v1/billing/fiscal-data", FISCAL, format="json").status_code == 200
    created = sub_event(
        str(organization.id), kind="customer.subscription.created", status="active", at=T0
    )
    assert post_event(created).status_code == 200
    assert Subscription.objects.get(organization=organization).status == "active"
    BillingCustomer.objects.filter(organization=organization).update(
        provider_customer_id="cus_mock"
    )

    cancelled = subscription_cancel_for_purge(organization=organization)

    # stripe-mock lists one running subscription of the customer (its fixture) besides ours.
    assert "sub_pocdex_1" in cancelled and len(cancelled) == 2
    row = Subscription.objects.get(organization=organization)
    assert row.status == "canceled" and row.canceled_at is not None
    assert not row.cancel_at_period_end
    # Again: the ended subscription is not cancelled twice.
    assert "sub_pocdex_1" not in subscription_cancel_for_purge(organization=organization)


def test_a_missing_or_already_ended_subscription_is_taken_as_cancelled(
    db: None,
    signup,  # type: ignore[no-untyped-def]  # noqa: F811
    fake_stripe: FakeStripe,
) -> None:
    org = signup()  # noqa: F811
    organization = Organization.objects.get(id=org["organization"]["id"])
    BillingCustomer.objects.create(organization=organization, provider_customer_id="cus_fake")
    record_subscription(organization, "sub_gone")  # the provider forgot it
    record_subscription(organization, "sub_ended")  # ended there, the webhook never came
    record_subscription(organization, "sub_running")
    fake_stripe.subscriptions.update(
        {"sub_ended": "canceled", "sub_running": "active", "sub_late": "active"}
    )
    fake_stripe.customers["cus_fake"] = ["sub_running", "sub_late"]

    cancelled = subscription_cancel_for_purge(organization=organization)

    assert cancelled == ["sub_ended", "sub_late", "sub_running"]
    assert fake_stripe.subscriptions == {
        "sub_ended": "canceled",
        "sub_running": "canceled",
        "sub_late": "canceled",
    }
    assert set(
        Subscription.objects.filter(organization=organization).values_list("status", flat=True)
    ) == {"canceled"}
    fake_stripe.requests.clear()
    assert subscription_cancel_for_purge(organization=organization) == []
    assert ("DELETE", "/v1/subscriptions/sub_running") not in fake_stripe.requests


def test_a_refused_cancellation_of_a_running_subscription_is_an_error_the_purge_retries(
    db: None,
    signup,  # type: ignore[no-untyped-def]  # noqa: F811
    fake_stripe: FakeStripe,
) -> None:
    org = signup()  # noqa: F811
    organization = Organization.objects.get(id=org["organization"]["id"])
    record_subscription(organization, "sub_odd")
    fake_stripe.subscriptions["sub_odd"] = "canceled"
    # The provider says it is ended only after refusing: simulate a refusal of a live one.
    original = fake_stripe.answer

    def refuse(method: str, path: str) -> tuple[int, dict[str, Any]]:
        if method == "DELETE":
            fake_stripe.requests.append((method, path))
            fake_stripe.subscriptions["sub_odd"] = "active"
            return 400, {"error": {"type": "invalid_request_error", "message": "refused"}}
        return original(method, path)

    fake_stripe.answer = refuse  # type: ignore[method-assign]
    with pytest.raises(ProviderUnavailableError):
        subscription_cancel_for_purge(organization=organization)
    assert Subscription.objects.get(organization=organization).status == "active"


def test_the_organizations_purge_cancels_its_subscription_at_the_provider(
    org: dict[str, Any],  # noqa: F811
    fake_stripe: FakeStripe,
) -> None:
    organization = Organization.objects.get(id=org["organization"]["id"])
    BillingCustomer.objects.create(organization=organization, provider_customer_id="cus_fake")
    record_subscription(organization, "sub_paying")
    fake_stripe.subscriptions["sub_paying"] = "active"
    slug = organization.slug
    assert delete(org["owner"], password=PASSWORD, confirmation=slug).status_code == 202
    purge_after = OrganizationDeletion.objects.get(organization=organization).purge_after

    assert purge_due(now=purge_after + timedelta(seconds=1)) == [str(organization.id)]

    assert fake_stripe.subscriptions["sub_paying"] == "canceled"
    assert ("DELETE", "/v1/subscriptions/sub_paying") in fake_stripe.requests
    assert PurgeRecord.objects.filter(organization_id=organization.id).exists()
    assert not Subscription.objects.filter(provider_subscription_id="sub_paying").exists()
