"""Billing through the gateway: the mock provider, checkout, a signed webhook, and the new
plan reaching another service (dojo) through accounts' tenant.updated event."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid
from typing import Any

import requests

# The local stack's signing secret (services/accounts/config/settings.py).
SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_local-only-stripe-mock-signing-secret")
FISCAL = {
    "legal_name": "E2E Tecnologia Ltda",
    "tax_id": "529.982.247-25",
    "address_line1": "Rua Augusta, 500",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01305-000",
}


def dojo(gateway: Any, token: str) -> Any:
    body = {
        "title": "Boliche",
        "kata": "# Boliche",
        "language": "Python",
        "scheduled_at": "2030-01-01T19:00:00Z",
    }
    return gateway.post("/api/v1/dojos", body, token)


def signed_subscription(org_id: str, status: str) -> tuple[bytes, str]:
    now = int(time.time())
    event = {
        "id": f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": "customer.subscription.created",
        "created": now,
        "data": {
            "object": {
                "id": f"sub_{uuid.uuid4().hex[:14]}",
                "object": "subscription",
                "customer": "cus_e2e",
                "status": status,
                "created": now,
                "metadata": {"organization_id": org_id},
                "items": {
                    "data": [
                        {
                            "quantity": 1,
                            "current_period_end": now + 30 * 86400,
                            "price": {"lookup_key": "pocdex_team_month", "unit_amount": 19900},
                        }
                    ]
                },
            }
        },
    }
    body = json.dumps(event).encode()
    mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={now},v1={mac}"


def test_an_upgrade_paid_through_the_mock_lifts_dojos_limit_in_another_service(gateway):
    plans = gateway.get("/api/v1/billing/plans")
    assert plans.status_code == 200 and plans.json()["provider_mode"] == "mock"

    org = gateway.signup()
    owner = org["tokens"]["access"]
    org_id = org["organization"]["id"]
    gateway.wait_active(owner)
    gateway.wait_served(owner, "/api/v1/dojos")

    assert gateway.put("/api/v1/billing/fiscal-data", FISCAL, owner).status_code == 200
    checkout = gateway.post("/api/v1/billing/checkout", {"plan": "team"}, owner)
    assert checkout.status_code == 201, checkout.text
    assert checkout.json()["url"].startswith("https://")

    # Free schedules 4 dojos a month.
    for _ in range(4):
        assert dojo(gateway, owner).status_code == 201
    refused = dojo(gateway, owner)
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["limit"], error["plan"]) == (
        "plan_limit_reached",
        "dojos_per_month",
        "free",
    )

    body, signature = signed_subscription(org_id, "active")
    hook = requests.post(
        gateway.url("/api/v1/billing/webhooks/stripe"),
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        timeout=10,
    )
    assert hook.status_code == 200 and hook.json()["outcome"] == "applied", hook.text
    subscription = gateway.get("/api/v1/billing/subscription", owner).json()
    assert (subscription["plan"], subscription["status"]) == ("team", "active")

    # dojo learns the plan from the event a moment later (and its short tenant cache).
    deadline = time.monotonic() + 30
    while True:
        answer = dojo(gateway, owner)
        if answer.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert answer.status_code == 201, answer.text
