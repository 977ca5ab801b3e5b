"""Billing against stripe-mock (started by this suite on a free port) and signed webhooks."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from billing.fiscal import is_valid_cnpj, is_valid_cpf
from billing.models import BillingCustomer, CatalogPrice, ProcessedEvent, Subscription
from billing.services import catalog_sync, checkout_start, enforce_grace
from organizations.models import Membership, Organization
from pocdex_shared import plans
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.testing.stripe_mock import stripe_mock

from .conftest import auth
from .test_invitations import error_code, invite, plain_member

SECRET = "whsec_test_signing_secret_for_the_suite"
CNPJ = "11.222.333/0001-81"
FISCAL = {
    "legal_name": "ACME Tecnologia Ltda",
    "tax_id": CNPJ,
    "email": "financeiro@acme.example",
    "address_line1": "Av. Paulista, 1000",
    "district": "Bela Vista",
    "city": "São Paulo",
    "state": "sp",
    "postal_code": "01310100",
}


@pytest.fixture(scope="session")
def stripe_url() -> Iterator[str]:
    with stripe_mock() as url:
        yield url


@pytest.fixture(autouse=True)
def _billing_settings(settings: Any, stripe_url: str) -> None:
    settings.STRIPE_API_BASE = stripe_url
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.BILLING_GRACE_DAYS = 7


@pytest.fixture
def signup(signup):  # type: ignore[no-untyped-def]
    from identity.models import User

    def _signup(**overrides):  # type: ignore[no-untyped-def]
        org = signup(**overrides)
        User.objects.filter(email=org["email"]).update(email_verified_at=timezone.now())
        return org

    return _signup


def owner_of(org: dict[str, Any]) -> Membership:
    return Membership.objects.select_related("organization", "user").get(
        organization_id=org["organization"]["id"], role="owner"
    )


def client(org: dict[str, Any]) -> APIClient:
    return auth(APIClient(), org["tokens"]["access"])


def signed(event: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={mac}"


def post_event(event: dict[str, Any], secret: str = SECRET) -> Any:
    body, header = signed(event, secret)
    return APIClient().post(
        "/api/v1/billing/webhooks/stripe",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


# Provider times an hour ago: the grace period is counted from them.
T0 = int(time.time()) - 3600


def sub_event(
    org_id: str,
    *,
    kind: str,
    status: str,
    at: int,
    sub_id: str = "sub_pocdex_1",
    plan: str = "team",
    interval: str = "month",
    event_id: str | None = None,
) -> dict[str, Any]:
    amount = plans.PLANS[plan].price(interval).amount  # type: ignore[union-attr]
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": kind,
        "created": at,
        "data": {
            "object": {
                "id": sub_id,
                "object": "subscription",
                "customer": "cus_pocdex_1",
                "status": status,
                "created": T0,
                "cancel_at_period_end": False,
                "canceled_at": at if status == "canceled" else None,
                "metadata": {"organization_id": org_id},
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": "si_1",
                            "quantity": 1,
                            "current_period_end": T0 + 30 * 86400,
                            "price": {
                                "id": "price_1",
                                "lookup_key": plans.PLANS[plan].lookup_key(interval),
                                "unit_amount": amount,
                                "currency": "brl",
                                "recurring": {"interval": interval},
                            },
                        }
                    ],
                },
            }
        },
    }


def plan_of(org: dict[str, Any]) -> str:
    return Organization.objects.get(id=org["organization"]["id"]).plan


# ------------------------------------------------------------------ fiscal numbers


def test_cpf_and_cnpj_check_digits() -> None:
    assert is_valid_cpf("529.982.247-25") and is_valid_cpf("11144477735")
    assert not is_valid_cpf("529.982.247-26")  # wrong second digit
    assert not is_valid_cpf("111.111.111-11")  # repeated digits pass the sums but are invalid
    assert not is_valid_cpf("5299822472")
    assert is_valid_cnpj(CNPJ) and is_valid_cnpj("45.997.418/0001-53")
    assert not is_valid_cnpj("11.222.333/0001-82")
    assert not is_valid_cnpj("00.000.000/0000-00")


# ------------------------------------------------------------------ catalog


def test_catalog_command_is_idempotent_and_follows_a_price_change(db: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("billing_catalog", stdout=out)
    assert "catalog: 4 created, 0 found, 0 unchanged" in out.getvalue()
    first = dict(CatalogPrice.objects.values_list("lookup_key", "provider_price_id"))
    assert set(first) == {
        "pocdex_team_month",
        "pocdex_team_year",
        "pocdex_business_month",
        "pocdex_business_year",
    }
    assert CatalogPrice.objects.get(lookup_key="pocdex_team_month").amount == 19_900

    again = io.StringIO()
    call_command("billing_catalog", stdout=again)
    assert "catalog: 0 created, 0 found, 4 unchanged" in again.getvalue()
    assert dict(CatalogPrice.objects.values_list("lookup_key", "provider_price_id")) == first

    team = plans.PLANS["team"]
    dearer = dataclasses.replace(team, prices=(plans.Price("month", 24_900), team.prices[1]))
    monkeypatch.setitem(plans.PLANS, "team", dearer)
    result = catalog_sync()
    assert result.created == ["pocdex_team_month"] and len(result.unchanged) == 3
    assert CatalogPrice.objects.get(lookup_key="pocdex_team_month").amount == 24_900
    assert CatalogPrice.objects.count() == 4


def test_plans_are_public_with_brl_prices_and_the_mock_mode(db: None) -> None:
    response = APIClient().get("/api/v1/billing/plans")
    assert response.status_code == 200
    body = response.json()
    assert body["provider_mode"] == "mock"
    by_code = {p["code"]: p for p in body["plans"]}
    assert set(by_code) == {"free", "team", "business"}
    assert by_code["free"]["prices"] == []
    team_month = next(p for p in by_code["team"]["prices"] if p["interval"] == "month")
    assert team_month == {
        "interval": "month",
        "amount": 19_900,
        "currency": "brl",
        "lookup_key": "pocdex_team_month",
    }
    assert by_code["business"]["limits"]["pocs"] is None
    assert by_code["free"]["limits"]["members"] == 5


# ------------------------------------------------------------------ fiscal data, checkout, portal


def test_fiscal_data_is_validated_per_field(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    response = client(org).put(
        "/api/v1/billing/fiscal-data",
        {**FISCAL, "tax_id": "123.456.789-00", "state": "XX", "postal_code": "123", "city": ""},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["tax_id"][0]["code"] == "invalid_tax_id"
    assert fields["state"][0]["code"] == "invalid_state"
    assert fields["postal_code"][0]["code"] == "invalid_postal_code"
    assert fields["city"][0]["code"] == "required"
    assert not BillingCustomer.objects.filter(tax_id__gt="").exists()

    ok = client(org).put("/api/v1/billing/fiscal-data", FISCAL, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["tax_id"] == "11222333000181" and ok.json()["tax_id_kind"] == "cnpj"
    assert ok.json()["state"] == "SP" and ok.json()["postal_code"] == "01310-100"
    assert (
        client(org).get("/api/v1/billing/fiscal-data").json()["legal_name"] == FISCAL["legal_name"]
    )


def test_checkout_uses_the_plans_price_and_the_organizations_customer(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    catalog_sync()
    org = signup()
    refused = client(org).post("/api/v1/billing/checkout", {"plan": "team"}, format="json")
    assert refused.status_code == 409 and error_code(refused) == "fiscal_data_required"
    assert client(org).put("/api/v1/billing/fiscal-data", FISCAL, format="json").status_code == 200

    started = checkout_start(actor=owner_of(org), plan="business", interval="year")
    customer = BillingCustomer.objects.get(organization_id=org["organization"]["id"])
    assert customer.provider_customer_id.startswith("cus_")
    assert (
        started.price_id
        == CatalogPrice.objects.get(lookup_key="pocdex_business_year").provider_price_id
    )
    assert started.session.customer_id == customer.provider_customer_id
    assert started.session.organization_id == org["organization"]["id"]
    assert started.session.payment_method_types == ("card", "boleto")  # Business allows boleto

    response = client(org).post(
        "/api/v1/billing/checkout", {"plan": "team", "interval": "month"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert (
        response.json()["url"].startswith("https://") and response.json()["provider_mode"] == "mock"
    )
    bad = client(org).post("/api/v1/billing/checkout", {"plan": "free"}, format="json")
    assert bad.status_code == 400 and "plan" in bad.json()["error"]["fields"]

    portal = client(org).post("/api/v1/billing/portal")
    assert portal.status_code == 201 and portal.json()["url"].startswith("https://")
    invoices = client(org).get("/api/v1/billing/invoices?limit=5")
    assert invoices.status_code == 200
    assert all("invoice_pdf" in row for row in invoices.json()["results"])
    for bad_limit in ("0", "101", "²", "1²", "abc"):
        answer = client(org).get(f"/api/v1/billing/invoices?limit={bad_limit}")
        assert answer.status_code == 400 and "limit" in answer.json()["error"]["fields"]


def test_members_get_403_and_another_organizations_owner_sees_only_their_own(
    db: None, signup
) -> None:  # type: ignore[no-untyped-def]
    org, other = signup(), signup()
    assert client(org).put("/api/v1/billing/fiscal-data", FISCAL, format="json").status_code == 200
    member = plain_member(org, f"m-{uuid.uuid4().hex[:6]}@example.com")
    for method, path in (
        ("get", "/api/v1/billing/subscription"),
        ("get", "/api/v1/billing/fiscal-data"),
        ("post", "/api/v1/billing/portal"),
        ("get", "/api/v1/billing/invoices"),
    ):
        response = getattr(member, method)(path)
        assert response.status_code == 403 and error_code(response) == "billing_forbidden", path

    # The other owner's token names their organization: they read and change only theirs.
    theirs = client(other).get("/api/v1/billing/fiscal-data").json()
    assert theirs["legal_name"] == "" and theirs["tax_id"] == ""
    changed = client(other).put(
        "/api/v1/billing/fiscal-data", {**FISCAL, "legal_name": "Other Ltda"}, format="json"
    )
    assert changed.status_code == 200
    mine = BillingCustomer.objects.get(organization_id=org["organization"]["id"])
    assert mine.legal_name == FISCAL["legal_name"]
    assert client(other).post("/api/v1/billing/portal").status_code == 409


# ------------------------------------------------------------------ webhooks


def test_bad_signature_is_400_and_nothing_is_recorded(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    event = sub_event(
        org["organization"]["id"], kind="customer.subscription.created", status="active", at=T0
    )
    response = post_event(event, secret="whsec_someone_else_entirely_here")
    assert response.status_code == 400 and error_code(response) == "invalid_signature"
    unsigned = APIClient().post("/api/v1/billing/webhooks/stripe", event, format="json")
    assert unsigned.status_code == 400 and error_code(unsigned) == "invalid_signature"
    assert not ProcessedEvent.objects.exists() and plan_of(org) == "free"
    # Signed, but not an event: still a clear 400, never a 500.
    body = b'{"id": "evt_1", "data": []}'
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    odd = APIClient().post(
        "/api/v1/billing/webhooks/stripe",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={stamp},v1={mac}",
    )
    assert odd.status_code == 400 and error_code(odd) == "invalid_event"


def test_duplicate_event_is_processed_once(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    org_id = org["organization"]["id"]
    event = sub_event(org_id, kind="customer.subscription.created", status="active", at=T0)
    first = post_event(event)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert plan_of(org) == "team"
    published = OutboxEvent.objects.filter(topic="tenant.updated", tenant_id=org_id)
    assert [e.payload["plan"] for e in published] == ["team"]

    again = post_event(event)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert ProcessedEvent.objects.filter(event_id=event["id"]).count() == 1
    assert published.count() == 1


def test_updated_before_created_ends_in_the_newer_state(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    org_id = org["organization"]["id"]
    updated = sub_event(
        org_id, kind="customer.subscription.updated", status="active", at=T0 + 60, plan="business"
    )
    created = sub_event(org_id, kind="customer.subscription.created", status="incomplete", at=T0)
    assert post_event(updated).json()["outcome"] == "applied"
    assert post_event(created).json()["outcome"] == "applied"
    sub = Subscription.objects.get(provider_subscription_id="sub_pocdex_1")
    assert (sub.status, sub.plan) == ("active", "business")
    assert plan_of(org) == "business"


def test_canceled_before_a_late_past_due_stays_canceled(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    org_id = org["organization"]["id"]
    post_event(sub_event(org_id, kind="customer.subscription.created", status="active", at=T0))
    assert plan_of(org) == "team"
    canceled = sub_event(
        org_id, kind="customer.subscription.deleted", status="canceled", at=T0 + 7200
    )
    late = sub_event(org_id, kind="customer.subscription.updated", status="past_due", at=T0 + 3600)
    assert post_event(canceled).status_code == 200
    assert post_event(late).status_code == 200
    sub = Subscription.objects.get(provider_subscription_id="sub_pocdex_1")
    assert sub.status == "canceled" and sub.grace_until is None
    assert plan_of(org) == "free"
    # Even a newer non-final state cannot bring an ended subscription back.
    post_event(
        sub_event(org_id, kind="customer.subscription.updated", status="active", at=T0 + 9000)
    )
    assert Subscription.objects.get(provider_subscription_id="sub_pocdex_1").status == "canceled"
    assert plan_of(org) == "free"


def test_past_due_keeps_the_plan_through_the_grace_period_then_free(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    org_id = org["organization"]["id"]
    post_event(sub_event(org_id, kind="customer.subscription.created", status="active", at=T0))
    post_event(
        sub_event(org_id, kind="customer.subscription.updated", status="past_due", at=T0 + 60)
    )
    sub = Subscription.objects.get(provider_subscription_id="sub_pocdex_1")
    started = datetime.fromtimestamp(T0 + 60, tz=UTC)
    assert sub.grace_until == started + timedelta(days=7)
    assert plan_of(org) == "team"  # the clock of the request is before the grace's end

    assert enforce_grace(now=started + timedelta(days=6, hours=23)) == 0
    assert plan_of(org) == "team"
    view = client(org).get("/api/v1/billing/subscription").json()
    assert view["status"] == "past_due" and view["grace_until"] is not None

    assert enforce_grace(now=started + timedelta(days=7, seconds=1)) == 1
    assert plan_of(org) == "free"
    published = OutboxEvent.objects.filter(tenant_id=org_id, topic="tenant.updated")
    assert [e.payload["plan"] for e in published.order_by("created_at")] == ["team", "free"]
    assert enforce_grace(now=started + timedelta(days=8)) == 0

    # Paying again (a newer active state) restores the plan.
    post_event(
        sub_event(org_id, kind="customer.subscription.updated", status="active", at=T0 + 8 * 86400)
    )
    assert plan_of(org) == "team"


def test_another_organizations_subscription_does_not_change_this_plan(db: None, signup) -> None:  # type: ignore[no-untyped-def]
    org, other = signup(), signup()
    post_event(
        sub_event(
            other["organization"]["id"],
            kind="customer.subscription.created",
            status="active",
            at=T0,
            plan="business",
        )
    )
    assert plan_of(other) == "business" and plan_of(org) == "free"
    assert client(org).get("/api/v1/billing/subscription").json()["status"] == "none"


def test_the_subscription_shows_a_plan_another_process_changed_at_once(  # type: ignore[no-untyped-def]
    db: None, signup, settings: Any
) -> None:
    settings.MEMBERSHIP_CACHE_SECONDS = 60
    org = signup()
    # Memberships are kept in memory once the organization is active.
    Organization.objects.filter(id=org["organization"]["id"]).update(status="active")
    api = client(org)
    assert api.get("/api/v1/billing/subscription").json()["plan"] == "free"
    # Another process applied the provider's webhook: an update sends no signal to this one,
    # whose memberships (and their organization) stay in memory for a minute here.
    Organization.objects.filter(id=org["organization"]["id"]).update(plan="team")
    assert api.get("/api/v1/billing/subscription").json()["plan"] == "team"


# ------------------------------------------------------------------ members limit


def test_members_limit_counts_pending_invitations_and_lifts_with_the_plan(worker, signup) -> None:  # type: ignore[no-untyped-def]
    org = signup()
    org_id = org["organization"]["id"]
    Organization.objects.filter(id=org_id).update(limits={"members": 3})
    assert invite(org, "one@example.com").status_code == 201
    assert invite(org, "two@example.com").status_code == 201
    refused = invite(org, "three@example.com")
    assert refused.status_code == 403 and error_code(refused) == "plan_limit_reached"
    body = refused.json()["error"]
    assert (body["limit"], body["value"], body["plan"]) == ("members", 3, "free")
    # Re-sending a pending invitation takes no new seat.
    assert invite(org, "two@example.com").status_code == 201
    # Another organization is not bound by this one's limit.
    other = signup()
    assert invite(other, "three@example.com").status_code == 201

    # An upgrade carries the organization's plan; the override is lifted by the back office.
    Organization.objects.filter(id=org_id).update(limits={})
    post_event(sub_event(org_id, kind="customer.subscription.created", status="active", at=T0))
    assert plan_of(org) == "team"
    assert invite(org, "three@example.com").status_code == 201
