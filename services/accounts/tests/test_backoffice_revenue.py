"""The back office's business view: MRR, subscriptions by plan, new and churn, past due, usage."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing import selectors
from billing.models import BillingCustomer, Subscription
from identity.models import User
from lgpd.models import OrganizationDeletion, PurgeRecord
from organizations.models import Membership, Organization

PAGE = "/admin/business/"


def make_org(name: str, *, created_at: datetime | None = None, plan: str = "free") -> Organization:
    suffix = uuid.uuid4().hex[:8]
    org = Organization.objects.create(
        name=name, slug=f"rev-{suffix}", schema_name=f"t_rev_{suffix}", plan=plan, status="active"
    )
    if created_at is not None:
        Organization.objects.filter(pk=org.pk).update(created_at=created_at)
    return org


def subscribe(
    org: Organization,
    *,
    status: str,
    plan: str = "team",
    interval: str = "month",
    amount: int = 19_900,
    past_due_since: datetime | None = None,
    canceled_at: datetime | None = None,
) -> Subscription:
    now = timezone.now()
    return Subscription.objects.create(
        organization=org,
        provider_subscription_id=f"sub_{uuid.uuid4().hex[:12]}",
        status=status,
        plan=plan,
        interval=interval,
        amount=amount,
        provider_created_at=now,
        state_at=now,
        past_due_since=past_due_since,
        grace_until=past_due_since + timedelta(days=7) if past_due_since else None,
        canceled_at=canceled_at,
    )


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def months_ago(now: datetime, n: int) -> datetime:
    local = timezone.localtime(now).replace(day=15, hour=12)
    year, month = local.year, local.month - n
    while month < 1:
        year, month = year - 1, month + 12
    return local.replace(year=year, month=month)


@pytest.mark.django_db
def test_mrr_counts_active_and_past_due_with_yearly_prices_as_a_twelfth():
    before = selectors.mrr()
    a, b, c, d, e = (make_org(f"Org {n}") for n in "abcde")
    subscribe(a, status="active", plan="team", interval="month", amount=19_900)
    subscribe(b, status="past_due", plan="business", interval="month", amount=79_900)
    subscribe(c, status="active", plan="team", interval="year", amount=199_000)
    subscribe(d, status="active", plan="business", interval="year", amount=799_000)
    subscribe(e, status="canceled", plan="business", interval="month", amount=79_900)
    subscribe(e, status="trialing", plan="team", interval="month", amount=19_900)

    after = selectors.mrr()
    assert before == selectors.Mrr(total=0, monthly=0, yearly=0, subscriptions=0)
    # 19_900 + 79_900 monthly; (199_000 + 799_000) / 12 = 83_166.67 -> 83_167 centavos
    assert after == selectors.Mrr(total=182_967, monthly=99_800, yearly=83_167, subscriptions=4)

    by_plan = {(p.plan, p.interval): p for p in selectors.subscriptions_by_plan()}
    assert by_plan[("business", "month")].past_due >= 1
    assert by_plan[("team", "year")].active >= 1 and by_plan[("business", "year")].active >= 1


@pytest.mark.django_db
def test_new_and_churned_organizations_per_month_over_the_last_twelve():
    now = timezone.now()
    baseline = {m.month: m for m in selectors.monthly_new_and_churned(now=now)}
    two_ago = months_ago(now, 2)
    old = months_ago(now, 14)

    make_org("New now", created_at=now)
    make_org("New two ago", created_at=two_ago)
    make_org("Also two ago", created_at=two_ago)
    make_org("Too old", created_at=old)

    gone = make_org("Canceled", created_at=old)
    subscribe(gone, status="canceled", canceled_at=two_ago)
    also_gone = make_org("Also canceled", created_at=old)
    subscribe(also_gone, status="canceled", canceled_at=two_ago)
    switched = make_org("Switched plan", created_at=old)
    subscribe(switched, status="canceled", canceled_at=two_ago)
    subscribe(switched, status="active")  # still paying: not churn
    leaving = make_org("Leaving", created_at=old)
    OrganizationDeletion.objects.create(
        organization=leaving,
        requested_at=now,
        purge_after=now + timedelta(days=30),
        previous_status="active",
    )
    # Canceled and asked for deletion in the same month: counted once.
    subscribe(leaving, status="canceled", canceled_at=now)
    PurgeRecord.objects.create(
        organization_id=uuid.uuid4(), deletion_requested_at=two_ago, purged_at=two_ago
    )

    months = selectors.monthly_new_and_churned(now=now)
    assert len(months) == 12 and months[-1].month == month_of(now)
    assert [m.month for m in months] == sorted(m.month for m in months)
    figures = {m.month: m for m in months}
    this, two = month_of(now), month_of(two_ago)
    assert figures[this].new - baseline[this].new == 1
    assert figures[two].new - baseline[two].new == 2
    assert figures[two].churned - baseline[two].churned == 3  # two canceled + one purged
    assert figures[this].churned - baseline[this].churned == 1  # leaving, once
    assert month_of(old) not in figures


@pytest.mark.django_db
def test_past_due_lists_the_longest_overdue_first_with_the_provider_customer():
    now = timezone.now()
    recent = make_org("Recent debtor")
    oldest = make_org("Oldest debtor")
    middle = make_org("Middle debtor")
    paying = make_org("Good payer")
    subscribe(recent, status="past_due", past_due_since=now - timedelta(days=1))
    subscribe(oldest, status="unpaid", past_due_since=now - timedelta(days=9))
    subscribe(middle, status="past_due", past_due_since=now - timedelta(days=4))
    subscribe(paying, status="active")
    BillingCustomer.objects.create(organization=oldest, provider_customer_id="cus_oldest123")

    rows = [
        s
        for s in selectors.past_due()
        if s.organization_id in {recent.id, oldest.id, middle.id, paying.id}
    ]
    assert [s.organization_id for s in rows] == [oldest.id, middle.id, recent.id]
    assert rows[0].customer_id == "cus_oldest123"  # type: ignore[attr-defined]


@pytest.fixture
def staff_client() -> Client:
    staff = User.objects.create_superuser("boss-revenue@example.com", "staff-password-123")
    client = Client()
    client.force_login(staff)
    return client


def assert_no_inline_code(html: str) -> None:
    """The admin's CSP allows this origin's files only: no inline script or style."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "event handler attribute"
    assert "javascript:" not in html


@pytest.mark.django_db
def test_staff_see_the_business_overview_in_english_and_portuguese(staff_client, settings):
    now = timezone.now()
    debtor = make_org("Debtor Ltd", plan="business")
    subscribe(
        debtor,
        status="past_due",
        plan="business",
        interval="year",
        amount=799_000,
        past_due_since=now - timedelta(days=2),
    )
    BillingCustomer.objects.create(organization=debtor, provider_customer_id="cus_debtor42")
    member = User.objects.create_user("member-revenue@example.com", "member-password-123")
    Membership.objects.create(user=member, organization=debtor, role="owner")
    figures = selectors.mrr()

    english = staff_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    html = english.content.decode()
    reais, cents = divmod(figures.total, 100)
    assert f"R$ {reais}.{cents:02d}" in html
    assert "Monthly recurring revenue" in html and "Past due" in html
    assert "Debtor Ltd" in html
    assert f"/admin/organizations/organization/{debtor.pk}/change/" in html
    assert "https://dashboard.stripe.com/customers/cus_debtor42" in html
    assert "(mock)" in html  # the tests' billing runs on stripe-mock
    assert "usage against the limits" in html  # each organization's usage page
    assert english["Content-Security-Policy"].startswith("default-src 'self'")
    assert_no_inline_code(html)

    portuguese = staff_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert portuguese.status_code == 200
    texto = portuguese.content.decode()
    assert f"R$ {reais},{cents:02d}" in texto
    assert "Receita recorrente mensal" in texto and "Debtor Ltd" in texto
    assert_no_inline_code(texto)

    index = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{PAGE}"' in index


@pytest.mark.django_db
def test_the_usage_list_is_paged_and_searchable(staff_client):
    for n in range(27):
        make_org(f"Usage Co {n:02d}")
    first = staff_client.get(PAGE, {"q": "Usage Co"}).content.decode()
    assert first.count('class="usage"') == 25 and "Page 1 of 2" in first
    second = staff_client.get(PAGE, {"q": "Usage Co", "page": 2}).content.decode()
    assert second.count('class="usage"') == 2


@pytest.mark.django_db
def test_people_without_staff_rights_are_sent_to_the_back_office_login(signup):
    assert Client().get(PAGE).status_code == 302
    org = signup()
    owner = User.objects.get(email=org["email"])
    assert Membership.objects.get(user=owner).role == "owner"
    client = Client()
    client.force_login(owner)
    response = client.get(PAGE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    bearer = Client().get(PAGE, HTTP_AUTHORIZATION=f"Bearer {org['tokens']['access']}")
    assert bearer.status_code == 302 and "/admin/login/" in bearer["Location"]


@pytest.mark.django_db
def test_subscriptions_and_customers_are_read_only_lists_filtered_and_searchable(staff_client):
    org = make_org("Filtered Org")
    subscribe(org, status="past_due")
    BillingCustomer.objects.create(organization=org, provider_customer_id="cus_filtered1")
    listing = staff_client.get(
        "/admin/billing/subscription/", {"status__exact": "past_due", "q": "Filtered"}
    )
    assert listing.status_code == 200 and "Filtered Org" in listing.content.decode()
    none = staff_client.get(
        "/admin/billing/subscription/", {"status__exact": "active", "q": "Filtered"}
    )
    assert "Filtered Org" not in none.content.decode()
    assert staff_client.get("/admin/billing/subscription/add/").status_code == 403
    customers = staff_client.get("/admin/billing/billingcustomer/", {"q": "Filtered"})
    assert "cus_filtered1" in customers.content.decode()
    sub = Subscription.objects.get(organization=org)
    change = staff_client.post(
        f"/admin/billing/subscription/{sub.pk}/change/", {"status": "active", "plan": "business"}
    )
    sub.refresh_from_db()
    assert change.status_code in {302, 403} and sub.status == "past_due" and sub.plan == "team"
    customer = BillingCustomer.objects.get(organization=org)
    staff_client.post(
        f"/admin/billing/billingcustomer/{customer.pk}/change/",
        {"provider_customer_id": "cus_other", "legal_name": "Changed"},
    )
    customer.refresh_from_db()
    assert customer.provider_customer_id == "cus_filtered1" and customer.legal_name == ""
