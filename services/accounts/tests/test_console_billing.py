"""The console's plan and billing pages against stripe-mock (started by this suite on a free port).

With stripe-mock the provider mode is ``mock``: checkout and the portal lead to
the console's simulation pages, which create or change the subscription at
stripe-mock and deliver the signed event to the webhook's function.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import BillingCustomer, Subscription
from billing.services import catalog_sync
from organizations.models import Membership, Organization
from pocdex_shared.events.models import OutboxEvent

from .console_support import console_client, console_login
from .test_billing import FISCAL, _billing_settings, stripe_url  # noqa: F401

pytestmark = pytest.mark.django_db

BILLING_POSTS = (
    "/billing/checkout/",
    "/billing/portal/",
    "/billing/fiscal-data/",
    "/billing/mock/checkout/",
    "/billing/mock/portal/",
)


def logged_in(team: dict[str, Any], who: str = "owner", *, csrf: bool = False) -> Client:
    """A browser logged in as ``who``. A member cannot log in to the console: theirs is the
    session of an admin demoted since. ``csrf``: it then posts without CSRF tokens."""
    person = "admin" if who == "member" else who
    client = console_login(console_client(team["slug"]), team[person].email)
    if who == "member":
        Membership.objects.filter(user=team["admin"]).update(role="member")
    if not csrf:
        return client
    strict = console_client(team["slug"], enforce_csrf_checks=True)
    strict.cookies = client.cookies
    return strict


def text(response: Any) -> str:
    return str(response.content.decode())


def messages_of(client: Client, path: str) -> str:
    return text(client.get(path))


def save_fiscal(client: Client) -> None:
    response = client.post("/billing/fiscal-data/", FISCAL)
    assert response.status_code == 302, text(response)[:2000]


def subscribe(client: Client, plan: str = "team", interval: str = "month") -> None:
    started = client.post("/billing/checkout/", {"plan": plan, "interval": interval})
    assert started.status_code == 302
    assert started["Location"] == f"/billing/mock/checkout/?plan={plan}&interval={interval}"
    confirmed = client.post(started["Location"], {"plan": plan, "interval": interval})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/billing/?checkout=success"


def tenant_updates(organization: Organization) -> list[str]:
    rows = OutboxEvent.objects.filter(topic="tenant.updated", tenant_id=organization.id)
    return [row.payload["plan"] for row in rows.order_by("created_at")]


def test_the_page_shows_the_plan_the_brl_prices_limits_and_the_mock_mode(
    console_team: dict[str, Any],
) -> None:
    page = logged_in(console_team).get("/billing/")
    assert page.status_code == 200
    html = text(page)
    assert 'id="billing-plan">Free<' in html
    assert "No subscription (Free)" in html
    # Prices in BRL, Brazilian style, monthly and yearly.
    for amount in ("R$\u00a0199,00", "R$\u00a01.990,00", "R$\u00a0799,00", "R$\u00a07.990,00"):
        assert amount in html, amount
    assert "Attachment storage: 500\u00a0GB" in html and "POCs: Unlimited" in html
    assert 'id="billing-mock-mode"' in html
    assert "No invoices yet." in html
    assert 'aria-current="page"' in html and "/billing/" in html


def test_the_page_speaks_portuguese(console_team: dict[str, Any]) -> None:
    client = logged_in(console_team)
    client.cookies["django_language"] = "pt-br"
    html = text(client.get("/billing/"))
    assert "Plano e cobrança" in html and "Escolher Team, mensal" in html


def test_a_member_is_refused_every_page_and_post(console_team: dict[str, Any]) -> None:
    member = logged_in(console_team, "member")
    for path in ("/billing/", "/billing/fiscal-data/", "/billing/mock/portal/"):
        assert member.get(path).status_code == 403, path
    for path in BILLING_POSTS:
        assert member.post(path, {"plan": "team", "interval": "month"}).status_code == 403, path
    assert not BillingCustomer.objects.filter(organization=console_team["organization"]).exists()


def test_another_organizations_session_opens_nothing_here(
    console_team: dict[str, Any], signup: Any
) -> None:
    other = signup()
    client = logged_in(console_team)
    # The owner's session of their own host, replayed on another organization's host.
    client.defaults["HTTP_HOST"] = f"{other['organization']['slug']}.localhost"
    assert client.get("/billing/")["Location"].startswith("/login/")
    fiscal = client.post("/billing/fiscal-data/", FISCAL)
    assert fiscal.status_code == 302 and fiscal["Location"].startswith("/login/")
    assert not BillingCustomer.objects.filter(organization_id=other["organization"]["id"]).exists()


def test_posts_without_a_csrf_token_are_refused(console_team: dict[str, Any]) -> None:
    client = logged_in(console_team, csrf=True)
    for path in BILLING_POSTS:
        response = client.post(path, {"plan": "team", "interval": "month", **FISCAL})
        assert response.status_code == 403, path
    assert not BillingCustomer.objects.filter(organization=console_team["organization"]).exists()


def test_fiscal_data_errors_are_shown_per_field_then_saved(console_team: dict[str, Any]) -> None:
    client = logged_in(console_team)
    bad = client.post(
        "/billing/fiscal-data/",
        {**FISCAL, "tax_id": "123.456.789-00", "state": "XX", "postal_code": "123"},
    )
    assert bad.status_code == 200
    html = text(bad)
    assert "Enter a valid CPF or CNPJ." in html
    assert 'aria-describedby="id_tax_id-help id_tax_id-errors"' in html
    assert 'id="id_tax_id-errors"' in html and 'aria-invalid="true"' in html
    assert "Enter a Brazilian state code, such as SP." in html
    assert "Enter a CEP of 8 digits." in html
    assert not BillingCustomer.objects.filter(tax_id__gt="").exists()

    save_fiscal(client)
    customer = BillingCustomer.objects.get(organization=console_team["organization"])
    assert (customer.tax_id, customer.tax_id_kind, customer.state) == (
        "11222333000181",
        "cnpj",
        "SP",
    )
    form = text(client.get("/billing/fiscal-data/"))
    assert 'value="ACME Tecnologia Ltda"' in form


def test_checkout_without_fiscal_data_leads_to_the_fiscal_form(
    console_team: dict[str, Any],
) -> None:
    catalog_sync()
    client = logged_in(console_team)
    response = client.post("/billing/checkout/", {"plan": "business", "interval": "year"})
    assert response.status_code == 302
    assert response["Location"] == "/billing/fiscal-data/?plan=business&interval=year"
    form = text(client.get(response["Location"]))
    assert "Fill in the organization&#x27;s fiscal data" in form
    assert "choose the Business plan again" in form
    bad = client.post("/billing/checkout/", {"plan": "free", "interval": "month"})
    assert bad.status_code == 302 and bad["Location"] == "/billing/"
    assert "Choose a paid plan and interval." in messages_of(client, "/billing/")


def test_mock_checkout_subscribes_and_the_plan_reaches_the_services(
    console_team: dict[str, Any],
) -> None:
    catalog_sync()
    organization = console_team["organization"]
    client = logged_in(console_team)
    save_fiscal(client)
    started = client.post("/billing/checkout/", {"plan": "team", "interval": "month"})
    assert started["Location"] == "/billing/mock/checkout/?plan=team&interval=month"
    # The checkout session was made at the provider for the organization's customer.
    assert BillingCustomer.objects.get(organization=organization).provider_customer_id
    page = client.get(started["Location"])
    assert page.status_code == 200
    assert "Mock checkout (local simulation)" in text(page) and "R$\u00a0199,00" in text(page)
    assert Organization.objects.get(pk=organization.pk).plan == "free"

    confirmed = client.post(started["Location"], {"plan": "team", "interval": "month"})
    assert confirmed["Location"] == "/billing/?checkout=success"
    organization.refresh_from_db()
    assert organization.plan == "team"
    sub = Subscription.objects.get(organization=organization)
    assert (sub.status, sub.plan, sub.interval, sub.amount) == ("active", "team", "month", 19_900)
    assert tenant_updates(organization) == ["team"]
    html = messages_of(client, "/billing/")
    assert 'id="billing-plan">Team<' in html and "Manage payment methods or cancel" in html

    # A second checkout while subscribed goes to the portal instead.
    again = client.post("/billing/checkout/", {"plan": "business", "interval": "month"})
    assert again["Location"] == "/billing/mock/portal/"
    assert Subscription.objects.filter(organization=organization).count() == 1
    # Confirming the simulated checkout twice makes no second subscription.
    client.post("/billing/mock/checkout/", {"plan": "team", "interval": "month"})
    assert Subscription.objects.filter(organization=organization).count() == 1


def test_a_failed_payment_shows_the_banner_until_paid_and_cancel_falls_to_free(
    console_team: dict[str, Any],
) -> None:
    catalog_sync()
    organization = console_team["organization"]
    client = logged_in(console_team)
    save_fiscal(client)
    subscribe(client, "business", "year")
    assert "banner-past-due" not in messages_of(client, "/billing/")

    assert client.post("/billing/portal/")["Location"] == "/billing/mock/portal/"
    assert client.post("/billing/mock/portal/", {"status": "past_due"}).status_code == 302
    sub = Subscription.objects.get(organization=organization)
    assert sub.status == "past_due" and sub.grace_until is not None
    organization.refresh_from_db()
    assert organization.plan == "business"  # kept through the grace period
    for page in ("/billing/", "/data/"):
        html = messages_of(client, page)
        assert 'id="banner-past-due"' in html, page
        assert "The organization keeps its plan until" in html
    assert "Grace period ends" in messages_of(client, "/billing/")
    # Once the grace period is over the banner says the organization is on Free.
    Subscription.objects.filter(pk=sub.pk).update(grace_until=timezone.now() - timedelta(hours=1))
    assert "its grace period is over" in messages_of(client, "/data/")
    Subscription.objects.filter(pk=sub.pk).update(grace_until=sub.grace_until)

    client.post("/billing/mock/portal/", {"status": "active"})
    assert "banner-past-due" not in messages_of(client, "/billing/")

    client.post("/billing/mock/portal/", {"status": "canceled"})
    organization.refresh_from_db()
    assert organization.plan == "free"
    assert Subscription.objects.get(organization=organization).status == "canceled"
    assert tenant_updates(organization) == ["business", "free"]
    assert client.post("/billing/mock/portal/", {"status": "bogus"}).status_code == 302
    assert Subscription.objects.get(organization=organization).status == "canceled"


def test_invoices_are_listed_with_pdf_links(console_team: dict[str, Any]) -> None:
    catalog_sync()
    client = logged_in(console_team)
    save_fiscal(client)
    subscribe(client)
    html = messages_of(client, "/billing/")
    # stripe-mock lists one fixture invoice for any customer; it has no PDF of its own,
    # so in mock mode the console links to a labelled simulation of it.
    assert 'class="invoice-pdf"' in html
    link = html.split('class="invoice-pdf" href="', 1)[1].split('"', 1)[0]
    assert link.startswith("/billing/mock/invoices/in_") and link.endswith(".pdf")
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")
    assert console_team["organization"].name.encode() in pdf.content
    assert b"local simulation" in pdf.content
    assert client.get("/billing/mock/invoices/in_someone_elses.pdf").status_code == 404
    # A cursor that is not an invoice id is ignored (the first page), never an error.
    assert client.get("/billing/?after=%3Cscript%3E").status_code == 200
    assert client.get("/billing/?after=in_1Pgc6tB7WZ01zgkWu9fdqL6I").status_code == 200


def test_the_mock_pages_do_not_exist_with_a_real_provider(
    console_team: dict[str, Any], settings: Any
) -> None:
    client = logged_in(console_team)
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    for path in (
        "/billing/mock/checkout/?plan=team&interval=month",
        "/billing/mock/portal/",
        "/billing/mock/invoices/in_1Pgc6tB7WZ01zgkWu9fdqL6I.pdf",
    ):
        assert client.get(path).status_code == 404, path
    refused = client.post("/billing/mock/checkout/", {"plan": "team", "interval": "month"})
    assert refused.status_code == 404
    assert client.post("/billing/mock/portal/", {"status": "canceled"}).status_code == 404
    assert not Subscription.objects.filter(organization=console_team["organization"]).exists()
