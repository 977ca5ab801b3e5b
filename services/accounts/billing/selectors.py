"""The back office's business figures: revenue, subscriptions, new and churned organizations.

Every figure is one SQL aggregate over the public schema (ADR 0045 defines them):

* MRR counts the ``active`` and ``past_due`` subscriptions at their stored amount
  (centavos of BRL per interval): a monthly price as is, a yearly one as 1/12
  (the yearly sum is divided once and rounded half up, so the figure is exact to
  the centavo whatever the number of yearly subscriptions).
* New organizations in a month: organization rows created that month (a purged
  organization leaves no row, so it no longer counts as new).
* Churned organizations in a month: distinct organizations that, that month,
  had a subscription canceled and have no live subscription now, or asked for
  their deletion (pending or already purged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from lgpd.models import OrganizationDeletion, PurgeRecord
from organizations.models import Organization

from .models import Subscription

MRR_STATUSES = ("active", "past_due")
OVERDUE_STATUSES = ("past_due", "unpaid")
ENDED_STATUSES = ("canceled", "incomplete_expired")
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid")


@dataclass(frozen=True)
class Mrr:
    total: int  # centavos of BRL per month
    monthly: int  # from monthly prices
    yearly: int  # the yearly prices' monthly share
    subscriptions: int


@dataclass(frozen=True)
class PlanCount:
    plan: str
    interval: str
    active: int
    past_due: int


@dataclass(frozen=True)
class MonthFigures:
    month: date
    new: int
    churned: int


def mrr() -> Mrr:
    """Monthly recurring revenue in centavos of BRL (ADR 0045)."""
    sums = Subscription.objects.filter(status__in=MRR_STATUSES).aggregate(
        monthly=Sum("amount", filter=Q(interval="month"), default=0),
        yearly=Sum("amount", filter=Q(interval="year"), default=0),
        count=Count("id"),
    )
    monthly = int(sums["monthly"])
    yearly_share = (int(sums["yearly"]) * 2 + 12) // 24  # round(yearly / 12), half up
    return Mrr(
        total=monthly + yearly_share,
        monthly=monthly,
        yearly=yearly_share,
        subscriptions=int(sums["count"]),
    )


def subscriptions_by_plan() -> list[PlanCount]:
    """Active and past-due subscriptions per plan and interval."""
    rows = (
        Subscription.objects.filter(status__in=MRR_STATUSES)
        .values("plan", "interval")
        .annotate(
            active=Count("id", filter=Q(status="active")),
            past_due=Count("id", filter=Q(status="past_due")),
        )
        .order_by("plan", "interval")
    )
    return [
        PlanCount(
            plan=row["plan"],
            interval=row["interval"],
            active=row["active"],
            past_due=row["past_due"],
        )
        for row in rows
    ]


def _months_back(*, now: datetime, months: int) -> list[date]:
    local = timezone.localtime(now)
    year, month = local.year, local.month
    out: list[date] = []
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))


def _window_start(first: date) -> datetime:
    return timezone.make_aware(datetime(first.year, first.month, 1))


def monthly_new_and_churned(*, now: datetime | None = None, months: int = 12) -> list[MonthFigures]:
    """New and churned organizations per month, oldest first, the current month last."""
    now = now or timezone.now()
    keys = _months_back(now=now, months=months)
    start = _window_start(keys[0])
    tz_name = timezone.get_current_timezone_name()

    new_rows = (
        Organization.objects.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    new = {timezone.localtime(row["month"]).date(): row["n"] for row in new_rows}

    subscriptions = Subscription._meta.db_table
    deletions = OrganizationDeletion._meta.db_table
    purges = PurgeRecord._meta.db_table
    sql = f"""
        SELECT date_trunc('month', at AT TIME ZONE %(tz)s)::date AS month,
               count(DISTINCT organization_id)
        FROM (
            SELECT s.organization_id, s.canceled_at AS at FROM {subscriptions} s
            WHERE s.status = ANY(%(ended)s) AND s.canceled_at >= %(start)s
              AND NOT EXISTS (
                  SELECT 1 FROM {subscriptions} live
                  WHERE live.organization_id = s.organization_id AND live.status = ANY(%(live)s)
              )
            UNION ALL
            SELECT d.organization_id, d.requested_at FROM {deletions} d
            WHERE d.requested_at >= %(start)s
            UNION ALL
            SELECT p.organization_id, p.deletion_requested_at FROM {purges} p
            WHERE p.deletion_requested_at >= %(start)s
        ) AS churn
        GROUP BY 1
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "tz": tz_name,
                "ended": list(ENDED_STATUSES),
                "live": list(LIVE_STATUSES),
                "start": start,
            },
        )
        churned = {row[0]: row[1] for row in cursor.fetchall()}
    return [MonthFigures(month=k, new=new.get(k, 0), churned=churned.get(k, 0)) for k in keys]


def past_due() -> QuerySet[Subscription]:
    """Overdue subscriptions, the longest overdue first (then by organization name)."""
    return (
        Subscription.objects.filter(status__in=OVERDUE_STATUSES)
        .select_related("organization")
        .annotate(
            organization_name=F("organization__name"),
            customer_id=F("organization__billing_customer__provider_customer_id"),
        )
        .order_by(F("past_due_since").asc(nulls_last=True), "organization__name", "id")
    )


def usage_by_organization(*, search: str = "") -> QuerySet[Organization]:
    """Organizations with their member count (what accounts knows), the most members first."""
    organizations = Organization.objects.exclude(schema_name="public")
    if search:
        organizations = organizations.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    return organizations.annotate(member_count=Count("memberships", distinct=True)).order_by(
        "-member_count", "name", "id"
    )
